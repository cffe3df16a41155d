"""The Mongo outbox store on FerretDB: settle, recheck, expiry and abandonment of pointers."""
import datetime as dt
import uuid

import pytest
from mongoengine import Document, StringField

from delovod_proto.envelope import Envelope
from delovod_proto.events import CatalogueServiceChanged
from servicekit import mongo
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, outbox_fields
from servicekit.outbox import OutboxMessage

pytestmark = pytest.mark.integration


# named apart from the contract tier's Thing: mongoengine resets a cached collection on
# reconnect by the class's registered name, and two classes of one name share that entry
class RelayThing(Document, OutboxFields):
    meta = {"collection": "things", "db_alias": "outbox-test"}
    id = StringField(primary_key=True)


def message(code: str) -> OutboxMessage:
    body = CatalogueServiceChanged(code=code, version=1, valid_from=dt.date(2026, 1, 1), name="x")
    return OutboxMessage("t", code, Envelope.wrap(body, source="test", correlation_id=code))


@pytest.fixture
def store(test_db):
    mongo.connect("outbox-test", test_db)
    abandoned = []
    s = MongoOutboxStore(RelayThing, abandon=lambda pointer, doc: abandoned.append((pointer["_id"], doc)), grace_s=60)
    s.abandoned = abandoned
    return s


def age(store, seconds: float) -> None:
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=seconds)
    store._pointers.update_many({}, {"$set": {"at": at}})


def test_fresh_pointers_are_left_to_their_writer(store):
    m = message("a")
    store.point([m], "a")
    RelayThing._get_collection().insert_one({"_id": "a", **outbox_fields([m])})
    assert list(store.pending(10)) == []  # younger than settle_s
    assert [b.owner_id for b in store.pending(10, owner_id="a")] == ["a"]  # its writer asks for it by name
    age(store, 10)
    assert [b.owner_id for b in store.pending(10)] == ["a"]


def test_a_write_not_yet_made_is_rechecked_later_and_does_not_starve_others(store):
    ghost, real = message("ghost"), message("real")
    store.point([ghost], "ghost")  # its write has not happened (yet)
    store.point([real], "real")
    RelayThing._get_collection().insert_one({"_id": "real", **outbox_fields([real])})
    age(store, 10)
    first = list(store.pending(1))  # one aggregate per round: the ghost comes first and is found missing
    second = list(store.pending(1))  # the ghost waits for its recheck; the real one goes out
    assert [b.owner_id for b in first + second] == ["real"]
    assert store.abandoned == []


def test_a_pointer_past_grace_is_abandoned_and_dropped(store):
    ghost = message("gone")
    store.point_ids([ghost.envelope.event_id], f"rid:{uuid.uuid4()}", scans=["staging/x/1.pdf"])
    age(store, 61)
    assert list(store.pending(10)) == []
    assert store.abandoned == [(str(ghost.envelope.event_id), None)]
    assert store._pointers.count_documents({}) == 0


def test_announcing_again_renews_the_pointer_and_adds_its_objects(store):
    import time

    event_id = uuid.uuid4()
    store.point_ids([event_id], "rid:x", scans=["staging/x/1-aaaa.pdf"])
    first = store._pointers.find_one({"_id": str(event_id)})
    time.sleep(0.01)
    store.point_ids([event_id], "rid:x", scans=["staging/x/1-bbbb.pdf"])
    again = store._pointers.find_one({"_id": str(event_id)})
    assert again["at"] > first["at"]  # a retry's objects are not swept on the first attempt's clock
    assert sorted(again["scans"]) == ["staging/x/1-aaaa.pdf", "staging/x/1-bbbb.pdf"]


def test_a_lease_is_broken_and_released_only_as_the_one_seen(test_db):
    import datetime as dt

    from pymongo import MongoClient
    from servicekit.mongo import Lease

    with MongoClient(test_db) as client:
        leases = client.get_default_database()["leases"]
        stale = Lease(leases, ttl_s=-1)  # expires at once: its holder "stalled"
        assert stale.acquire("k")
        fresh = Lease(leases, ttl_s=60)
        assert fresh.acquire("k")  # broke the expired one
        stale_token_left = leases.find_one({"_id": "k"})["until"] > dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        assert stale_token_left
        stale.release("k")  # the stalled holder wakes up: must not remove the new lease
        assert not Lease(leases, ttl_s=60).acquire("k")
        fresh.release("k")
        assert Lease(leases, ttl_s=60).acquire("k")
