"""The fault tier's finding: a registration whose scan is gone under both its keys makes the
relay's repair fail every time. Before, the relay raised on it every round and every event
behind it stayed unpublished (308 were stuck). Now the registrations after it go out, and
the bad one is retried, then set aside where an operator lists it (FerretDB and SeaweedFS)."""
import datetime as dt
import json

import pytest

from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc
from registry.adapters.s3_store import S3ScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS, Register
from registry.service_layer.use_cases import build
from servicekit import dead_letters, mongo
from servicekit.concurrently import green
from servicekit.outbox import Retry, relay
from tests.helpers import TEST_KEYS, command, pdf_bytes

pytestmark = pytest.mark.integration


@pytest.fixture
def registry(uid, test_db):
    mongo.connect(ALIAS, test_db)
    mongo.ensure_indexes(RegistrationDoc, AuditDoc)
    store = S3ScanStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", "delovod-test")
    store.ensure_bucket()
    registers = {k: Register(f"{v.code}-{uid}", v.prefix, v.title) for k, v in DEFAULT_REGISTERS.items()}
    repo = MongoRegistrationRepository(concurrently=green, drop_objects=lambda keys: [store.delete(k) for k in keys],
                                       move_objects=lambda pairs: [store.move(*p) for p in pairs])
    return build(repo, store, registers, WorkingCalendar(), TEST_KEYS, concurrently=green).registrar, store


def settled(pointers) -> None:
    """Older than the relay's settle time, as left by a process that died."""
    pointers.update_many({"retry_at": {"$exists": False}}, {"$set": {"at": dt.datetime(2000, 1, 1)}})


def test_registrations_after_one_whose_scans_are_gone_still_get_their_events_out(registry, test_db, capsys):
    registrar, store = registry
    # the process dies after each claim: nothing completed, every event left to the relay
    lost = registrar.register(command(), [("s.pdf", pdf_bytes("lost"))], "clerk", None)
    store.delete(lost.registration.scans[0].staging_key)  # gone under both keys
    behind = [registrar.register(command(), [("s.pdf", pdf_bytes(f"ok{i}"))], "clerk", None) for i in range(5)]
    pointers = RegistrationDoc._get_collection().database["outbox_pointers"]
    settled(pointers)
    sent = []
    retry = Retry(first_s=1, cap_s=1, max_attempts=2)

    def publish(topic, envelope, key=None):
        sent.append(envelope.event_id)
    relay(registrar.repo.outbox, publish, retry=retry)
    assert sent == [m.envelope.event_id for d in behind for m in d.events]  # in order, none held up
    for d in behind:  # their repair ran: scans moved to their index-derived keys
        assert store.get(d.registration.scans[0].object_key)[:4] == b"%PDF"
    [failed] = list(pointers.find())
    assert failed["attempts"] == 1 and failed["last_error"].startswith("S3Error")
    assert failed["retry_at"] > dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    pointers.update_many({}, {"$set": {"retry_at": dt.datetime(2000, 1, 1)}})  # its retry is due
    relay(registrar.repo.outbox, publish, retry=retry)
    assert pointers.count_documents({}) == 0 and len(sent) == sum(len(d.events) for d in behind)
    dead_letters.main(["outbox", "list", "--mongo-uri", test_db])
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(e["event_id"] for e in listed) == sorted(str(m.envelope.event_id) for m in lost.events)
    assert {e["owner"] for e in listed} == {lost.registration.claim_key}
    assert all(e["attempts"] == 2 and e["last_error"].startswith("S3Error") for e in listed)

    # the operator puts the scan back and retries: the repair completes it and its events go out
    store.put(lost.registration.scans[0].staging_key, pdf_bytes("lost"), "application/pdf")
    dead_letters.main(["outbox", "retry", "--mongo-uri", test_db])
    settled(pointers)
    relay(registrar.repo.outbox, publish, retry=retry)
    assert sent[-len(lost.events):] == [m.envelope.event_id for m in lost.events]
    assert registrar.repo.by_index(lost.registration.index).id == lost.registration.id
    assert pointers.count_documents({}) == 0 and registrar.repo.outbox.dead() == []
