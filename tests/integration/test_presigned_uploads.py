"""The presigned paper path on the real stack (FerretDB, SeaweedFS): the client PUTs the scan
straight to the object store with the URL the registry granted; the registry verifies the
object and claims a number only for a good one. Every refusal leaves the index gap-free
(the next good registration gets the next number) and, once the sweeper has run, no bytes."""
import datetime as dt
import hashlib
import io
import uuid

import eventlet
import pytest
import urllib3

from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc
from registry.adapters.mongo_uploads import MongoUploadLedger
from registry.adapters.s3_store import S3ScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS, Register
from registry.entrypoints.upload_sweeper import UploadSweeper
from registry.service_layer.claims import CLAIM_WINDOW
from registry.service_layer.errors import Conflict, Invalid, NotFound
from registry.service_layer.use_cases import build
from servicekit import mongo
from servicekit.concurrently import green
from servicekit.outbox import relay
from tests.helpers import TEST_KEYS, command, pdf_bytes

pytestmark = pytest.mark.integration
TTL = dt.timedelta(hours=1)
HTTP = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3, read=20), retries=False)


class Clock:
    def __init__(self):
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def stack(uid, test_db, clock):
    mongo.connect(ALIAS, test_db)
    mongo.ensure_indexes(RegistrationDoc, AuditDoc)
    store = S3ScanStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", f"uploads-{uid}")
    store.ensure_bucket()
    registers = {k: Register(f"{v.code}-{uid}", v.prefix, v.title) for k, v in DEFAULT_REGISTERS.items()}
    repo = MongoRegistrationRepository(concurrently=green, drop_objects=lambda keys: [store.delete(k) for k in keys],
                                       move_objects=lambda pairs: [store.move(*p) for p in pairs])
    registry = build(repo, store, registers, WorkingCalendar(), TEST_KEYS, concurrently=green, clock=clock,
                     ledger=MongoUploadLedger(), upload_ttl=TTL)
    yield registry, store
    for key, _ in store.listed(""):
        store.delete(key)
    store.client.remove_bucket(store.bucket)


def put(url: str, data: bytes) -> int:
    """What the clerk's client does: the bytes as they are, no credentials, no header."""
    return HTTP.request("PUT", url, body=data).status


def grant(registry, data: bytes, clerk="clerk", name="scan.pdf"):
    return registry.uploads.grant(name, len(data), hashlib.sha256(data).hexdigest(), clerk)


def numbers():
    return sorted(d.number for d in RegistrationDoc.objects(seq=0))


def objects(store) -> set[str]:
    return {key for key, _ in store.listed("")}


def after_the_sweepers_cutoff(clock):
    return clock.now + TTL + 2 * CLAIM_WINDOW + dt.timedelta(seconds=1)


def test_an_uploaded_scan_is_registered_without_passing_through_the_registry(stack):
    registry, store = stack
    data = pdf_bytes("presigned")
    g = grant(registry, data)
    assert put(g.url, data) == 200
    done = registry.uploads.register(command(), [g.upload.id], "clerk", None)
    scan = done.registration.scans[0]
    assert (done.registration.number, scan.sha256, scan.size, scan.content_type) == \
        (1, hashlib.sha256(data).hexdigest(), len(data), "application/pdf")
    assert scan.staging_key == g.upload.key  # staged where the client put it, readable before completion
    before = HTTP.request("GET", registry.queries.scan_url(done.registration.index, 1, "clerk"))
    assert (before.status, before.data) == (200, data)
    registry.registrar.complete(done)
    assert objects(store) == {scan.object_key} and store.get(scan.object_key) == data  # moved to the index's place


def test_the_object_store_refuses_bytes_other_than_the_declared_ones(stack):
    registry, store = stack
    g = grant(registry, pdf_bytes("declared"))
    other = pdf_bytes("other bytes")
    assert put(g.url, other) == 400  # BadDigest: the SHA-256 is signed into the URL
    assert objects(store) == set()
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert "не е качен" in refused.value.detail and numbers() == []


def test_an_object_put_at_the_granted_key_by_other_means_is_refused_by_its_checksum(stack, clock):
    """Written with the store's own credentials: no checksum stored, or another one."""
    registry, store = stack
    declared = pdf_bytes("declared")
    g = grant(registry, declared)
    store.put(g.upload.key, pdf_bytes("swapped!"), "application/pdf")  # same size, other bytes, no checksum
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert "Контролната сума" in refused.value.detail and numbers() == []
    registry.uploads.sweep(after_the_sweepers_cutoff(clock))
    assert objects(store) == set()


def test_a_forged_upload_is_refused_and_its_bytes_swept(stack, clock):
    registry, store = stack
    forged = uuid.uuid4().hex
    data = pdf_bytes("forged")
    store.client.put_object(store.bucket, f"uploads/{forged}", io.BytesIO(data), len(data))
    with pytest.raises(NotFound) as refused:
        registry.uploads.register(command(), [forged], "clerk", None)
    assert "Няма качване" in refused.value.detail
    g = grant(registry, pdf_bytes("someone else's"), clerk="other-clerk")  # granted, but to another clerk
    with pytest.raises(NotFound):
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert numbers() == []
    registry.uploads.sweep(clock.now)  # not yet past the cutoff: a forged object may be an upload in flight
    assert f"uploads/{forged}" in objects(store)
    registry.uploads.sweep(after_the_sweepers_cutoff(clock))
    assert objects(store) == set()


def test_a_missing_object_takes_no_number_and_the_upload_can_still_be_put(stack):
    registry, store = stack
    data = pdf_bytes("late")
    g = grant(registry, data)
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert "не е качен" in refused.value.detail
    assert put(g.url, data) == 200
    assert registry.uploads.register(command(), [g.upload.id], "clerk", None).registration.number == 1  # no gap


