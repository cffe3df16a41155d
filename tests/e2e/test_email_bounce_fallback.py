"""A hard bounce that comes back later, through the running stack: a letter is emailed through
the stack's SMTP relay (whose Maildir keeps the envelope sender, the letter's signed VERP
address); the test then plays the remote mail server and sends a delivery status notification
over SMTP to the bounce receiver (127.0.0.1:8026); notifications falls back to the citizen's
phone, and the SMS goes through Kannel to fakesmsc. The case history shows both; a second,
identical DSN is recorded as ignored and sends nothing.

The stack runs on the real clock: between 21:00 and 08:00 in Sofia the fallback SMS is
deferred to 08:00 (quiet hours) with nothing at fakesmsc."""
import datetime as dt
import email
import email.policy
import mailbox
import random
import smtplib

import pytest

from notifications.domain.sms import quiet_until
from tests.conftest import until
from tests.e2e.conftest import ROOT
from tests.e2e.test_registration_flow import metadata, register
from tests.e2e.test_sms_delivery import attempts
from tests.integration.test_kannel_sms import received_by_fakesmsc, texts

pytestmark = pytest.mark.e2e
MAILDIR = ROOT / ".local" / "mail"
BOUNCES = ("127.0.0.1", 8026)


def mail_for(notification_id):
    for _, raw in mailbox.Maildir(MAILDIR, create=False).items():
        msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.compat32)
        if msg["Message-ID"] == f"<{notification_id}@delovod>":
            return msg


def dsn(letter, to: str) -> bytes:
    """What a Postfix MX says when the mailbox does not exist, with the letter's headers."""
    headers = "".join(f"{k}: {v}\r\n" for k, v in letter.items() if k.lower() in ("from", "to", "subject", "message-id"))
    return (f"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
            f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe mail system: user unknown.\r\n\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.org\r\n\r\n"
            f"Final-Recipient: rfc822; {letter['To']}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 <{letter['To']}>: Recipient address rejected: User unknown\r\n\r\n"
            f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--B--\r\n").encode()


def envelope_sender(letter) -> str:
    """The envelope sender the relay saw (aiosmtpd's X-MailFrom, maybe folded): where bounces go."""
    return "".join(str(letter["X-MailFrom"]).split())


def send_dsn(letter):
    to = envelope_sender(letter)
    with smtplib.SMTP(*BOUNCES, timeout=10) as smtp:
        assert smtp.sendmail("", [to], dsn(letter, to)) == {}


def test_a_later_hard_bounce_falls_back_to_an_sms_once(clerk):
    phone = "+35988" + "".join(random.choice("0123456789") for _ in range(7))
    sender = {"name": "Мария Петрова", "email": f"nobody.{random.getrandbits(40):x}@example.org", "phone": phone,
              "preferred_channel": "email"}
    r = register(clerk, metadata(sender=sender))
    assert r.status_code == 201, r.text
    index = r.json()["registration_index"]
    sent = until(lambda: [i for i in attempts(clerk, index) if i["outcome"] == "sent"], timeout_s=60,
                 what="the letter emailed")
    nid = sent[0]["notification_id"]
    letter = until(lambda: mail_for(nid), timeout_s=30, what="the letter at the relay")
    assert envelope_sender(letter).startswith(f"bounces+{nid}.") and envelope_sender(letter).endswith("@bounces.plovdiv.bg")

    send_dsn(letter)
    night = quiet_until(dt.datetime.now(dt.timezone.utc), "Europe/Sofia")
    last = "deferred" if night else "delivered"
    items = until(lambda: (a := attempts(clerk, index)) and a[-1]["outcome"] == last and a, timeout_s=60,
                  what=f"the fallback SMS {last}")
    expected = [("email", "sent"), ("email", "bounced")] + (
        [("sms", "deferred")] if night else [("sms", "handed"), ("sms", "delivered")])
    assert [(i["channel"], i["outcome"]) for i in items] == expected
    bounce = items[1]
    assert bounce["notification_id"] == nid and bounce["detail"].startswith("5.1.1 ")
    assert bounce["summary"].startswith("Имейлът е върнат: 5.1.1, няма такава пощенска кутия (")
    assert "example.org" not in bounce["detail"]  # the address is not kept
    got = received_by_fakesmsc(phone)
    assert (got == []) if night else (index in texts(got))

    send_dsn(letter)  # the same DSN again (a remote server that retried its own delivery)
    again = until(lambda: (a := attempts(clerk, index)) and len(a) == len(expected) + 1 and a, timeout_s=60,
                  what="the repeated DSN recorded")
    assert (again[-1]["channel"], again[-1]["outcome"]) == ("email", "ignored")
    assert [(i["channel"], i["outcome"]) for i in again[:-1]] == expected
    assert received_by_fakesmsc(phone) == got  # nothing sent twice
