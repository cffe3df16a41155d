"""Follow-up indexes name their case's year, and the sender's personal number is checked by
its kind, on the running stack."""
import re

import pytest
import requests

from tests.e2e.conftest import REGISTRY
from tests.e2e.test_registration_flow import metadata, register

pytestmark = pytest.mark.e2e


def test_a_follow_up_names_its_case_year_and_is_found_by_its_index(clerk):
    case = register(clerk, metadata()).json()["registration_index"]
    number, year = re.fullmatch(r"ЖЛБ-(\d+)/\d{2}\.\d{2}\.(\d{4})", case).groups()
    r = register(clerk, metadata(kind="follow_up", related_index=case))
    assert r.status_code == 201, r.text
    index = r.json()["registration_index"]
    assert re.fullmatch(rf"ЖЛБ-{number}/{year}-\(1\)/\d{{2}}\.\d{{2}}\.\d{{4}}", index), index
    found = requests.get(f"{REGISTRY}/api/v1/documents/by-index", params={"index": index}, headers=clerk, timeout=10)
    assert found.status_code == 200 and found.json()["case_index"] == case


@pytest.mark.parametrize("sender,words", [
    ({"personal_number": "7501020018"}, "вида на номера"),
    ({"personal_number": "0000000000", "personal_number_kind": "egn"}, "дата на раждане"),
    ({"personal_number": "2741010001", "personal_number_kind": "egn"}, "в бъдещето"),
    ({"personal_number": "1000000001", "personal_number_kind": "egn"}, "ЕГН"),
])
def test_a_personal_number_is_refused_saying_what_is_wrong(clerk, sender, words):
    meta = metadata()
    meta["sender"] = {k: v for k, v in meta["sender"].items() if not k.startswith("personal_number")} | sender
    r = register(clerk, meta)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["field"] == "metadata.sender.personal_number" and words in e["message"] for e in errors), errors


def test_a_refused_scan_says_its_type_was_wrong(clerk):
    r = register(clerk, metadata(), [("scan", ("notes.txt", b"plain text, not a scan", "application/pdf"))])
    assert r.status_code == 422 and "не е от приет вид" in r.json()["detail"] and "PDF" in r.json()["detail"]
