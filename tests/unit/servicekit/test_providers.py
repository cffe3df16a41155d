"""The App provider's stop releases what the composition root opened; every service's app
has what the providers call."""
from types import SimpleNamespace

import mongoengine
import pytest

from catalogue.bootstrap import CatalogueApp
from notifications.bootstrap import NotificationsApp
from registry.bootstrap import RegistryApp
from servicekit import mongo
from servicekit.outbox import InMemoryOutbox, OutboxMessage
from servicekit.providers import App, ServiceApp
from status.bootstrap import StatusApp


@pytest.mark.parametrize("app_class", [RegistryApp, StatusApp, NotificationsApp, CatalogueApp])
def test_every_service_app_closes_and_names_its_background(app_class):
    assert issubclass(app_class, ServiceApp)
    assert callable(app_class.close) and callable(app_class.background)


def test_stopping_the_app_provider_releases_the_database_connection():
    mongo.connect("provider_probe", "mongodb://127.0.0.1:9/probe", server_selection_timeout_ms=100)
    assert "provider_probe" in mongoengine.connection._connection_settings
    provider = App(lambda settings: ServiceApp.__new__(type("ProbeApp", (ServiceApp,), {"mongo_alias": "provider_probe"})))
    provider.container = SimpleNamespace(config={"SETTINGS": None})
    provider.setup()
    provider.stop()
    assert "provider_probe" not in mongoengine.connection._connection_settings


def test_the_fakes_outbox_is_relayed_like_the_real_one():
    outbox = InMemoryOutbox()
    a, b = (OutboxMessage("t", key, envelope=None) for key in ("case-1", "case-2"))
    outbox.extend([a, b])
    [batch] = outbox.pending(100, owner_id="case-2")
    assert batch.messages == (b,)
    outbox.mark_published(batch.owner_id, batch.messages)
    assert list(outbox) == [a] and outbox.pending(100) and not outbox.pending(100, owner_id="case-2")
