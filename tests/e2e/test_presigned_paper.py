"""The presigned paper path over HTTP, as a clerk's client uses it: ask the registry for an
upload, PUT the scan straight to the object store, register with the upload's id. Bad input
gets problem+json with a Bulgarian detail and takes no number."""
import hashlib
import secrets
import uuid

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import REGISTRY
from tests.e2e.test_registration_flow import metadata
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e


def ask(headers, data: bytes, name="letter.pdf", **over):
    body = {"file_name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), **over}
    return requests.post(f"{REGISTRY}/api/v1/uploads", headers=headers, json=body, timeout=30)


def uploaded(headers, data: bytes) -> str:
    grant = ask(headers, data)
    assert grant.status_code == 201, grant.text
    assert requests.put(grant.json()["url"], data=data, timeout=30).status_code == 200
    return grant.json()["upload_id"]


def register(headers, uploads, **over):
    return requests.post(f"{REGISTRY}/api/v1/documents/from-uploads", headers=headers,
                         json={"metadata": metadata(**over), "uploads": uploads}, timeout=30)


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.json()


def test_a_scan_put_with_a_presigned_url_is_registered_and_readable(clerk):
    data = pdf_bytes(secrets.token_hex(8))
    done = register(clerk, [uploaded(clerk, data)])
    assert done.status_code == 201, done.text
    body = done.json()
    assert len(body["access_code"]) == 8 and done.headers["Cache-Control"] == "no-store"
    assert body["scans"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    link = requests.get(f"{REGISTRY}/api/v1/documents/scan-url", headers=clerk,
                        params={"index": body["registration_index"], "n": 1}, timeout=10).json()["url"]
    assert requests.get(link, timeout=10).content == data
    until(lambda: requests.get(f"{REGISTRY}/api/v1/documents/by-index", headers=clerk,
                               params={"index": body["registration_index"]}, timeout=10).status_code == 200)


def test_bad_uploads_get_problems_in_bulgarian_and_take_no_number(clerk):
    bad_hash = problem(ask(clerk, b"x", sha256="abc"), 422)
    assert "шестнадесетични" in bad_hash["detail"] and [e["field"] for e in bad_hash["errors"]] == ["sha256"]
    empty = problem(ask(clerk, b"", sha256=hashlib.sha256(b"").hexdigest()), 422)
    assert "байтове" in empty["detail"] and [e["field"] for e in empty["errors"]] == ["size"]
    assert "твърде голям" in problem(ask(clerk, b"x", size=10 * 2**30), 422)["detail"]
    assert "Няма качване" in problem(register(clerk, [uuid.uuid4().hex]), 404)["detail"]
    data = pdf_bytes(secrets.token_hex(8))
    grant = ask(clerk, data).json()
    assert "не е качен" in problem(register(clerk, [grant["upload_id"]]), 422)["detail"]  # never put
    assert requests.put(grant["url"], data=pdf_bytes("other"), timeout=30).status_code == 400  # not the declared bytes
    assert "не е качен" in problem(register(clerk, [grant["upload_id"]]), 422)["detail"]
    assert "невалидни" in problem(register(clerk, ["not-an-upload-id"]), 422)["detail"]
    assert requests.put(grant["url"], data=data, timeout=30).status_code == 200  # put now, it registers, once
    first = register(clerk, [grant["upload_id"]])
    index = first.json()["registration_index"]
    reused = problem(register(clerk, [grant["upload_id"]], subject="Друг документ"), 409)
    assert index in reused["detail"]
    number = int(index.split("-")[1].split("/")[0])
    second = register(clerk, [uploaded(clerk, pdf_bytes(secrets.token_hex(8)))])
    assert int(second.json()["registration_index"].split("-")[1].split("/")[0]) == number + 1  # no number lost
