"""A citizen who chose SMS, through the running stack: registration → status event →
notifications → Kannel → fakesmsc, the delivery report back, and the case's attempts
read over notifications' API as the case history shows them.

The stack runs on the real clock, and no SMS goes out between 21:00 and 08:00 in
Sofia: by day the SMS must be delivered; at night it must be deferred to 08:00 with
nothing at fakesmsc (quiet hours are unit-tested on a fixed clock as well)."""
import datetime as dt
import time
import random
from zoneinfo import ZoneInfo

import pytest
import requests

from notifications.domain.sms import quiet_until
from tests.conftest import until
from tests.e2e.conftest import NOTIFICATIONS
from tests.e2e.test_registration_flow import metadata, register
from notifications.adapters.kannel import report_signature
from tests.e2e.conftest import ROOT
from tests.integration.test_kannel_sms import SILENT, number, received_by_fakesmsc, texts

pytestmark = pytest.mark.e2e


def attempts(headers, index):
    reply = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/attempts", params={"case_index": index},
                         headers=headers, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def test_a_registration_by_sms_reaches_the_phone_and_is_proved_in_the_history(clerk):
    phone = "+35988" + "".join(random.choice("0123456789") for _ in range(7))
    sender = {"name": "Мария Петрова", "phone": phone, "preferred_channel": "sms"}
    r = register(clerk, metadata(sender=sender))
    assert r.status_code == 201, r.text
    index = r.json()["registration_index"]
    night = quiet_until(dt.datetime.now(dt.timezone.utc), "Europe/Sofia")
    if night is None:
        items = until(lambda: [i for i in attempts(clerk, index) if i["outcome"] == "delivered"] and attempts(clerk, index),
                      timeout_s=60, what="the SMS delivered")
        assert [(i["channel"], i["outcome"]) for i in items][-2:] == [("sms", "handed"), ("sms", "delivered")]
        assert items[-1]["summary"].startswith("SMS съобщение: доставено на ") and items[-2]["segments"] >= 1
        assert index in texts(received_by_fakesmsc(phone))
    else:
        items = until(lambda: attempts(clerk, index), timeout_s=60, what="the SMS deferred")
        assert [(i["channel"], i["outcome"]) for i in items] == [("sms", "deferred")]
        assert dt.datetime.fromisoformat(items[0]["detail"].removeprefix("until ")) == night
        assert night.astimezone(ZoneInfo("Europe/Sofia")).strftime("%H:%M") == "08:00"
        assert "отложено до 08:00" in items[0]["summary"] and received_by_fakesmsc(phone) == []


def test_the_attempts_need_a_staff_token_and_a_case_index(clerk):
    assert requests.get(f"{NOTIFICATIONS}/api/v1/notifications/attempts", params={"case_index": "ЖЛБ-1/2026"},
                        timeout=10).status_code == 401
    reply = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/attempts", headers=clerk, timeout=10)
    assert reply.status_code == 400 and reply.headers["Content-Type"].startswith("application/problem+json")


def test_a_failed_sms_falls_back_to_a_postal_letter_for_the_post_room(clerk):
    """A citizen who chose SMS and gave a postal address but no email: the operator reports the
    SMS undelivered (the silent SMSC's numbers get no report of Kannel's own, so the report is
    sent to notifications' endpoint as Kannel sends it, signed with the stack's key), and the
    same letter is filed once as a PDF for today's post-room batch; the attempts prove it."""
    today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()
    room = f"{NOTIFICATIONS}/api/v1/notifications/post-room/{today}"
    before = requests.get(room, headers=clerk, timeout=10).json()["letters"]
    sender = {"name": "Петър Петров", "phone": number(SILENT), "preferred_channel": "sms",
              "address": "ул. „Иван Вазов“ № 5, 4000 Пловдив"}
    r = register(clerk, metadata(sender=sender))
    assert r.status_code == 201, r.text
    index = r.json()["registration_index"]
    if quiet_until(dt.datetime.now(dt.timezone.utc), "Europe/Sofia") is not None:
        items = until(lambda: attempts(clerk, index), timeout_s=60, what="the SMS deferred")
        assert [(i["channel"], i["outcome"]) for i in items] == [("sms", "deferred")]
        return  # at night nothing is handed to the gateway, so nothing can fail yet
    handed = until(lambda: [i for i in attempts(clerk, index) if i["outcome"] == "handed"], timeout_s=60,
                   what="the SMS handed to Kannel")
    nid = handed[0]["notification_id"]
    secret = (ROOT / ".local" / "secrets" / "jwt-secret").read_bytes().strip()
    report = {"n": nid, "sig": report_signature(secret, nid), "type": "2", "smsc_id": "8",
              "report": "id:8 sub:001 dlvrd:000 stat:UNDELIV err:001", "at": str(int(time.time()))}
    reply = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/sms-reports", params=report, timeout=10)
    assert reply.status_code == 200 and reply.json() == {"id": nid, "result": "failed"}, reply.text
    items = until(lambda: (a := attempts(clerk, index)) and a[-1]["channel"] == "post" and a, timeout_s=60,
                  what="the fallback to a postal letter")
    assert [(i["channel"], i["outcome"]) for i in items] == [("sms", "handed"), ("sms", "failed"), ("post", "sent")]
    assert requests.get(room, headers=clerk, timeout=10).json()["letters"] == before + 1
    again = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/sms-reports", params=report, timeout=10)
    # a repeated report is recorded as ignored and changes nothing: one letter, one fallback
    assert again.status_code == 200 and again.json() == {"id": nid, "result": "ignored"}, again.text
    time.sleep(2)
    assert [(i["channel"], i["outcome"]) for i in attempts(clerk, index)] == [
        ("sms", "handed"), ("sms", "failed"), ("post", "sent"), ("sms", "ignored")]
    assert requests.get(room, headers=clerk, timeout=10).json()["letters"] == before + 1
