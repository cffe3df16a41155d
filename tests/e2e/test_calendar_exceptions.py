"""An administrator records a decreed day off; the next registration's due date moves past
it and says why. Clerks can read the table but not change it."""
import datetime as dt

import pytest
import requests

from tests.e2e.conftest import REGISTRY, token
from tests.e2e.test_registration_flow import metadata, register

pytestmark = pytest.mark.e2e
URL = f"{REGISTRY}/api/v1/calendar/exceptions"


@pytest.fixture
def admin():
    return {"Authorization": f"Bearer {token('admin')}"}


@pytest.fixture
def original(admin):
    """The stack's table as it was; put back afterwards (the stack is shared)."""
    before = requests.get(URL, headers=admin, timeout=10).json()
    yield before
    now = requests.get(URL, headers=admin, timeout=10).json()
    requests.put(URL, headers=admin, json={"version": now["version"], "exceptions": before["exceptions"]},
                 timeout=10).raise_for_status()


def test_a_decreed_day_off_moves_the_next_due_date(clerk, admin, original):
    first = register(clerk, metadata(subject="Преди решението"))
    assert first.status_code == 201, first.text
    due = dt.date.fromisoformat(first.json()["due_date"])
    reason = "РМС № 999 от 25.11.2026 (тест)"
    rows = [r for r in original["exceptions"] if r["date"] != due.isoformat()]
    rows.append({"date": due.isoformat(), "kind": "day_off", "reason": reason})

    assert requests.put(URL, headers=clerk, json={"version": original["version"], "exceptions": rows},
                        timeout=10).status_code == 403
    changed = requests.put(URL, headers=admin, json={"version": original["version"], "exceptions": rows}, timeout=10)
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == original["version"] + 1
    assert reason in [r["reason"] for r in requests.get(URL, headers=clerk, timeout=10).json()["exceptions"]]

    second = register(clerk, metadata(subject="След решението")).json()
    assert dt.date.fromisoformat(second["due_date"]) > due
    assert reason in str(second["due_date_explanation"])

    stale = requests.put(URL, headers=admin, json={"version": original["version"], "exceptions": []}, timeout=10)
    assert stale.status_code == 409 and stale.headers["Content-Type"].startswith("application/problem+json")


def test_a_row_without_a_reason_is_refused_naming_the_field(admin, original):
    bad = {"version": original["version"], "exceptions": [{"date": "2026-12-31", "kind": "day_off", "reason": ""}]}
    r = requests.put(URL, headers=admin, json=bad, timeout=10)
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "exceptions.0.reason"
    assert requests.get(URL, headers=admin, timeout=10).json()["version"] == original["version"]
