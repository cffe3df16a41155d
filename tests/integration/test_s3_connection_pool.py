"""The registry's S3 connections: as many as its workers (plus its background threads),
and workers at once never open connections beyond the pool (urllib3 dropped each one
after use, warning "Connection pool is full": 2,663 times in one run)."""
import logging
import time

import eventlet
import pytest

from registry.bootstrap import S3_BACKGROUND_THREADS, bootstrap
from registry.settings import RegistrySettings

pytestmark = pytest.mark.integration


def registry(test_db, workers: int):
    return bootstrap(RegistrySettings(mongo_uri=test_db, s3_bucket="delovod-test", max_workers=workers))


@pytest.mark.parametrize("workers", [4, 20])
def test_the_pool_minio_uses_holds_one_connection_per_worker(test_db, workers):
    store = registry(test_db, workers).registry.registrar.store
    pool = store.client._http  # the PoolManager minio really calls
    assert pool.connection_pool_kw["maxsize"] == workers + S3_BACKGROUND_THREADS
    assert pool.connection_pool_kw["block"] is True  # never more connections than that


def test_as_many_workers_as_the_setting_open_no_connection_beyond_the_pool(test_db, uid, caplog):
    workers = 20
    store = registry(test_db, workers).registry.registrar.store
    caplog.set_level(logging.WARNING, logger="urllib3")

    def worker(i):  # what a registration does with S3: upload its scans at once, read one back, move them
        keys = [f"pool-{uid}/{i}/{n}" for n in range(3)]
        for _ in eventlet.GreenPool(3).imap(lambda k: store.put(k, b"%PDF-1.4 " + k.encode(), "application/pdf"), keys):
            pass
        assert store.get(keys[0]).endswith(keys[0].encode())
        for _ in eventlet.GreenPool(3).imap(lambda k: store.move(k, k + ".moved"), keys):
            pass
        return i

    started = time.monotonic()
    assert sorted(eventlet.GreenPool(workers).imap(worker, range(workers))) == list(range(workers))
    full = [r for r in caplog.records if "Connection pool is full" in r.getMessage()]
    assert not full, f"{len(full)} connections dropped in {time.monotonic() - started:.1f} s"
