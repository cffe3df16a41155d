"""Uploads in parts over fakes: the registry starts the multipart upload, signs each of its
requests for the clerk it granted it to, reads the completed object once and registers it
only with the declared SHA-256; the sweeper aborts what was abandoned (the real object store:
tests/integration/test_multipart_uploads.py)."""
import hashlib

import pytest

from registry.service_layer.errors import Invalid, NotFound
from tests.helpers import command, pdf_bytes
from tests.unit.registry.upload_world import LATER, NOW, TTL, parts, registry  # noqa: F401 (fixtures)

MB = 1024 * 1024


def big_pdf(tag: str) -> bytes:
    data = pdf_bytes(tag)
    return data + b"%" + b"x" * (11 * MB - len(data))


def in_parts(registry, data, clerk="clerk"):
    return registry.uploads.grant("big.pdf", len(data), hashlib.sha256(data).hexdigest(), clerk, parts=True)


def put_parts(store, grant, data, size=5 * MB):
    for n, at in enumerate(range(0, len(data), size), start=1):
        store.put_part(grant.upload.multipart, n, data[at:at + size])
    store.complete_parts(grant.upload.multipart)


def test_a_grant_in_parts_starts_the_upload_and_answers_no_url(registry, parts):
    data = big_pdf("a")
    g = in_parts(registry, data)
    assert g.url == "" and g.upload.multipart in parts[1].multiparts
    assert parts[2].get(g.upload.id).multipart == g.upload.multipart  # recorded, for the sweeper


def test_each_request_is_signed_for_its_upload_and_its_clerk_only(registry):
    g = in_parts(registry, big_pdf("b"))
    step = registry.uploads.step(g.upload.id, "clerk", "part", 3)
    assert (step.method, step.expires_at) == ("PUT", NOW + TTL) and "partNumber=3" in step.url
    assert registry.uploads.step(g.upload.id, "clerk", "list").method == "GET"
    assert registry.uploads.step(g.upload.id, "clerk", "complete").method == "POST"
    assert registry.uploads.step(g.upload.id, "clerk", "abort").method == "DELETE"
    with pytest.raises(NotFound):
        registry.uploads.step(g.upload.id, "other-clerk", "part", 1)
    with pytest.raises(Invalid) as refused:
        registry.uploads.step(g.upload.id, "clerk", "part", 4)  # 11 MB in parts of 5 MB: three at most
    assert refused.value.errors[0]["field"] == "part_number"
    single = registry.uploads.grant("a.pdf", 10, "ab" * 32, "clerk")
    with pytest.raises(Invalid):
        registry.uploads.step(single.upload.id, "clerk", "part", 1)


def test_a_completed_upload_in_parts_is_registered_with_its_sha256(registry, parts):
    data = big_pdf("c")
    g = in_parts(registry, data)
    put_parts(parts[1], g, data)
    done = registry.uploads.register(command(), [g.upload.id], "clerk", None)
    scan = done.registration.scans[0]
    assert (scan.sha256, scan.size, scan.content_type) == (hashlib.sha256(data).hexdigest(), len(data),
                                                           "application/pdf")


def test_a_registered_upload_gets_no_more_signed_steps(registry, parts):
    data = big_pdf("r")
    g = in_parts(registry, data)
    put_parts(parts[1], g, data)
    registry.uploads.register(command(), [g.upload.id], "clerk", None)
    with pytest.raises(Invalid) as refused:
        registry.uploads.step(g.upload.id, "clerk", "part", 1)
    assert "вече е регистриран" in refused.value.detail


def test_an_object_bigger_than_declared_is_refused_without_reading_it_all(registry, parts):
    data = big_pdf("s")
    g = in_parts(registry, data)
    put_parts(parts[1], g, data + b"y" * 6 * MB)
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert "обявен като" in refused.value.detail
    assert parts[1].sha256(g.upload.key, len(data))[1] == ""  # stopped past the declared size


@pytest.mark.parametrize("tamper", ["wrong part", "missing part", "not completed"])
def test_parts_other_than_the_declared_bytes_register_nothing(registry, parts, tamper):
    repo, store, _ = parts
    data = big_pdf("d")
    g = in_parts(registry, data)
    if tamper == "wrong part":
        put_parts(store, g, data[:5 * MB] + b"X" * 5 * MB + data[10 * MB:])
    elif tamper == "missing part":
        store.put_part(g.upload.multipart, 1, data[:5 * MB])
        store.put_part(g.upload.multipart, 3, data[10 * MB:])
        store.complete_parts(g.upload.multipart)
    else:
        store.put_part(g.upload.multipart, 1, data[:5 * MB])
    with pytest.raises(Invalid) as refused:
        registry.uploads.register(command(), [g.upload.id], "clerk", None)
    assert {"wrong part": "Контролната сума", "missing part": "обявен като",
            "not completed": "не е качен"}[tamper] in refused.value.detail
    assert repo.by_request("anything") is None and registry.uploads.ledger.holder(g.upload.id) is None


def test_the_sweeper_aborts_an_abandoned_upload_in_parts_and_one_never_recorded(registry, parts):
    repo, store, ledger = parts
    data = big_pdf("e")
    g = in_parts(registry, data)
    store.put_part(g.upload.multipart, 1, data[:5 * MB])
    store.now = NOW
    stray = store.start_multipart("uploads/" + "f" * 32)  # started, its grant never recorded (a crash)
    registry.uploads.sweep(NOW)
    assert set(store.multiparts) == {g.upload.multipart, stray}  # not yet past the cutoff
    registry.uploads.sweep(LATER)
    assert store.multiparts == {} and ledger.get(g.upload.id) is None
