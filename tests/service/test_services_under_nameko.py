"""Each service class under nameko with its real composition root: it starts, answers
/health, runs its background threads as nameko's own, and stops cleanly."""
import json
import urllib.request

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook

from catalogue.entrypoints.service import CatalogueService
from catalogue.settings import CatalogueSettings
from delovod_proto.rpc import ServiceNotFound
from notifications.entrypoints.service import NotificationsService
from notifications.settings import NotificationsSettings
from registry.entrypoints.service import RegistryService
from registry.settings import RegistrySettings
from status.entrypoints.service import StatusService
from status.settings import StatusSettings

pytestmark = pytest.mark.service

SERVICES = {
    "registry": (RegistryService, lambda db: RegistrySettings(mongo_uri=db, s3_bucket="delovod-test")),
    "status": (StatusService, lambda db: StatusSettings(mongo_uri=db)),
    "notifications": (NotificationsService, lambda db: NotificationsSettings(mongo_uri=db)),
    "catalogue": (CatalogueService, lambda db: CatalogueSettings(mongo_uri=db)),
}


def get_json(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def background_threads(container) -> set[str]:
    return {identifier for identifier in container._managed_threads.values() if identifier}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_starts_answers_health_runs_its_relay_as_a_managed_thread_and_stops(name, start_service,
                                                                                      test_db):
    cls, settings = SERVICES[name]
    container, base = start_service(cls, settings(test_db))

    assert get_json(f"{base}/health") == (200, {"status": "ok", "service": name})
    expected = {f"{name}.outbox_relay"} | ({"registry.completer"} if name == "registry" else set())
    assert expected <= background_threads(container)

    with eventlet.Timeout(20):  # each loop ends its round: nothing to kill
        container.stop()
    assert not expected & background_threads(container)
    with pytest.raises(OSError):
        get_json(f"{base}/health")


def test_an_rpc_entrypoint_answers_through_the_container(start_service, test_db):
    cls, settings = SERVICES["catalogue"]
    container, _ = start_service(cls, settings(test_db))
    with entrypoint_hook(container, "get_service_term") as get_service_term:
        with pytest.raises(ServiceNotFound):
            get_service_term({"code": "NO-SUCH-1", "at": "2026-12-01", "variant": "ordinary"})
