"""Issue 14 item 8 on the running stack: a case closes, the citizen's "closed" mail (through
the real SMTP relay) carries a one-time survey link; the citizen answers 4 with "Искам
преразглеждане"; the case is then in reconsideration_requested with the comment as the reason;
the link refuses a second use; the desk's /surveys shows the answer under the service and the
unit, and its CSV has it."""
import html as html_lib
import re

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import STATUS
from tests.e2e.test_desk import DESK
from tests.e2e.test_desk_assignment import signed_in
from tests.e2e.test_letters_live import mail, sender, text
from tests.e2e.test_registration_flow import metadata, register

pytestmark = pytest.mark.e2e
SERVICE = "2016"  # the heirs' certificate in Plovdiv's seeded catalogue
UNIT = "Дирекция „Анкети и качество“"
COMMENT = "Не съм съгласна с отказа: приложих всички документи."


def move(official, index, stage):
    r = until(lambda: (lambda a: a if a.status_code != 404 else None)(
        requests.post(f"{STATUS}/api/v1/cases/stage", headers=official, timeout=10,
                      json={"case_index": index, "stage": stage})), what=f"{index} to {stage}", timeout_s=30)
    assert r.status_code == 200, r.text


def closed_case_with_link(clerk, official) -> tuple[str, str]:
    r = register(clerk, metadata(kind="service_application", service_code=SERVICE, sender=sender()))
    assert r.status_code == 201, r.text
    index = r.json()["registration_index"]
    until(lambda: requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index}, headers=official,
                               timeout=10).ok, what="the case opened", timeout_s=30)
    assigned = requests.post(f"{STATUS}/api/v1/cases/assign", headers=official, timeout=10, json={
        "case_index": index, "official": {"username": "stoyan", "name": "Стоян Георгиев", "unit": UNIT}})
    assert assigned.status_code == 200, assigned.text
    move(official, index, "answered")
    move(official, index, "closed")
    body = text(mail(index, "приключена е"))
    found = re.search(r"(http://127\.0\.0\.1:8002/survey/[A-Za-z0-9_-]{43})", body)
    assert found and "може да се използва само веднъж" in body, body
    return index, found.group(1)


def test_a_closed_case_asks_the_citizen_and_opens_reconsideration_once(clerk, official):
    index, link = closed_case_with_link(clerk, official)
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "Искам преразглеждане" in page.text and index in html_lib.unescape(page.text)
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"

    answered = requests.post(link, data={"rating": "4", "comment": COMMENT, "reconsideration": "yes"}, timeout=15)
    assert answered.status_code == 200 and "Благодарим ви!" in answered.text, answered.text
    view = requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index}, headers=official, timeout=10).json()
    assert view["stage"] == "reconsideration_requested"
    assert (view["history"][-1]["reason"], view["history"][-1]["by"]["username"]) == (COMMENT, "citizen")

    again = requests.post(link, data={"rating": "1"}, timeout=10)
    assert again.status_code == 410 and "вече е попълнена" in again.text
    assert requests.get(link, timeout=10).status_code == 410
    assert requests.get(link[:-1] + ("A" if link[-1] != "A" else "B"), timeout=10).status_code == 404

    mine = [r for r in requests.get(f"{STATUS}/api/v1/surveys", headers=official, timeout=10).json()["items"]
            if r["case_index"] == index]
    assert [(r["rating"], r["reconsideration"], r["service_code"], r["unit"]) for r in mine] == [(4, True, SERVICE, UNIT)]

    desk = signed_in("stoyan")
    results = desk.get(f"{DESK}/surveys", timeout=15)
    assert results.status_code == 200
    shown = html_lib.unescape(results.text)
    assert UNIT in shown and SERVICE in shown and "<svg" in shown
    export = desk.get(f"{DESK}/surveys.csv", timeout=15)
    assert export.status_code == 200 and export.content.startswith("\ufeff".encode())
    rows = [line.split(";") for line in export.content.decode("utf-8-sig").splitlines()]
    assert [r[:5] for r in rows if r[0] == index] == [[index, SERVICE, UNIT, "4", "да"]]


def test_the_survey_api_wants_an_official():
    assert requests.get(f"{STATUS}/api/v1/surveys/summary", timeout=10).status_code == 401
    assert signed_in("ivana").get(f"{DESK}/surveys", timeout=15).status_code == 403
