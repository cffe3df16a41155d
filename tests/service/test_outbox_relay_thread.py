"""The relay runs by itself, as a managed thread: an event left in a service's outbox
reaches Kafka with no entrypoint called; an entrypoint that relays at once uses it too."""
import datetime as dt

import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
from nameko.testing.services import entrypoint_waiter

from delovod_proto.envelope import Envelope
from delovod_proto.events import CatalogueServiceChanged
from servicekit.outbox import OutboxMessage
from servicekit.providers import App
from status.adapters.memory import InMemoryCaseRepository
from status.bootstrap import bootstrap
from status.entrypoints.service import StatusService
from status.settings import StatusSettings
from tests.conftest import until
from tests.service.conftest import KAFKA

pytestmark = pytest.mark.service
FAKES = {}


class StatusOnFakes(StatusService):
    """The status service with its fakes: the in-memory outbox is relayed like the real one."""

    app = App(lambda settings: bootstrap(settings, repo=FAKES["repo"]))


@pytest.fixture
def topic(uid):
    admin = KafkaAdminClient(bootstrap_servers=KAFKA)
    name = f"test.{uid}.relayed"
    admin.create_topics([NewTopic(name, 1, 1)])
    admin.close()
    return name


def message(topic: str, code: str) -> OutboxMessage:
    body = CatalogueServiceChanged(code=code, version=1, valid_from=dt.date(2026, 1, 1), name="x")
    return OutboxMessage(topic, code, Envelope.wrap(body, source="test", correlation_id=code))


def received(topic: str, n: int) -> list[str]:
    consumer = KafkaConsumer(topic, bootstrap_servers=KAFKA, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=1000)
    seen = []
    try:
        until(lambda: seen.extend(Envelope.model_validate_json(m.value).correlation_id for m in consumer)
              or len(seen) >= n, timeout_s=30, what=f"{n} events on {topic}")
    finally:
        consumer.close()
    return seen


def test_an_event_left_in_the_outbox_is_published_by_the_relay_thread(start_service, topic):
    FAKES["repo"] = repo = InMemoryCaseRepository()
    container, _ = start_service(StatusOnFakes, StatusSettings())
    repo.outbox.append(message(topic, "left-behind"))  # as if the process died before publishing it
    assert received(topic, 1) == ["left-behind"]
    until(lambda: not repo.outbox, timeout_s=10, what="the outbox emptied")
    container.stop()


def test_a_failed_round_is_logged_and_the_relay_goes_on(start_service, topic, caplog):
    FAKES["repo"] = repo = InMemoryCaseRepository()
    container, _ = start_service(StatusOnFakes, StatusSettings())
    unknown = message(f"{topic}.missing", "to-a-missing-topic")  # auto-creation is off: the send fails
    repo.outbox.append(unknown)
    until(lambda: any("background_loop_failed" in r.getMessage() for r in caplog.records), timeout_s=30,
          what="the failed round logged")
    repo.outbox.remove(unknown)
    repo.outbox.append(message(topic, "after"))
    assert received(topic, 1) == ["after"]
    assert not container._died.ready()  # a managed thread that raised would have killed the container


def test_a_watch_round_runs_under_the_container(start_service):
    FAKES["repo"] = InMemoryCaseRepository()
    container, _ = start_service(StatusOnFakes, StatusSettings(), started=False)
    with entrypoint_waiter(container, "watch_deadlines", timeout=20):
        container.start()  # an eager timer: a round right after the start
