"""The outbox's retry and dead entries, one suite for the fakes' in-memory outbox and the
Mongo outbox on the real database (FerretDB): a failed entry is postponed on the entry
itself, skipped until its retry, set aside after its attempts, listed and handed back."""
import datetime as dt

import pytest
from mongoengine import Document, StringField

from delovod_proto.envelope import Envelope
from delovod_proto.events import CatalogueServiceChanged
from servicekit import mongo
from servicekit.outbox import InMemoryOutbox, OutboxMessage, Retry, relay
from tests.contract.conftest import BACKENDS


class Thing(Document):
    meta = {"collection": "things", "db_alias": "outbox-retry-test"}
    id = StringField(primary_key=True)


def message(code: str) -> OutboxMessage:
    body = CatalogueServiceChanged(code=code, version=1, valid_from=dt.date(2026, 1, 1), name="x")
    return OutboxMessage("t", code, Envelope.wrap(body, source="test", correlation_id=code))


class MongoOutbox:
    """Adds events to Things the way a repository does: a pointer, then the aggregate."""

    def __init__(self, test_db):
        from servicekit.mongo_outbox import MongoOutboxStore, outbox_fields

        mongo.connect("outbox-retry-test", test_db)
        self.store, self.fields = MongoOutboxStore(Thing, settle_s=0), outbox_fields

    def add(self, m: OutboxMessage) -> None:
        self.store.point([m], m.key)
        Thing._get_collection().insert_one({"_id": m.key, **self.fields([m])})

    def due_now(self) -> None:
        self.store._pointers.update_many({}, {"$set": {"retry_at": dt.datetime(2000, 1, 1)}})

    def retry_of(self, m: OutboxMessage) -> tuple:
        p = self.store._pointers.find_one({"_id": str(m.envelope.event_id)})
        return p["attempts"], p["retry_at"], p["last_error"]


class MemoryOutbox:
    def __init__(self):
        self.store = InMemoryOutbox()

    def add(self, m: OutboxMessage) -> None:
        self.store.append(m)

    def due_now(self) -> None:
        self.store.retries = {k: (a, dt.datetime(2000, 1, 1), e) for k, (a, _, e) in self.store.retries.items()}

    def retry_of(self, m: OutboxMessage) -> tuple:
        return self.store.retries[str(m.envelope.event_id)]


@pytest.fixture(params=BACKENDS)
def outbox(request, uid):
    if request.param == "memory":
        return MemoryOutbox()
    return MongoOutbox(request.getfixturevalue("test_db"))


class Broker:
    def __init__(self, refuse=()):
        self.refuse, self.sent = set(refuse), []

    def __call__(self, topic, envelope, key=None):
        if key in self.refuse:
            raise ValueError(f"refused {key} (call 0888123456)")
        self.sent.append(key)


def test_a_failing_entry_is_retried_then_set_aside_while_the_others_go_out(outbox):
    bad = message("bad")
    for m in (bad, message("a"), message("b")):
        outbox.add(m)
    broker, retry = Broker(refuse={"bad"}), Retry(first_s=60, cap_s=600, max_attempts=3)
    assert relay(outbox.store, broker, retry=retry) == 2 and sorted(broker.sent) == ["a", "b"]
    attempts, retry_at, error = outbox.retry_of(bad)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert attempts == 1 and dt.timedelta(seconds=55) < retry_at - now <= dt.timedelta(seconds=60)
    assert error.startswith("ValueError: refused bad") and "0888123456" not in error
    outbox.add(message("c"))
    assert relay(outbox.store, broker, retry=retry) == 1 and broker.sent[-1] == "c"  # bad waits for its retry
    outbox.due_now()
    relay(outbox.store, broker, retry=retry)
    assert outbox.retry_of(bad)[0] == 2 and outbox.retry_of(bad)[1] - now > dt.timedelta(seconds=115)  # 120 s
    outbox.due_now()
    relay(outbox.store, broker, retry=retry)  # the third failure: set aside
    [dead] = outbox.store.dead()
    assert (dead.owner_id, dead.message, dead.attempts) == ("bad", bad, 3) and "0888123456" not in dead.last_error
    assert list(outbox.store.pending(100)) == []
    broker.refuse.clear()
    assert outbox.store.revive([str(bad.envelope.event_id)]) == 1 and outbox.store.dead() == []
    assert relay(outbox.store, broker, retry=retry) == 1 and broker.sent[-1] == "bad"
    assert list(outbox.store.pending(100)) == []
