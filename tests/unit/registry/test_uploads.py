"""The presigned paper path over fakes: grants, the checks before a claim, and the sweeper
(the real object store and database: tests/integration/test_presigned_uploads.py)."""
import hashlib
import urllib.parse

import eventlet
import pytest

from registry.entrypoints.upload_sweeper import UploadSweeper
from registry.service_layer.errors import Invalid
from tests.helpers import command, pdf_bytes
from tests.unit.registry.upload_world import LATER, NOW, TTL, parts, registry  # noqa: F401 (fixtures)



def client_put(store, grant, data) -> bool:
    checksum = urllib.parse.parse_qs(urllib.parse.urlparse(grant.url).query)["checksum"][0]
    return store.put_checked(grant.upload.key, data, checksum)


@pytest.mark.parametrize("name,size,sha,field", [
    ("a.pdf", 0, "ab" * 32, "size"), ("a.pdf", 51 * 2**20, "ab" * 32, "size"), ("a.pdf", 10, "xyz", "sha256")])
def test_a_grant_for_a_file_no_registration_could_accept_is_refused(registry, parts, name, size, sha, field):
    with pytest.raises(Invalid) as refused:
        registry.uploads.grant(name, size, sha, "clerk")
    assert refused.value.errors[0]["field"] == field and parts[2].uploads == {}


def test_the_grant_is_recorded_before_its_url_exists_and_signs_the_declared_checksum(registry, parts):
    data = pdf_bytes("x")
    g = registry.uploads.grant("a.pdf", len(data), hashlib.sha256(data).hexdigest(), "clerk")
    assert parts[2].get(g.upload.id) == g.upload and g.expires_at == NOW + TTL
    assert not client_put(parts[1], g, data + b"!") and client_put(parts[1], g, data)


def test_the_sweeper_keeps_a_registered_upload_until_it_is_moved(registry, parts):
    repo, store, ledger = parts
    data = pdf_bytes("kept")
    g = registry.uploads.grant("a.pdf", len(data), hashlib.sha256(data).hexdigest(), "clerk")
    client_put(store, g, data)
    done = registry.uploads.register(command(), [g.upload.id], "clerk", None)
    registry.uploads.sweep(LATER)  # not completed yet (a crash, the relay behind): the object stays
    assert store.objects == {g.upload.key: data} and ledger.get(g.upload.id) is not None
    registry.registrar.complete(done)
    assert registry.uploads.sweep(LATER) == 1
    assert store.objects == {done.registration.scans[0].object_key: data} and ledger.uploads == {}


def test_the_sweeper_loop_runs_until_stopped_and_survives_a_failing_round():
    rounds = []

    def sweep():
        rounds.append(1)
        if len(rounds) == 1:
            raise ConnectionError("the database is down")
        return 0
    sweeper = UploadSweeper(sweep, interval_s=0.01)
    thread = eventlet.spawn(sweeper.run)
    eventlet.sleep(0.1)
    sweeper.stop()
    thread.wait()
    assert len(rounds) >= 2
