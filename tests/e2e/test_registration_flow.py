"""A registration through all four services, as clerk, citizen and operator see it."""
import email
import email.policy
import json
import mailbox
import secrets

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import CATALOGUE, REGISTRY, ROOT, STATUS
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e


def metadata(**over):
    data = {"kind": "complaint", "channel": "post", "subject": "Шум от строителство през нощта",
            "sender": {"name": "Иван Георгиев", "email": f"ivan.{secrets.token_hex(3)}@example.bg",
                       "preferred_channel": "email", "personal_number": "7501020018", "personal_number_kind": "egn"}, "pages": 1}
    data.update(over)
    return data


def register(headers, meta, files=None):
    files = files if files is not None else [("scan", ("letter.pdf", pdf_bytes(secrets.token_hex(8)), "application/pdf"))]
    return requests.post(f"{REGISTRY}/api/v1/documents", headers=headers,
                         data={"metadata": json.dumps(meta, ensure_ascii=False)}, files=files, timeout=30)


def mails_for(index):
    out = []
    for _, raw in mailbox.Maildir(ROOT / ".local" / "mail", create=False).items():
        msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        if msg["X-Delovod-Case"] == index:
            out.append(msg)
    return out


def spans():
    path = ROOT / ".local" / "traces" / "spans.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_letter_end_to_end_with_one_trace(clerk, official):
    traceparent = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
    r = register({**clerk, "traceparent": traceparent}, metadata())
    assert r.status_code == 201, r.text
    body = r.json()
    index, code = body["registration_index"], body["access_code"]
    assert body["sender"]["personal_number"] == "********18" and body["due_date_explanation"]["rule"]

    view = until(lambda: (x := requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code})).ok
                 and x.json(), what="status lookup", timeout_s=60,
                 interval_s=0.7)  # each miss counts against the index from this client (10 per 15 minutes)
    assert view["stage"] == "registered" and view["due_date"] == body["due_date"]
    assert "7501020018" not in json.dumps(view)
    assert requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": "00000000"}).status_code == 404

    assert until(lambda: mails_for(index), what="registration email", timeout_s=60)
    before = len(mails_for(index))
    r = requests.post(f"{STATUS}/api/v1/cases/stage", headers=official,
                      json={"case_index": index, "stage": "in_progress"})
    assert r.status_code == 200, r.text
    assert until(lambda: len(mails_for(index)) > before, what="second email", timeout_s=60)

    trace_id = traceparent.split("-")[1]
    services = until(lambda: {s["service"] for s in spans() if s["trace_id"] == trace_id} >= {"registry", "status", "notifications"}
                     and {s["service"] for s in spans() if s["trace_id"] == trace_id}, what="spans of one trace", timeout_s=60)
    assert {"registry", "status", "notifications"} <= services


def test_application_gets_term_from_catalogue(clerk):
    services = requests.get(f"{CATALOGUE}/api/v1/services", params={"q": "удостоверение за наследници"}).json()["items"]
    with_term = next(s for s in services if s["variants"] and s["variants"][0]["term"])
    r = register(clerk, metadata(kind="service_application", service_code=with_term["code"]))
    assert r.status_code == 201, r.text
    assert r.json()["service_version"] == with_term["version"]
    assert with_term["code"] in r.json()["due_date_explanation"]["rule"]


@pytest.mark.parametrize("meta,files,field", [
    (metadata(kind="service_application", service_code="NO-SUCH"), None, "service_code"),
    (metadata(sender={"name": "Х", "personal_number": "7501020019", "personal_number_kind": "egn"}), None, "metadata.sender.name"),
    (metadata(kind="follow_up", related_index="ЖЛБ-999999/01.01.2020"), None, "related_index"),
    (metadata(), [("scan", ("x.pdf", b"GIF89a not really", "application/pdf"))], "scan"),
    (metadata(subject="я" * 5000), None, "metadata.subject"),
])
def test_bad_input_is_problem_json_in_bulgarian(clerk, meta, files, field):
    r = register(clerk, meta, files)
    assert r.status_code in (400, 409, 422), r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    problem = r.json()
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    assert any("\u0400" <= ch <= "\u04ff" for ch in problem["detail"])


def test_clerk_endpoints_need_a_token():
    r = register({}, metadata())
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    r = register({"Authorization": "Bearer forged.token.value"}, metadata())
    assert r.status_code == 401


def test_scan_download_through_presigned_url(clerk):
    pdf = pdf_bytes(secrets.token_hex(8))
    index = register(clerk, metadata(), [("scan", ("a.pdf", pdf, "application/pdf"))]).json()["registration_index"]
    url = requests.get(f"{REGISTRY}/api/v1/documents/scan-url", params={"index": index, "n": 1}, headers=clerk).json()["url"]
    assert requests.get(url, timeout=10).content == pdf


def test_receipt_and_stamp_print(clerk):
    body = register(clerk, metadata()).json()
    index, code = body["registration_index"], body["access_code"]
    from io import BytesIO

    from pypdf import PdfReader
    r = requests.get(f"{REGISTRY}/api/v1/documents/receipt.pdf", params={"index": index, "code": code}, headers=clerk)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(r.content)).pages[0].extract_text()
    assert code in text and "032/656 701" in text and "7501020018" not in text
    wrong = requests.get(f"{REGISTRY}/api/v1/documents/receipt.pdf", params={"index": index, "code": "00000000"}, headers=clerk)
    assert wrong.status_code == 422
    stamp = requests.get(f"{REGISTRY}/api/v1/documents/stamp.pdf", params={"index": index}, headers=clerk)
    assert stamp.status_code == 200 and stamp.content.startswith(b"%PDF")
