"""A citizen who chose SMS, through the running stack: registration → status event →
notifications → Kannel → fakesmsc, the delivery report back, and the case's attempts
read over notifications' API as the case history shows them.

The stack runs on the real clock, and no SMS goes out between 21:00 and 08:00 in
Sofia: by day the SMS must be delivered; at night it must be deferred to 08:00 with
nothing at fakesmsc (quiet hours are unit-tested on a fixed clock as well)."""
import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
import requests

from notifications.domain.sms import quiet_until
from tests.conftest import until
from tests.e2e.conftest import NOTIFICATIONS
from tests.e2e.test_registration_flow import metadata, register
from tests.integration.test_kannel_sms import received_by_fakesmsc, texts

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
