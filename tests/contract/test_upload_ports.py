"""The upload ledger and the object store's upload calls: the in-memory fakes behave as the
real adapters do (FerretDB, SeaweedFS)."""
import datetime as dt

import pytest

from registry.adapters.memory import InMemoryScanStore, InMemoryUploadLedger
from registry.domain.uploads import grant
from tests.contract.conftest import BACKENDS

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=BACKENDS)
def ledger(request, mongo_alias):
    if request.param == "memory":
        return InMemoryUploadLedger()
    from registry.adapters.mongo_repository import ALIAS, RegistrationDoc
    from registry.adapters.mongo_uploads import MongoUploadLedger
    mongo_alias(ALIAS, RegistrationDoc)
    return MongoUploadLedger()


@pytest.fixture(params=BACKENDS)
def store(request, uid):
    if request.param == "memory":
        yield InMemoryScanStore()
        return
    from registry.adapters.s3_store import S3ScanStore
    s = S3ScanStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", "delovod-test")
    s.ensure_bucket()
    yield s
    for key, _ in s.listed(f"uploads/{uid}"):
        s.delete(key)


def test_an_upload_is_taken_once_and_forgotten_whole(ledger):
    upload = grant("a.pdf", 10, "ab" * 32, "clerk", NOW, 100)
    ledger.record(upload)
    assert ledger.get(upload.id) == upload and ledger.holder(upload.id) is None
    assert ledger.take(upload.id, "set-1") == "set-1"
    assert ledger.take(upload.id, "set-2") == "set-1" and ledger.take(upload.id, "set-1") == "set-1"
    assert [u.id for u in ledger.issued_before(NOW + dt.timedelta(seconds=1))] == [upload.id]
    assert ledger.issued_before(NOW) == []
    ledger.forget(upload.id)
    assert (ledger.get(upload.id), ledger.holder(upload.id)) == (None, None)
    assert ledger.get("taken:" + upload.id) is None  # a holder's record is never read as an upload


def test_the_store_tells_size_checksum_first_bytes_and_what_is_under_a_prefix(store, uid):
    data = b"%PDF-1.4\n" + bytes(range(256)) * 40
    key = f"uploads/{uid}/a"
    with pytest.raises(KeyError):
        store.stored(key)
    with pytest.raises(KeyError):
        store.head(key, 8)
    store.put(key, data, "application/pdf")
    assert store.stored(key) == (len(data), None)  # put without a checksum: none is stored
    assert store.head(key, 8192) == data[:8192]
    assert [k for k, _ in store.listed(f"uploads/{uid}")] == [key]


def test_the_store_reads_an_objects_sha256_and_keeps_multipart_uploads_until_aborted(store, uid):
    import hashlib

    data = b"%PDF-1.4\n" + bytes(range(256)) * 9000  # over one read chunk
    key = f"uploads/{uid}/b"
    with pytest.raises(KeyError):
        store.sha256(key, len(data))
    store.put(key, data, "application/pdf")
    assert store.sha256(key, len(data)) == (len(data), hashlib.sha256(data).hexdigest())
    size, digest = store.sha256(key, 1000)  # bigger than declared: stopped early, no digest
    assert size > 1000 and digest == ""
    started = store.start_multipart(f"uploads/{uid}/c")
    assert [(k, u) for k, u, _ in store.pending_multiparts(f"uploads/{uid}")] == [(f"uploads/{uid}/c", started)]
    method, url = store.presigned_step(f"uploads/{uid}/c", started, "part", 2, dt.timedelta(minutes=5))
    assert method == "PUT" and "partNumber=2" in url and started in url
    store.abort_multipart(f"uploads/{uid}/c", started)
    store.abort_multipart(f"uploads/{uid}/c", started)  # already gone: no error
    assert store.pending_multiparts(f"uploads/{uid}") == []
