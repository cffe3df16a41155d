"""Issue 14's "Done when", as one case on the running stack: a ЗДОИ request goes through every
stage (assigned to a named official, in progress, awaiting the citizen, clarified, extended
within its cap after a refusal past it, its term missed, answered with appeal information,
closed, and reopened for reconsideration by the citizen's survey answer), and the citizen gets
each letter on the chosen channel (email, through the real SMTP relay) exactly once, each naming
the official. The SMS side (a real SMS through Kannel with its delivery report, and a failed SMS
falling back to a postal letter) is in ``test_sms_delivery``."""
import datetime as dt
import re
import time

import pytest
import requests

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseOverdue
from servicekit.kafka import make_producer, send_envelope
from tests.conftest import until
from tests.e2e.conftest import NOTIFICATIONS, STATUS
from tests.e2e.test_letters_live import KAFKA, sender, text
from tests.e2e.test_registration_flow import mails_for, metadata, register

pytestmark = pytest.mark.e2e
OFFICIAL = {"username": "elena", "name": "Елена Димитрова", "unit": "Дирекция „Обществена информация“",
            "phone": "+359 32 656 701", "email": "e.dimitrova@plovdiv.bg"}


def subjects(index):
    return sorted(m["Subject"] for m in mails_for(index))


class Journey:
    """One case and the letters it has produced so far; every step waits for exactly one new
    letter with the expected subject and then checks that no second copy follows."""

    def __init__(self, official, index):
        self.official, self.index, self.seen = official, index, []

    def letter(self, subject_part, timeout_s=60):
        new = until(lambda: [m for m in mails_for(self.index) if subject_part in m["Subject"]
                             and m["Message-ID"] not in {s["Message-ID"] for s in self.seen}],
                    what=f"the letter '{subject_part}' for {self.index}", timeout_s=timeout_s)
        assert len(new) == 1, [m["Subject"] for m in new]
        self.seen.append(new[0])
        return new[0]

    def move(self, stage, expect=200, **body):
        r = requests.post(f"{STATUS}/api/v1/cases/stage", headers=self.official, timeout=30,
                          json={"case_index": self.index, "stage": stage, **body})
        assert r.status_code == expect, r.text
        return r.json()

    def preview(self, stage, **body):
        r = requests.post(f"{NOTIFICATIONS}/api/v1/notifications/preview", headers=self.official, timeout=15,
                          json={"case_index": self.index, "stage": stage, **body})
        assert r.status_code == 200, r.text
        return r.json()


def test_a_zdoi_request_through_every_stage_gets_each_letter_once_by_email(clerk, official):
    r = register(clerk, metadata(kind="public_information_request", subject="Разходи за улично осветление 2026",
                                 sender=sender()))
    assert r.status_code == 201, r.text
    index, due = r.json()["registration_index"], dt.date.fromisoformat(r.json()["due_date"])
    j = Journey(official, index)
    assert "Уважаема г-жо Иванова" in text(j.letter("документът Ви е регистриран"))
    until(lambda: requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index}, headers=official,
                               timeout=10).ok, what="the case opened in status", timeout_s=60)

    assigned = requests.post(f"{STATUS}/api/v1/cases/assign", headers=official, timeout=15,
                             json={"case_index": index, "official": OFFICIAL})
    assert assigned.status_code == 200, assigned.text
    body = text(j.letter("разпределена е на служител"))
    assert OFFICIAL["name"] in body and OFFICIAL["phone"] in body and OFFICIAL["email"] in body

    j.move("in_progress")
    j.letter("разглежда се")
    # ЗДОИ knows no suspension (its stage set): refused, and no letter
    j.move("suspended", expect=409, reason="Спор за собственост")
    j.move("awaiting_citizen", reason="Уточнете за кой период искате справката.")
    asked = text(j.letter("очакваме документи или уточнение"))
    assert "Уточнете за кой период" in asked and OFFICIAL["name"] in asked
    clarified = j.move("in_progress")
    # ЗДОИ чл. 29, ал. 2: 14 days afresh from the clarification (today, the day it was registered)
    assert clarified["due_date"] == str(due)
    assert f"{due:%d.%m.%Y}" in text(j.letter("производството е възобновено"))

    too_far = j.move("extended", expect=422, reason="Голям обем", legal_ground="zdoi_30_1",
                     due_date=str(due + dt.timedelta(days=40)))
    assert "ЗДОИ чл. 30, ал. 1" in too_far["detail"]
    later = due + dt.timedelta(days=3)
    assert j.move("extended", reason="Голям обем на исканата информация", legal_ground="zdoi_30_1",
                  due_date=str(later))["due_date"] == str(later)
    assert f"{later:%d.%m.%Y}" in text(j.letter("срокът за отговор е удължен"))

    # the deadline watch publishes CaseOverdue when the term passes (its clock is tested in the
    # unit tier); here the event itself, delivered twice as Kafka may, reaches the citizen once
    missed = Envelope.wrap(CaseOverdue(case_index=index, subject="Разходи за улично осветление 2026",
                                       kind="public_information_request", stage="extended", due_date=later,
                                       days_overdue=1, seen_at=dt.datetime.now(dt.timezone.utc)),
                           source="status", correlation_id=index)
    producer = make_producer(KAFKA)
    try:
        send_envelope(producer, topics.CASES_OVERDUE, missed)
        send_envelope(producer, topics.CASES_OVERDUE, missed)
    finally:
        producer.close(timeout=5)
    assert "изтече" in text(j.letter("срокът за отговор изтече"))

    how = "Информацията е предоставена по електронна поща."
    preview = j.preview("answered", reason=how)
    j.move("answered", reason=how)
    answer = j.letter("изпратен е отговор")
    assert (answer["Subject"], text(answer)) == (preview["subject"], preview["body"])
    # ЗДОИ чл. 40, ал. 1: before the administrative court under the АПК, in 14 days (чл. 149)
    assert "чл. 40, ал. 1 от Закона за достъп до обществена информация" in text(answer)
    assert "14 дни от съобщаването на решението" in text(answer) and "каталогът" not in text(answer)

    j.move("closed")
    closing = text(j.letter("приключена е"))
    link = re.search(r"http://127\.0\.0\.1:8002/survey/[A-Za-z0-9_-]{43}", closing)
    assert link, closing
    answered = requests.post(link.group(0), timeout=15, data={
        "rating": "2", "comment": "Липсват данните за второто полугодие.", "reconsideration": "yes"})
    assert answered.status_code == 200, answered.text
    j.letter("искането Ви за преразглеждане е прието")
    view = requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index}, headers=official, timeout=10).json()
    assert view["stage"] == "reconsideration_requested"
    assert [h["stage"] for h in view["history"]] == [
        "registered", "assigned", "in_progress", "awaiting_citizen", "in_progress", "extended", "answered",
        "closed", "reconsideration_requested"]

    time.sleep(3)  # a second copy of any letter would have come by now
    assert len(mails_for(index)) == len(j.seen), subjects(index)
    assert all(m["To"] == j.seen[0]["To"] for m in j.seen)
