"""The registry under nameko runs the upload sweeper as one of its managed threads, and the
sweeper really settles an upload put and never registered (real FerretDB and SeaweedFS)."""
import datetime as dt
import hashlib

import eventlet
import pytest
import urllib3

from registry.entrypoints.service import RegistryService
from registry.settings import RegistrySettings

pytestmark = pytest.mark.service


def the_app(container):
    return next(d for d in container.dependencies if d.attr_name == "app").app


def test_the_registry_sweeps_an_abandoned_upload_in_its_own_background_thread(start_service, test_db):
    settings = RegistrySettings(mongo_uri=test_db, s3_bucket="delovod-test", upload_sweep_interval_s=0.2)
    container, _ = start_service(RegistryService, settings)
    assert "registry.upload-sweeper" in {i for i in container._managed_threads.values() if i}
    uploads = the_app(container).registry.uploads
    data = b"%PDF-1.4\n abandoned " + bytes(64)
    grant = uploads.grant("a.pdf", len(data), hashlib.sha256(data).hexdigest(), "clerk")
    assert urllib3.PoolManager().request("PUT", grant.url, body=data).status == 200
    assert uploads.store.exists(grant.upload.key)
    uploads.clock = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)  # past its ttl and the claim window
    with eventlet.Timeout(20):
        while uploads.store.exists(grant.upload.key) or uploads.ledger.get(grant.upload.id) is not None:
            eventlet.sleep(0.1)
    with eventlet.Timeout(20):
        container.stop()
