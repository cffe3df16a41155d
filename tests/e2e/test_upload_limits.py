"""A registration larger than the request limit is refused before it is read."""
import http.client
import json

import pytest

from tests.e2e.conftest import token

pytestmark = pytest.mark.e2e


def test_an_announced_oversize_request_gets_413_without_being_read():
    conn = http.client.HTTPConnection("127.0.0.1", 8001, timeout=10)
    conn.putrequest("POST", "/api/v1/documents")
    conn.putheader("Authorization", f"Bearer {token('clerk')}")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(5 * 1024 ** 3))  # 5 GB announced, never sent
    conn.endheaders()
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert response.status == 413 and response.getheader("Content-Type").startswith("application/problem+json")
    assert body["errors"][0]["field"] == "scan" and "MB" in body["detail"]
