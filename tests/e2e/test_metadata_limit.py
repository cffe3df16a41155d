"""A registration whose metadata part is far too large is told so, not blamed on its scans."""
import pytest
import requests

from tests.e2e.conftest import REGISTRY

pytestmark = pytest.mark.e2e


def test_a_10_mb_metadata_field_gets_413_about_the_metadata(clerk):
    r = requests.post(f"{REGISTRY}/api/v1/documents", headers=clerk, timeout=60,
                      files={"metadata": (None, "x" * (10 * 1024 * 1024)),
                             "scan": ("a.pdf", b"%PDF-1.4", "application/pdf")})
    body = r.json()
    assert r.status_code == 413 and r.headers["Content-Type"].startswith("application/problem+json")
    assert "metadata" in body["detail"] and "100 KB" in body["detail"] and "MB" not in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["metadata"]
