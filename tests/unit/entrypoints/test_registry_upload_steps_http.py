"""The registry's HTTP entrypoint for uploads in parts, over the real use case and fakes: a grant
with ``parts`` answers no URL, each step is signed for the clerk it was granted to, and a step
the upload cannot need is a Bulgarian 422 (a stranger's: 404)."""
import datetime as dt
import json
from types import SimpleNamespace

from nameko.testing.services import worker_factory

from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore, InMemoryUploadLedger
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS
from registry.entrypoints.service import RegistryService
from registry.service_layer.use_cases import build
from tests.helpers import TEST_KEYS
from tests.unit.entrypoints.conftest import bearer, request

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)


def worker(settings, uploads):
    registry = build(InMemoryRegistrationRepository(), InMemoryScanStore(), DEFAULT_REGISTERS, WorkingCalendar(),
                     TEST_KEYS, clock=lambda: NOW, ledger=InMemoryUploadLedger(), upload_ttl=dt.timedelta(hours=1))
    return worker_factory(RegistryService, app=SimpleNamespace(settings=settings, uploads=uploads, registry=registry))


def post(handler, path, body, role="clerk", **path_args):
    response = handler(request("POST", path, headers=bearer(role), json=body), **path_args)
    return response.status_code, json.loads(response.get_data())


def test_an_upload_in_parts_is_granted_without_a_url_and_its_steps_are_signed(settings, uploads):
    w = worker(settings, uploads)
    status, grant = post(w.grant_upload, "/api/v1/uploads",
                         {"file_name": "big.pdf", "size": 11 * 2**20, "sha256": "ab" * 32, "parts": True})
    assert status == 201 and grant["parts"] is True and "url" not in grant
    path = f"/api/v1/uploads/{grant['upload_id']}/steps"
    status, step = post(w.sign_upload_step, path, {"step": "part", "part_number": 2}, upload_id=grant["upload_id"])
    assert status == 200 and step["method"] == "PUT" and "partNumber=2" in step["url"]
    status, problem = post(w.sign_upload_step, path, {"step": "part", "part_number": 9}, upload_id=grant["upload_id"])
    assert status == 422 and problem["errors"][0]["field"] == "part_number" and "от 1 до 3" in problem["detail"]
    status, problem = post(w.sign_upload_step, path, {"step": "list"}, role="official", upload_id=grant["upload_id"])
    assert status == 404  # granted to another person


def test_a_single_upload_still_answers_its_url_and_has_no_steps(settings, uploads):
    w = worker(settings, uploads)
    status, grant = post(w.grant_upload, "/api/v1/uploads", {"file_name": "a.pdf", "size": 10, "sha256": "ab" * 32})
    assert status == 201 and grant["url"].startswith("memory://") and grant["parts"] is False
    status, problem = post(w.sign_upload_step, "/x", {"step": "list"}, upload_id=grant["upload_id"])
    assert status == 422 and "не се качва на части" in problem["detail"]
    status, problem = post(w.sign_upload_step, "/x", {"step": "rename"}, upload_id=grant["upload_id"])
    assert status == 422