def test_an_upload_serves_one_registration_only(stack):
    registry, store = stack
    a, b = pdf_bytes("a"), pdf_bytes("b")
    ga, gb = grant(registry, a), grant(registry, b)
    assert put(ga.url, a) == put(gb.url, b) == 200
    first = registry.uploads.register(command(subject="Първият документ"), [ga.upload.id], "clerk", None)
    registry.registrar.complete(first)
    with pytest.raises(Conflict) as reused:  # the same upload with other data
        registry.uploads.register(command(subject="Друг документ"), [ga.upload.id], "clerk", None)
    assert first.registration.index in reused.value.detail
    with pytest.raises(Conflict) as taken:  # in another set of uploads
        registry.uploads.register(command(subject="Друг документ"), [gb.upload.id, ga.upload.id], "clerk", None)
    assert "вече е използвано" in taken.value.detail
    again = registry.uploads.register(command(subject="Първият документ"), [ga.upload.id], "clerk", None)
    assert (again.created, again.registration.index) == (False, first.registration.index)  # a repeat
    assert numbers() == [1]
    second = registry.uploads.register(command(subject="Вторият документ"), [gb.upload.id], "clerk", None)
    assert second.registration.number == 2


def test_two_registrations_racing_for_one_upload_make_one(stack):
    registry, store = stack
    data = pdf_bytes("raced")
    g = grant(registry, data)
    assert put(g.url, data) == 200

    def register(n):
        try:
            return registry.uploads.register(command(subject=f"Документ {n}"), [g.upload.id], "clerk", None)
        except Conflict as exc:
            return exc
    results = list(eventlet.GreenPool(4).imap(register, range(4)))
    assert sum(not isinstance(r, Conflict) for r in results) == 1 and numbers() == [1]


def test_a_file_of_a_refused_type_takes_no_number_and_is_swept(stack, clock):
    registry, store = stack
    data = b"MZ\x90\x00 not a scan at all" * 10
    g = grant(registry, data, name="evil.pdf")
    assert put(g.url, data) == 200
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert "не е от приет вид" in refused.value.detail and numbers() == []
    registry.uploads.sweep(after_the_sweepers_cutoff(clock))
    assert objects(store) == set() and registry.uploads.ledger.get(g.upload.id) is None


def test_an_upload_put_and_never_registered_is_swept_by_the_background_loop(stack, clock):
    registry, store = stack
    data = pdf_bytes("abandoned")
    g = grant(registry, data)
    assert put(g.url, data) == 200
    registered = pdf_bytes("registered")
    kept = grant(registry, registered)
    assert put(kept.url, registered) == 200
    done = registry.uploads.register(command(), [kept.upload.id], "clerk", None)
    registry.registrar.complete(done)
    registry.uploads.sweep(clock.now + TTL)  # expired, but a registration may still be claiming it
    assert g.upload.key in objects(store)
    with pytest.raises(Invalid):  # too late to register it
        clock.now += TTL
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    clock.now = after_the_sweepers_cutoff(clock)
    sweeper = UploadSweeper(registry.uploads.sweep, interval_s=0.05)  # as the Background provider runs it
    thread = eventlet.spawn(sweeper.run)
    eventlet.sleep(0.5)
    sweeper.stop()
    thread.wait()
    assert objects(store) == {done.registration.scans[0].object_key}  # the registered scan stays
    assert registry.uploads.ledger.get(g.upload.id) is None and registry.uploads.ledger.get(kept.upload.id) is None
    assert numbers() == [1]


def crash_before_the_claim(registry, upload_id):
    claim = registry.registrar.claims.claim

    def crash(*_):
        raise RuntimeError("crash before the claim")
    registry.registrar.claims.claim = crash
    with pytest.raises(RuntimeError):
        registry.uploads.register(command(), [upload_id], "clerk", None)
    registry.registrar.claims.claim = claim


def test_a_registration_that_dies_before_its_claim_leaves_its_upload_to_the_sweeper(stack, clock):
    """Taken and announced, then the claim never comes (a crash): no number, and the
    sweeper deletes the bytes, since no registration holds the upload."""
    registry, store = stack
    data = pdf_bytes("crash")
    g = grant(registry, data)
    assert put(g.url, data) == 200
    crash_before_the_claim(registry, g.upload.id)
    assert numbers() == [] and g.upload.key in objects(store)
    registry.uploads.sweep(after_the_sweepers_cutoff(clock))
    assert objects(store) == set()


def test_the_relay_never_deletes_an_upload_that_a_repeat_may_still_register(stack):
    """The first attempt dies after announcing; its pointer outlives the relay's grace.
    The relay must not delete the upload: the same request, sent again within the upload's
    time to live, registers it (the relay could otherwise delete it between the repeat's
    check and its claim, and the registration would have lost its scan)."""
    registry, store = stack
    data = pdf_bytes("repeat after a crash")
    g = grant(registry, data)
    assert put(g.url, data) == 200
    crash_before_the_claim(registry, g.upload.id)
    RegistrationDoc._get_collection().database["outbox_pointers"].update_many(
        {}, {"$set": {"at": dt.datetime(2000, 1, 1)}})
    relay(registry.registrar.repo.outbox, lambda *a, **k: None)
    assert g.upload.key in objects(store)
    done = registry.uploads.register(command(), [g.upload.id], "clerk", None)
    registry.registrar.complete(done)
    assert store.get(done.registration.scans[0].object_key) == data and numbers() == [1]
