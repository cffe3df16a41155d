"""The registration index on the real database: concurrent clerks and injected crashes
leave no gap and no duplicate (FerretDB locally; the same code on MongoDB)."""
import threading

import eventlet
import pytest

from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc
from registry.adapters.s3_store import S3ScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS, Register
from registry.service_layer.registry import Registry
from servicekit import mongo
from tests.helpers import command, pdf_bytes

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(uid):
    mongo.connect(ALIAS, f"mongodb://127.0.0.1:27017/test_{uid}")
    mongo.ensure_indexes(RegistrationDoc, AuditDoc)
    store = S3ScanStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", "delovod-test")
    store.ensure_bucket()
    registers = {k: Register(f"{v.code}-{uid}", v.prefix, v.title) for k, v in DEFAULT_REGISTERS.items()}
    return Registry(MongoRegistrationRepository(), store, registers, WorkingCalendar()), store


def numbers(registry):
    return sorted(d.number for d in RegistrationDoc.objects(seq=0))


def test_twenty_concurrent_registrations(stack):
    registry, _ = stack
    pool = eventlet.GreenPool(10)
    results = list(pool.imap(lambda i: registry.register(command(), [("s.pdf", pdf_bytes(f"c{i}"))], "clerk", None),
                             range(20)))
    assert sorted(r.registration.number for r in results) == list(range(1, 21))
    assert numbers(registry) == list(range(1, 21))


def test_concurrent_os_threads_via_separate_registries(stack, uid):
    registry, store = stack
    errors = []

    def worker(i):
        try:
            registry.register(command(), [], f"clerk{i}", None)
        except Exception as exc:  # surfaced below
            errors.append(exc)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and numbers(registry) == list(range(1, 13))


@pytest.mark.parametrize("step", ["put", "add", "move", "audit"])
def test_crash_at_each_step_leaves_no_gap_and_no_orphan(stack, step):
    registry, store = stack
    target = registry.repo if step in ("add", "audit") else store
    original = getattr(target, step)

    def crash(*a, **k):
        raise RuntimeError(f"crash in {step}")
    setattr(target, step, crash)
    with pytest.raises(RuntimeError):
        registry.register(command(), [("s.pdf", pdf_bytes(step))], "clerk", None)
    setattr(target, step, original)
    registry.register(command(), [("t.pdf", pdf_bytes(step + "2"))], "clerk", None)
    got = numbers(registry)
    assert got == list(range(1, len(got) + 1))
    for doc in RegistrationDoc.objects:
        for scan in doc.scans:  # every registration's scans are reachable, moved or not yet
            key = scan["object_key"] if store.exists(scan["object_key"]) else scan["staging_key"]
            assert store.get(key)[:4] == b"%PDF"
