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


def test_the_relay_waits_out_a_producer_not_started_yet_without_counting_it_against_an_entry():
    """Kafka slow to answer at start: the relay's round is an outage, not the entries' failure."""
    import datetime as dt

    from delovod_proto.envelope import Envelope
    from delovod_proto.events import CatalogueServiceChanged
    from servicekit.errors import Unavailable
    from servicekit.kafka import KafkaPublisher
    from servicekit.providers import Background

    body = CatalogueServiceChanged(code="c", version=1, valid_from=dt.date(2026, 1, 1), name="x")
    outbox = InMemoryOutbox([OutboxMessage("t", "c", Envelope.wrap(body, source="test", correlation_id="c"))])
    publisher = KafkaPublisher.__new__(KafkaPublisher)
    publisher.producer = None
    background = Background()
    background.publisher_provider = publisher
    background.app_provider = SimpleNamespace(app=SimpleNamespace(outbox=outbox, background=lambda publish: []))
    background.container = SimpleNamespace(spawn_managed_thread=lambda fn, identifier: None, service_name="probe")
    background.start()
    with pytest.raises(Unavailable):
        background.relay_loop.relay_now()
    assert len(outbox) == 1 and not outbox.retries and outbox.dead() == []
