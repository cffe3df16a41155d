"""Suspensions and extensions move the due date, as history, and the citizen is told."""
import datetime as dt

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import STATUS
from tests.e2e.test_registration_flow import mails_for, metadata, register

pytestmark = pytest.mark.e2e


def stage(official, index, **body):
    return requests.post(f"{STATUS}/api/v1/cases/stage", headers=official, json={"case_index": index, **body},
                         timeout=30)


def test_suspension_resumes_through_the_registry_calendar_and_an_extension_sets_a_later_date(clerk, official):
    r = register(clerk, metadata())
    assert r.status_code == 201, r.text
    index, code, due = r.json()["registration_index"], r.json()["access_code"], r.json()["due_date"]
    until(lambda: stage(official, index, stage="in_progress").status_code == 200, what="case opened in status",
          timeout_s=60, interval_s=0.5)

    refused = stage(official, index, stage="extended", reason="Голям обем", due_date=due)
    assert refused.status_code == 409 and "след сегашния" in refused.json()["detail"]
    assert stage(official, index, stage="suspended", reason="Изчакваме становище на РИОСВ.").status_code == 200
    resumed = stage(official, index, stage="in_progress")  # the registry computes the rest of the term
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["due_date"] == due  # suspended and resumed today: the term did not stand still a day

    later = (dt.date.fromisoformat(due) + dt.timedelta(days=10)).isoformat()
    extended = stage(official, index, stage="extended", reason="Нужно е съгласие на трето лице.", due_date=later)
    assert extended.status_code == 200 and extended.json()["due_date"] == later

    view = requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}).json()
    assert view["due_date"] == later
    history = {h["stage"]: h for h in view["history"]}
    assert "спиране от" in [h for h in view["history"] if h["stage"] == "in_progress"][-1]["reason"]
    assert history["extended"]["due_date"] == later
    want = f"Нов срок: {dt.date.fromisoformat(later):%d.%m.%Y}"
    assert until(lambda: any(want in m.get_body(("plain",)).get_content() for m in mails_for(index)),
                 what="the extension's email with its new date", timeout_s=60)


def test_officials_see_the_cases_running_late(official, clerk):
    r = requests.get(f"{STATUS}/api/v1/cases/overdue", headers=official, timeout=30)
    assert r.status_code == 200 and isinstance(r.json()["items"], list)
    assert all(item["days_overdue"] > 0 for item in r.json()["items"])
    assert requests.get(f"{STATUS}/api/v1/cases/overdue", headers=clerk, timeout=30).status_code == 403
