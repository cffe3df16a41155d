"""Issue 14 on the running stack: a ЗДОИ request clarified by the citizen gets the full 14 days
again from the clarification (ЗДОИ чл. 29, ал. 2), counted by the registry's calendar; an
extension past the cap of its ground (ЗДОИ чл. 30, ал. 1: 10 days) is refused in Bulgarian."""
import datetime as dt

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import STATUS
from tests.e2e.test_registration_flow import metadata, register

pytestmark = pytest.mark.e2e


def stage(official, index, **body):
    return requests.post(f"{STATUS}/api/v1/cases/stage", headers=official, json={"case_index": index, **body},
                         timeout=30)


def test_a_clarified_zdoi_request_restarts_14_days_and_an_extension_past_its_cap_is_refused(clerk, official):
    r = register(clerk, metadata(kind="public_information_request", subject="Справка за разходите за осветление"))
    assert r.status_code == 201, r.text
    index, due = r.json()["registration_index"], dt.date.fromisoformat(r.json()["due_date"])
    until(lambda: stage(official, index, stage="in_progress").status_code == 200, what="case opened in status",
          timeout_s=60, interval_s=0.5)

    no_ground = stage(official, index, stage="extended", reason="Голям обем", due_date=str(due + dt.timedelta(days=1)))
    assert no_ground.status_code == 422 and "правното основание" in no_ground.json()["detail"], no_ground.text
    too_far = stage(official, index, stage="extended", reason="Голям обем", legal_ground="zdoi_30_1",
                    due_date=str(due + dt.timedelta(days=40)))
    assert too_far.status_code == 422 and too_far.headers["Content-Type"].startswith("application/problem+json")
    assert "ЗДОИ чл. 30, ал. 1" in too_far.json()["detail"] and "най-късно" in too_far.json()["detail"]
    later = due + dt.timedelta(days=1)
    extended = stage(official, index, stage="extended", reason="Голям обем", legal_ground="zdoi_30_1",
                     due_date=str(later))
    assert extended.status_code == 200 and extended.json()["due_date"] == str(later), extended.text

    asked = stage(official, index, stage="awaiting_citizen")
    assert asked.status_code == 409 and "причината" in asked.json()["detail"]
    asked = stage(official, index, stage="awaiting_citizen", reason="Уточнете за кой период искате справката.")
    assert asked.status_code == 200, asked.text
    clarified = stage(official, index, stage="in_progress")
    assert clarified.status_code == 200, clarified.text
    # registered and clarified today: 14 days from today is the registration's own due date,
    # not the rest of the extended term (which would still end on ``later``)
    assert clarified.json()["due_date"] == str(due)

    view = requests.get(f"{STATUS}/api/v1/cases/by-index", headers=official, params={"index": index}, timeout=30)
    last = view.json()["history"][-1]
    assert "ЗДОИ чл. 29, ал. 2" in last["reason"] and last["previous_due_date"] == str(later)


def test_reconsideration_reopens_and_an_appeal_is_recorded_and_told(clerk, official):
    from tests.e2e.test_registration_flow import mails_for

    r = register(clerk, metadata())
    assert r.status_code == 201, r.text
    index, code = r.json()["registration_index"], r.json()["access_code"]
    until(lambda: stage(official, index, stage="answered").status_code == 200, what="case opened in status",
          timeout_s=60, interval_s=0.5)
    assert stage(official, index, stage="reconsideration_requested").status_code == 409
    assert stage(official, index, stage="reconsideration_requested",
                 reason="Отговорът не обсъжда приложените снимки.").status_code == 200
    today = dt.date.today()
    appealed = stage(official, index, stage="appealed", appeal_authority="Административен съд – Пловдив",
                     appealed_on=str(today))
    assert appealed.status_code == 200, appealed.text
    view = requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}, timeout=30).json()
    assert view["stage"] == "appealed" and view["stage_label"] == "Обжалван"
    want = f"Обжалвано пред Административен съд – Пловдив на {today:%d.%m.%Y}."
    assert view["history"][-1]["reason"] == want
    assert until(lambda: any(want in m.get_body(("plain",)).get_content() for m in mails_for(index)),
                 what="the appeal's letter", timeout_s=60)
