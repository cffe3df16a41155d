"""Uploads in parts on the real stack (FerretDB, SeaweedFS), as the desk's script sends them:
the registry starts the multipart upload, the client PUTs each part, lists what is stored (to
resume), completes it, all with URLs the registry signed; the registry then reads the object
once and registers it only with the declared SHA-256. A wrong, missing or forged part, or an
upload never completed, registers nothing; an abandoned upload is aborted by the sweeper."""
import datetime as dt
import hashlib
import re

import pytest

from registry.service_layer.errors import Invalid
from tests.helpers import command, pdf_bytes
from tests.integration.test_presigned_uploads import (HTTP, after_the_sweepers_cutoff, clock, numbers,  # noqa: F401
                                                      objects, stack)

pytestmark = pytest.mark.integration
MB = 1024 * 1024
PART = 5 * MB


def big_pdf(tag: str, size: int = 11 * MB) -> bytes:
    data = pdf_bytes(f"{tag} {dt.datetime.now().timestamp()}")
    return data + b"%" + b"x" * (size - len(data) - 1)


def grant(registry, data: bytes, clerk="clerk"):
    return registry.uploads.grant("big.pdf", len(data), hashlib.sha256(data).hexdigest(), clerk, parts=True)


def send(registry, g, step: str, n=None, body=None, clerk="clerk"):
    signed = registry.uploads.step(g.upload.id, clerk, step, n)
    return HTTP.request(signed.method, signed.url, body=body)


def put_parts(registry, g, data: bytes, numbers_=None) -> dict[int, str]:
    etags = {}
    for n, at in enumerate(range(0, len(data), PART), start=1):
        if numbers_ is None or n in numbers_:
            answer = send(registry, g, "part", n, data[at:at + PART])
            assert answer.status == 200, answer.data
            etags[n] = answer.headers["ETag"]
    return etags


def listed(registry, g) -> list[int]:
    answer = send(registry, g, "list")
    assert answer.status == 200, answer.data
    return [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>", answer.data)]


def complete(registry, g, etags: dict[int, str]) -> int:
    body = "<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>" for n in sorted(etags)) + \
        "</CompleteMultipartUpload>"
    return send(registry, g, "complete", body=body.encode()).status


def test_a_file_in_parts_resumes_from_the_stored_parts_and_is_registered_with_its_sha256(stack):
    registry, store = stack
    data = big_pdf("in parts")
    g = grant(registry, data)
    assert g.url == "" and store.pending_multiparts("uploads/")[0][:2] == (g.upload.key, g.upload.multipart)
    etags = put_parts(registry, g, data, {1})
    assert listed(registry, g) == [1]  # the connection dropped here: the client asks what is stored
    etags |= put_parts(registry, g, data, {2, 3})
    assert listed(registry, g) == [1, 2, 3] and complete(registry, g, etags) == 200
    done = registry.uploads.register(command(), [g.upload.id], "clerk", None)
    scan = done.registration.scans[0]
    assert (done.registration.number, scan.sha256, scan.size, scan.content_type) == \
        (1, hashlib.sha256(data).hexdigest(), len(data), "application/pdf")
    registry.registrar.complete(done)
    assert objects(store) == {scan.object_key} and hashlib.sha256(store.get(scan.object_key)).hexdigest() == scan.sha256


@pytest.mark.parametrize("tamper", ["wrong part", "missing part", "forged part", "never completed"])
def test_other_bytes_than_the_declared_ones_register_nothing_and_are_swept(stack, clock, tamper):
    registry, store = stack
    data = big_pdf(tamper)
    g = grant(registry, data)
    if tamper == "wrong part":  # same size, other bytes, through the registry's own URL
        etags = put_parts(registry, g, data[:PART] + b"X" * PART + data[2 * PART:])
    elif tamper == "missing part":
        etags = put_parts(registry, g, data, {1, 3})
    elif tamper == "forged part":  # put by someone with the store's credentials, not the clerk's URL
        etags = put_parts(registry, g, data)
        forged = store.client._upload_part(store.bucket, g.upload.key, b"Y" * PART, None, g.upload.multipart, 2)
        etags[2] = f'"{forged}"'.replace('""', '"')
    else:
        etags = None
        put_parts(registry, g, data)
    if etags is not None:
        assert complete(registry, g, etags) == 200
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert {"wrong part": "Контролната сума", "missing part": "обявен като", "forged part": "Контролната сума",
            "never completed": "не е качен"}[tamper] in refused.value.detail
    assert numbers() == [] and registry.uploads.ledger.holder(g.upload.id) is None
    registry.uploads.sweep(after_the_sweepers_cutoff(clock))
    assert objects(store) == set() and store.pending_multiparts("uploads/") == []


def test_a_part_is_signed_only_for_the_clerk_granted_and_the_parts_the_size_needs(stack):
    registry, store = stack
    g = grant(registry, big_pdf("limits"))
    with pytest.raises(Exception) as other:
        registry.uploads.step(g.upload.id, "other-clerk", "part", 1)
    assert "Няма качване" in str(other.value.detail)
    with pytest.raises(Invalid):
        registry.uploads.step(g.upload.id, "clerk", "part", 4)


def test_the_sweeper_aborts_abandoned_uploads_in_parts_granted_or_not(stack, clock):
    registry, store = stack
    data = big_pdf("abandoned")
    g = grant(registry, data)
    put_parts(registry, g, data, {1})
    stray = store.start_multipart("uploads/" + "e" * 32)  # started, its grant never recorded
    registry.uploads.sweep(clock.now)
    assert {u for _, u, _ in store.pending_multiparts("uploads/")} == {g.upload.multipart, stray}
    registry.uploads.sweep(after_the_sweepers_cutoff(clock))
    assert store.pending_multiparts("uploads/") == [] and objects(store) == set()
    assert registry.uploads.ledger.get(g.upload.id) is None
