"""A clerk's request repeated after a lost answer (same Idempotency-Key) gets the first
registration back instead of a second number."""
import json
import secrets

import pytest
import requests

from tests.e2e.conftest import REGISTRY
from tests.e2e.test_registration_flow import metadata
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e


def post(headers, meta, scan, key):
    return requests.post(f"{REGISTRY}/api/v1/documents", headers={**headers, "Idempotency-Key": key},
                         data={"metadata": json.dumps(meta, ensure_ascii=False)},
                         files=[("scan", ("letter.pdf", scan, "application/pdf"))], timeout=30)


def test_the_repeated_request_gets_the_same_index_and_no_new_code(clerk):
    key, meta, scan = f"desk-7-{secrets.token_hex(6)}", metadata(), pdf_bytes(secrets.token_hex(8))
    first = post(clerk, meta, scan, key)
    assert first.status_code == 201, first.text
    again = post(clerk, meta, scan, key)
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["registration_index"] == first.json()["registration_index"] and body["repeated"] is True
    assert body["access_code"] is None and first.json()["access_code"]


def test_a_key_reused_for_another_document_or_malformed_is_refused(clerk):
    key = f"desk-7-{secrets.token_hex(6)}"
    assert post(clerk, metadata(), pdf_bytes(secrets.token_hex(8)), key).status_code == 201
    other = post(clerk, metadata(subject="Съвсем друго писмо"), pdf_bytes(secrets.token_hex(8)), key)
    assert other.status_code == 422 and other.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    bad = post(clerk, metadata(), pdf_bytes(secrets.token_hex(8)), "key with spaces")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "Idempotency-Key"
