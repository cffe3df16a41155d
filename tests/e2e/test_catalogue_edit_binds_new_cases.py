"""An operator's change to a service on the running stack: a new version from today, with
who and why; a case registered after it is bound to the new version, one registered before
keeps the old one (the registry binds the version valid on the registration day)."""
import datetime as dt
import secrets
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.conftest import CATALOGUE, REGISTRY, token
from tests.e2e.test_registration_flow import metadata, register

pytestmark = pytest.mark.e2e
CODE = "2016"  # the heirs' certificate, with terms in Plovdiv's seed


def admin():
    return {"Authorization": f"Bearer {token('admin')}"}


def case(clerk, index):
    r = requests.get(f"{REGISTRY}/api/v1/documents/by-index", params={"index": index}, headers=clerk, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_an_edit_binds_new_cases_and_leaves_old_ones(clerk):
    today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()  # the administration's day, as both services count it
    card = requests.get(f"{CATALOGUE}/api/v1/services/{CODE}", timeout=10).json()
    before = register(clerk, metadata(kind="service_application", service_code=CODE))
    assert before.status_code == 201 and before.json()["service_version"] == card["version"], before.text

    service = {k: v for k, v in card.items() if k not in ("version", "valid_from", "changed_by", "change_reason")}
    service["description"] = f"{card['description'].split(' [')[0]} [проверка {secrets.token_hex(3)}]"
    edited = requests.post(f"{CATALOGUE}/api/v1/admin/services/{CODE}/versions", headers=admin(), timeout=10,
                           json={"service": service, "valid_from": today.isoformat(), "reason": "Проверка от тест"})
    assert edited.status_code == 201, edited.text
    new = edited.json()["service"]
    assert new["version"] == card["version"] + 1 and new["change_reason"] == "Проверка от тест"
    assert [c["field"] for c in edited.json()["changes"]] == ["description"]

    after = register(clerk, metadata(kind="service_application", service_code=CODE))
    assert after.status_code == 201 and after.json()["service_version"] == new["version"], after.text
    assert case(clerk, before.json()["registration_index"])["service_version"] == card["version"]
    versions = requests.get(f"{CATALOGUE}/api/v1/admin/services/{CODE}/versions", headers=clerk, timeout=10).json()
    assert versions["items"][-1]["changed_by"] and versions["items"][-1]["version"] == new["version"]


def test_an_edit_without_an_admin_token_is_refused(clerk):
    r = requests.post(f"{CATALOGUE}/api/v1/admin/services/{CODE}/versions", headers=clerk, json={}, timeout=10)
    assert r.status_code == 403 and r.headers["Content-Type"] == "application/problem+json"


def test_a_ten_thousand_character_search_is_a_bulgarian_400():
    r = requests.get(f"{CATALOGUE}/api/v1/services", params={"q": "наследници " * 910}, timeout=10)
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["q"]
