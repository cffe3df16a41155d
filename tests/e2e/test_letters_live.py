"""Issue 14 items 4 and 6 on the running stack: a letter addressed by the sender's form of
address; an official's preview that is exactly the letter then mailed; a missed term (the
CaseOverdue that status's deadline watch publishes) reaching the citizen and the unit's head
through the real SMTP relay; a postal letter filed for the post room's daily batch."""
import datetime as dt
import secrets
import time
from zoneinfo import ZoneInfo

import pytest
import requests

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseOverdue
from servicekit.kafka import make_producer, send_envelope
from tests.conftest import until
from tests.e2e.conftest import NOTIFICATIONS, STATUS
from tests.e2e.test_registration_flow import mails_for, metadata, register

pytestmark = pytest.mark.e2e
KAFKA = "127.0.0.1:9092"


def sender(**over):
    return {"name": "Мария Петрова Иванова", "email": f"maria.{secrets.token_hex(3)}@example.bg",
            "preferred_channel": "email", "salutation": "ms", **over}


def text(msg):
    return msg.get_body(("plain",)).get_content()


def registered_case(clerk, **sender_over):
    r = register(clerk, metadata(sender=sender(**sender_over)))
    assert r.status_code == 201, r.text
    return r.json()["registration_index"]


def mail(index, subject_part, timeout_s=60):
    return until(lambda: [m for m in mails_for(index) if subject_part in m["Subject"]],
                 what=f"mail '{subject_part}' for {index}", timeout_s=timeout_s)[0]


def test_the_letter_greets_by_salutation_and_the_preview_is_the_mail_then_sent(clerk, official):
    index = registered_case(clerk)
    first = mail(index, "документът Ви е регистриран")
    assert text(first).startswith("Уважаема г-жо Иванова,\n\n")
    assert "Какво трябва да направите:" in text(first) and "все още не е разпределена" in text(first)
    until(lambda: requests.post(f"{STATUS}/api/v1/cases/stage", headers=official, timeout=10,
                                json={"case_index": index, "stage": "assigned"}).ok, what="assigned", timeout_s=30)
    mail(index, "разпределена е на служител")
    r = requests.post(f"{NOTIFICATIONS}/api/v1/notifications/preview", headers=official, timeout=10,
                      json={"case_index": index, "stage": "in_progress"})
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["channel"] == "email" and preview["subject"] == f"Преписка {index}: разглежда се"
    r = requests.post(f"{STATUS}/api/v1/cases/stage", headers=official, timeout=10,
                      json={"case_index": index, "stage": "in_progress"})
    assert r.status_code == 200, r.text
    sent = mail(index, "разглежда се")
    assert (sent["Subject"], text(sent)) == (preview["subject"], preview["body"])


def test_a_preview_refuses_a_bad_request_with_problem_json(official):
    r = requests.post(f"{NOTIFICATIONS}/api/v1/notifications/preview", headers=official, timeout=10,
                      json={"case_index": "ЖЛБ-1/01.01.2026", "stage": "nowhere"})
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["detail"] and [e["field"] for e in r.json()["errors"]] == ["stage"]
    assert requests.post(f"{NOTIFICATIONS}/api/v1/notifications/preview", timeout=10,
                         json={"case_index": "x", "stage": "closed"}).status_code == 401


def escalations(index):
    """The escalation is keyed by the case plus "#head" (its own recipient) in X-Delovod-Case."""
    return mails_for(f"{index}#head")


def test_a_missed_term_reaches_the_citizen_and_the_office_through_smtp(clerk):
    index = registered_case(clerk)
    mail(index, "документът Ви е регистриран")
    event = Envelope.wrap(CaseOverdue(case_index=index, subject="Шум от строителство през нощта", kind="complaint",
                                      stage="registered", due_date=dt.date(2026, 11, 30), days_overdue=2,
                                      seen_at=dt.datetime.now(dt.timezone.utc)),
                          source="status", correlation_id=index)
    producer = make_producer(KAFKA)
    try:
        send_envelope(producer, topics.CASES_OVERDUE, event)
        send_envelope(producer, topics.CASES_OVERDUE, event)  # redelivered: sent once all the same
    finally:
        producer.close(timeout=5)
    letter = mail(index, "срокът за отговор изтече")
    assert text(letter).startswith("Уважаема г-жо Иванова,\n\n")
    assert "изтече на 30.11.2026 (преди 2 дни)" in text(letter)
    head = until(lambda: escalations(index), what="the escalation mail", timeout_s=60)
    assert head[0]["Subject"] == f"Просрочена преписка {index} (2 дни след срока)"
    assert head[0]["To"] == "info@plovdiv.bg"  # no unit head configured: the office (DELOVOD_OFFICE_EMAIL)
    assert text(head[0]).startswith("Здравейте,\n\n") and "Вид: жалба" in text(head[0]) and "Отговорен служител: преписката не е разпределена." in text(head[0])
    time.sleep(3)  # a second (redelivered) copy would have come by now
    assert len([m for m in mails_for(index) if "изтече" in m["Subject"]]) == 1 and len(escalations(index)) == 1


def test_a_postal_letter_is_filed_for_todays_batch(clerk):
    today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()
    before = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/post-room/{today}", headers=clerk, timeout=10)
    assert before.status_code == 200, before.text
    registered_case(clerk, preferred_channel="post", address="ул. „Гладстон“ № 1, 4000 Пловдив")
    after = until(lambda: (r := requests.get(f"{NOTIFICATIONS}/api/v1/notifications/post-room/{today}",
                                             headers=clerk, timeout=10)).json()["letters"] > before.json()["letters"]
                  and r.json(), what="a letter filed for the post room", timeout_s=60)
    assert after["ready"] is False and after["url"] is None  # today's batch is built once the day is over
    r = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/post-room/not-a-day", headers=clerk, timeout=10)
    assert r.status_code == 400 and "ГГГГ-ММ-ДД" in r.json()["detail"]
