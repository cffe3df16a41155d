"""A citizen lost the access code: a clerk issues a new one; only the new one opens the
case, at the registry's receipt and at the status lookup."""
import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import REGISTRY, STATUS
from tests.e2e.test_registration_flow import mails_for, metadata, register

pytestmark = pytest.mark.e2e


def lookup(index, code):
    return requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}, timeout=10)


def test_a_reissued_code_replaces_the_old_one_everywhere(clerk):
    r = register(clerk, metadata())
    assert r.status_code == 201, r.text
    index, old = r.json()["registration_index"], r.json()["access_code"]
    until(lambda: lookup(index, old).ok, what="case open in status", timeout_s=60, interval_s=0.7)

    r = requests.post(f"{REGISTRY}/api/v1/documents/access-code", params={"index": index}, headers=clerk,
                      json={"reason": "Гражданинът е загубил разписката"}, timeout=10)
    assert r.status_code == 201, r.text
    new = r.json()["access_code"]
    assert r.json()["case_index"] == index and len(new) == 8 and new != old

    receipt = requests.get(f"{REGISTRY}/api/v1/documents/receipt.pdf", params={"index": index, "code": new},
                           headers=clerk, timeout=10)
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    stale = requests.get(f"{REGISTRY}/api/v1/documents/receipt.pdf", params={"index": index, "code": old},
                         headers=clerk, timeout=10)
    assert stale.status_code == 422

    until(lambda: lookup(index, new).ok, what="new code accepted by status", timeout_s=60, interval_s=0.7)
    assert lookup(index, old).status_code == 404
    notice = until(lambda: [m for m in mails_for(index) if "нов код за достъп" in m["Subject"]],
                   what="the citizen's notice of the new code", timeout_s=60)
    text = notice[0].get_body(("plain",)).get_content()
    assert new not in text and old not in text and "Предишният код вече не е валиден" in text


@pytest.mark.parametrize("params, body, status, field", [
    ({"index": "ЖЛБ-999999/01.01.2026"}, {"reason": "загубен код"}, 404, None),
    (None, {}, 422, "reason"),
    (None, {"reason": "  "}, 422, "reason"),
])
def test_reissue_refuses_bad_requests_with_problem_json(clerk, params, body, status, field):
    if params is None:
        r = register(clerk, metadata())
        params = {"index": r.json()["registration_index"]}
    r = requests.post(f"{REGISTRY}/api/v1/documents/access-code", params=params, headers=clerk, json=body, timeout=10)
    assert r.status_code == status and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["detail"]
    if field:
        assert [e["field"] for e in r.json()["errors"]] == [field]


def test_reissue_needs_a_staff_token():
    r = requests.post(f"{REGISTRY}/api/v1/documents/access-code", params={"index": "ЖЛБ-1/25.11.2026"},
                      json={"reason": "загубен код"}, timeout=10)
    assert r.status_code == 401
