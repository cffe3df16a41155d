"""Issue 14 item 9 on the running stack: a citizen changes their email from the status page with
the index and access code; the code reaches the new address through the real SMTP relay
(.local/mail), a wrong code says how many tries are left, the right one switches the recipient,
the old address is told, the case's contact history says so, and the next letter goes to the
new address."""
import datetime as dt
import re
import secrets

import pytest
import requests

from notifications.domain.sms import quiet_until
from tests.conftest import until
from tests.e2e.conftest import NOTIFICATIONS, STATUS
from tests.e2e.test_citizen_pages_live import citizen
from tests.e2e.test_letters_live import sender, text
from tests.e2e.test_registration_flow import ROOT, mails_for, metadata, register
from tests.integration.test_kannel_sms import received_by_fakesmsc, texts

pytestmark = pytest.mark.e2e
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def mails_to(address, subject_part, timeout_s=60):
    """Mails to ``address`` whose subject has ``subject_part`` (the code and the notice go under
    recipient keys of their own, so they are found by address, not by case)."""
    import email
    import email.policy
    import mailbox

    def found():
        out = []
        for _, raw in mailbox.Maildir(ROOT / ".local" / "mail", create=False).items():
            msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
            if msg["To"] == address and subject_part in msg["Subject"]:
                out.append(msg)
        return out
    return until(found, what=f"mail '{subject_part}' to {address}", timeout_s=timeout_s)


def test_a_confirmed_new_email_gets_the_next_letter_and_the_old_one_is_told(clerk, official):
    old = f"maria.{secrets.token_hex(3)}@example.bg"
    new = f"nova.{secrets.token_hex(3)}@example.bg"
    r = register(clerk, metadata(sender=sender(email=old)))
    assert r.status_code == 201, r.text
    index, code = r.json()["registration_index"], r.json()["access_code"]
    mails_to(old, "документът Ви е регистриран")  # notifications knows the case's recipient
    browser = citizen()
    page = browser.post(f"{STATUS}/", data={"index": index, "code": code}, headers=SAME_SITE, timeout=10).text
    assert "Промяна на данните за връзка" in page and code not in page

    r = browser.post(f"{STATUS}/contact", data={"index": index, "code": code, "channel": "email", "email": new},
                     headers=SAME_SITE, timeout=15)
    assert r.status_code == 200, r.text
    assert f"{new[:2]}***@example.bg" in r.text and new not in r.text and code not in r.text
    (code_mail,) = mails_to(new, "Код за потвърждение")
    confirmation = re.search(r"\b(\d{6})\b", code_mail["Subject"]).group(1)
    assert index in code_mail["Subject"] and confirmation in text(code_mail)
    assert not [m for m in mails_for(index) if m["To"] == new], "no case letter goes to the new address yet"

    wrong = f"{(int(confirmation) + 1) % 10 ** 6:06d}"
    r = browser.post(f"{STATUS}/contact/confirm", data={"index": index, "code": code, "confirmation": wrong},
                     headers=SAME_SITE, timeout=15)
    assert r.status_code == 422 and "Остават 4 опита" in r.text
    r = browser.post(f"{STATUS}/contact/confirm", data={"index": index, "code": code, "confirmation": confirmation},
                     headers=SAME_SITE, timeout=15)
    assert r.status_code == 200 and "Данните за връзка са променени" in r.text, r.text

    (notice,) = mails_to(old, "данните за връзка са променени")
    assert f"{new[:2]}***@example.bg" in text(notice) and new not in text(notice)
    r = requests.post(f"{STATUS}/api/v1/cases/stage", headers=official, timeout=10,
                      json={"case_index": index, "stage": "assigned"})
    assert r.status_code == 200, r.text
    (letter,) = mails_to(new, "разпределена е на служител")
    assert letter["X-Delovod-Case"] == index
    assert not [m for m in mails_for(index) if m["To"] == old and "разпределена" in m["Subject"]]
    history = requests.get(f"{NOTIFICATIONS}/api/v1/notifications/attempts", params={"case_index": index},
                           headers=official, timeout=10).json()["items"]
    assert any(a["outcome"] == "contact_changed" and "Данните за връзка са променени" in a["summary"]
               and new not in a["summary"] for a in history)
    r = browser.post(f"{STATUS}/contact/confirm", data={"index": index, "code": code, "confirmation": confirmation},
                     headers=SAME_SITE, timeout=15)
    assert r.status_code == 410 and "вече е използван" in r.text


def test_a_new_mobile_gets_its_code_through_kannel_by_day_and_the_page_says_when_at_night(clerk):
    """The stack runs on the real clock: by day the code reaches fakesmsc through Kannel and
    confirms the change; in quiet hours the page says the code goes at 08:00 and nothing is sent."""
    old = f"petar.{secrets.token_hex(3)}@example.bg"
    phone = "+35988" + "".join(secrets.choice("0123456789") for _ in range(7))
    r = register(clerk, metadata(sender=sender(email=old)))
    assert r.status_code == 201, r.text
    index, code = r.json()["registration_index"], r.json()["access_code"]
    mails_to(old, "документът Ви е регистриран")
    browser = citizen()
    r = browser.post(f"{STATUS}/contact", data={"index": index, "code": code, "channel": "sms",
                                                "phone": "0" + phone[4:]}, headers=SAME_SITE, timeout=15)
    assert r.status_code == 200 and f"{phone[:6]}*****{phone[-2:]}" in r.text, r.text
    if quiet_until(dt.datetime.now(dt.timezone.utc), "Europe/Sofia") is not None:
        assert "Кодът ще бъде изпратен в 08:00 ч." in r.text and received_by_fakesmsc(phone) == []
        return
    sms = until(lambda: texts(received_by_fakesmsc(phone)), what="the code at fakesmsc", timeout_s=60)
    confirmation = re.search(r"\b(\d{6})\b", sms).group(1)
    r = browser.post(f"{STATUS}/contact/confirm", data={"index": index, "code": code, "confirmation": confirmation},
                     headers=SAME_SITE, timeout=15)
    assert r.status_code == 200 and "Данните за връзка са променени" in r.text, r.text
    (notice,) = mails_to(old, "данните за връзка са променени")
    assert "с SMS на мобилен телефон" in text(notice) and phone not in text(notice)
