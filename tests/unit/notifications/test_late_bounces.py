"""Bounces that come back later: the VERP address of each email, the DSN parser on real-world
samples (tests/unit/notifications/dsn/), and what a DSN does to its notification — with the
in-memory repository and the fixed clock of the fallback tests: a permanent failure takes the
same fallback path as a refusal at send time, a delay is only recorded, and a repeated DSN,
or one for a notification already failed or delivered otherwise, sends nothing."""
import base64
import datetime as dt
from pathlib import Path

import pytest

from delovod_proto.events import BounceReceived, Contact
from notifications.domain import dsn
from notifications.domain.attempts import Attempt
from notifications.domain.verp import Verp
from notifications.service_layer.bounces import Bounces
from tests.unit.notifications.test_channel_fallback import BOTH, INDEX, make, outcomes

SAMPLES = Path(__file__).parent / "dsn"
VERP = Verp("bounces", "bounces.plovdiv.bg", b"k" * 32)
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# -- the parser, on the RFC's own examples and what real servers send ------------------------
@pytest.mark.parametrize("name, action, status, diagnostic", [
    # the RFC's simple DSN: the MTA gave up after 5 days with a 4.0.0 status; "failed" is final
    ("rfc3464-simple.eml", "failed", "4.0.0", "426 connection timed out"),
    ("rfc3464-multi-recipient.eml", "failed", "5.0.0", "550 'arathib@vnet.IBM.COM' is not a registered gateway user"),
    ("rfc3464-delayed.eml", "delayed", "4.0.0", None),
    ("postfix-user-unknown.eml", "failed", "5.1.1",
     "550 5.1.1 <ivan.ivanov@example.net>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("exchange-online-recipient-not-found.eml", "failed", "5.1.10",
     "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    ("gmail-no-such-user.eml", "failed", "5.1.1", None),
    ("gmail-delayed-mailbox-full.eml", "delayed", "4.2.2", "452 4.2.2 <maria@example.org>: Mailbox full"),
    # RFC 6533: a UTF-8 address, the report as message/global-delivery-status (not split by the email package)
    ("rfc6533-global-utf8.eml", "failed", "5.1.1",
     "550 5.1.1 <иван.петров@пример.бг>: Recipient address rejected: User unknown"),
])
def test_real_world_dsns_are_read(name, action, status, diagnostic):
    report = dsn.parse(sample(name))
    assert (report.action, report.status) == (action, status)
    assert report.permanent == (action == "failed")
    if diagnostic:
        assert report.diagnostic == diagnostic
    assert report.detail().startswith(status)


def test_a_gmail_diagnostic_is_unfolded_and_the_reporting_mta_named():
    report = dsn.parse(sample("gmail-no-such-user.eml"))
    assert report.diagnostic.startswith("550-5.1.1 The email account that you tried to reach does not exist.")
    assert "\n" not in report.diagnostic and report.reporting_mta == "googlemail.com"


def test_mail_that_is_no_dsn_is_not_taken_for_one():
    # an auto-reply whose text even looks like a report: no delivery-status part, no bounce
    assert dsn.parse(sample("exim-out-of-office.eml")) is None
    assert dsn.parse(b"Subject: hello\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n") is None
    assert dsn.parse(b"") is None and dsn.parse(b"\xff\xfe garbage \x00") is None


def test_a_report_without_recipient_groups_or_with_only_a_status_class():
    head = (b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n")
    assert dsn.parse(head + b"\r\n--b--\r\n") is None
    only_status = dsn.parse(head + b"\r\nFinal-Recipient: rfc822; a@b\r\nStatus: 5.7.1\r\n\r\n--b--\r\n")
    assert (only_status.action, only_status.status) == ("failed", "5.7.1")


def test_status_codes_read_in_bulgarian():
    assert dsn.meaning("5.1.1") == "няма такава пощенска кутия"
    assert dsn.meaning("4.2.2") == "пощенската кутия е пълна"
    assert dsn.meaning("5.1.10") == "грешен адрес"  # Exchange's detail: its subject
    assert dsn.meaning("5.0.0") == "причината не е посочена"


# -- VERP ------------------------------------------------------------------------------------
def test_the_bounce_address_names_the_notification_and_is_signed():
    nid = "0b9f6c2e-1a44-4c1e-9d8e-7f3a2b1c0d9e"
    address = VERP.address(nid)
    local, domain = address.split("@")
    assert local.startswith(f"bounces+{nid}.") and domain == "bounces.plovdiv.bg" and len(local) <= 64
    assert VERP.notification_of(address) == (nid, "")
    assert VERP.notification_of(f"<{address.upper()}>") == (nid, "")  # MTAs may fold the case
    assert VERP.notification_of(address.replace(nid, nid[:-1] + "f")) == (None, "bad signature")
    assert VERP.notification_of(f"bounces+{nid}.aaaaaaaaaa@bounces.plovdiv.bg") == (None, "bad signature")
    other_key = Verp("bounces", "bounces.plovdiv.bg", b"x" * 32)
    assert VERP.notification_of(other_key.address(nid)) == (None, "bad signature")


@pytest.mark.parametrize("address", ["bounces@bounces.plovdiv.bg", "postmaster@bounces.plovdiv.bg",
                                     "bounces+abc@bounces.plovdiv.bg", "other+x.y@bounces.plovdiv.bg",
                                     "bounces+x.y@plovdiv.bg", "", "<>"])
def test_other_addresses_are_not_bounce_addresses(address):
    assert VERP.notification_of(address) == (None, "not a bounce address")


# -- what a DSN does -------------------------------------------------------------------------
EMAIL_FIRST = BOTH.model_copy(update={"preferred_channel": "email"})


def bounced(nid, name="postfix-user-unknown.eml", recipient=None, at=NOW):
    return BounceReceived(recipient=recipient or VERP.address(nid), received_at=at, size=1,
                          message_b64=base64.b64encode(sample(name)).decode())


def emailed(contact=EMAIL_FIRST):
    d, nid, clock, sms, email, post = make(contact)
    d.dispatch_due()
    assert email.sent == [nid] and d.repo.items[nid].status == "sent"
    return d, nid, Bounces(d, VERP), sms, email, post


def test_a_hard_bounce_falls_back_to_the_next_channel_as_a_refusal_would():
    d, nid, bounces, sms, email, post = emailed()
    assert bounces.on_bounce_received(bounced(nid)) == "bounced"
    assert sms.sent == [nid] and email.sent == [nid] and post.sent == []
    n = d.repo.items[nid]
    assert n.channel == "sms" and n.tried == ["email"] and n.awaiting_report and n.status == "pending"
    assert outcomes(d) == [("email", "sent"), ("email", "bounced"), ("sms", "handed")]
    line = d.history(INDEX)[1]
    assert line.detail.startswith("5.1.1 550 5.1.1 <<адрес>>: Recipient address rejected")  # no address kept
    assert line.summary("Europe/Sofia") == "Имейлът е върнат: 5.1.1, няма такава пощенска кутия (02.12.2026 в 14:00 ч.)"


def test_a_repeated_dsn_changes_nothing_and_sends_nothing_twice():
    d, nid, bounces, sms, email, post = emailed()
    assert bounces.on_bounce_received(bounced(nid)) == "bounced"
    assert bounces.on_bounce_received(bounced(nid)) == "ignored"  # the SMS awaits its report
    d.dispatch_due()
    assert sms.sent == [nid] and post.sent == []
    from notifications.service_layer.dispatcher import DeliveryReport
    d.on_delivery_report(nid, DeliveryReport("delivered", NOW))
    assert bounces.on_bounce_received(bounced(nid)) == "ignored"  # delivered by SMS: recorded only
    assert sms.sent == [nid] and email.sent == [nid] and post.sent == [] and d.repo.items[nid].status == "sent"
    assert outcomes(d) == [("email", "sent"), ("email", "bounced"), ("sms", "handed"), ("email", "ignored"),
                           ("sms", "delivered"), ("email", "ignored")]
    assert d.history(INDEX)[-1].detail == "bounce failed 5.1.1 after the email had bounced (sms now)"


def test_a_delay_is_recorded_and_fails_nothing():
    d, nid, bounces, sms, email, post = emailed()
    assert bounces.on_bounce_received(bounced(nid, "gmail-delayed-mailbox-full.eml")) == "delayed"
    assert d.repo.items[nid].status == "sent" and sms.sent == [] and outcomes(d)[-1] == ("email", "delayed")
    assert d.history(INDEX)[-1].summary("Europe/Sofia") == (
        "Имейлът се бави: 4.2.2, пощенската кутия е пълна; пощенските сървъри продължават опитите "
        "(02.12.2026 в 14:00 ч.)")
    assert bounces.on_bounce_received(bounced(nid, "gmail-no-such-user.eml")) == "bounced"  # then it gave up
    assert sms.sent == [nid]


def test_a_hard_bounce_past_the_reopening_days_is_recorded_and_sends_nothing():
    """A bounce (or a replayed one) more than 5 days after the email would send an old letter."""
    d, nid, bounces, sms, email, post = emailed()
    late = d.repo.items[nid].next_attempt_at + dt.timedelta(days=5, minutes=1)
    assert bounces.on_bounce_received(bounced(nid, at=late)) == "ignored"
    assert sms.sent == [] and post.sent == [] and d.repo.items[nid].status == "sent"
    assert d.history(INDEX)[-1].detail == ("bounce failed 5.1.1 5 days after the email was sent: past the 5 days "
                                          "a bounce may send the letter again")
    in_time = d.repo.items[nid].next_attempt_at + dt.timedelta(days=4, hours=23)
    assert bounces.on_bounce_received(bounced(nid, at=in_time)) == "bounced" and sms.sent == [nid]


def test_a_delay_with_4_4_7_says_not_yet_delivered_not_that_time_ran_out():
    from notifications.domain.attempts import BOUNCE_LABEL, bounce_summary

    text = bounce_summary(BOUNCE_LABEL["delayed"], "4.4.7 Delivery time expired", dt.datetime(2026, 12, 2, 14, 0))
    assert text == ("Имейлът се бави: 4.4.7, доставката още не е успяла; пощенските сървъри продължават опитите "
                    "(02.12.2026 в 14:00 ч.)")


def test_a_bounce_for_a_notification_that_failed_for_good_is_recorded_only():
    only_email = Contact(name="Мария Петрова", preferred_channel="email", email="m@example.bg")
    d, nid, bounces, sms, email, post = emailed(only_email)
    assert bounces.on_bounce_received(bounced(nid)) == "bounced"
    n = d.repo.items[nid]
    assert n.status == "dead" and n.tried == ["email"] and "every channel" in n.last_error
    assert bounces.on_bounce_received(bounced(nid)) == "ignored"
    assert d.history(INDEX)[-1].detail == "bounce failed 5.1.1 after the notification failed for good"
    assert email.sent == [nid] and sms.sent == [] and post.sent == []


def test_a_bounce_while_the_email_is_being_retried_gives_up_on_email():
    """The relay took it but its answer was lost (a retry is due): the DSN settles it."""
    d, nid, _, sms, email, _ = make(EMAIL_FIRST)
    n = d.repo.items[nid]
    n.channel, n.attempts, n.next_attempt_at = "email", 1, NOW + dt.timedelta(minutes=5)
    assert Bounces(d, VERP).on_bounce_received(bounced(nid)) == "bounced"
    assert sms.sent == [nid] and email.sent == [] and d.repo.items[nid].tried == ["email"]


@pytest.mark.parametrize("recipient, reason", [
    ("bounces+{nid}.aaaaaaaaaa@bounces.plovdiv.bg", "bad signature"),
    ("postmaster@bounces.plovdiv.bg", "not a bounce address"),
])
def test_a_bounce_to_no_valid_address_is_rejected_with_its_reason(recipient, reason):
    d, nid, bounces, sms, email, post = emailed()
    assert bounces.on_bounce_received(bounced(nid, recipient=recipient.format(nid=nid))) == "rejected"
    rejected = d.repo.rejected_reports[-1]
    assert rejected["reason"] == reason and rejected["raw"]["kind"] == "bounce"
    assert rejected["raw"]["subject"] == "Undelivered Mail Returned to Sender"
    assert d.repo.items[nid].status == "sent" and sms.sent == [] and outcomes(d) == [("email", "sent")]


def test_an_auto_reply_or_an_unknown_notification_is_rejected_never_a_crash():
    d, nid, bounces, sms, email, post = emailed()
    assert bounces.on_bounce_received(bounced(nid, "exim-out-of-office.eml")) == "rejected"
    assert d.repo.rejected_reports[-1]["reason"] == "not a delivery status notification"
    unknown = "11111111-2222-4333-8444-555555555555"
    assert bounces.on_bounce_received(bounced(unknown)) == "rejected"
    assert d.repo.rejected_reports[-1] == {"notification_id": unknown, "reason": "unknown notification",
                                           "raw": d.repo.rejected_reports[-1]["raw"]}
    assert d.repo.items[nid].status == "sent" and sms.sent == [] and outcomes(d) == [("email", "sent")]


def test_a_bounce_summary_without_a_code_still_reads():
    at = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)
    assert Attempt("n", INDEX, "email", "bounced", at, None).summary("Europe/Sofia") == (
        "Имейлът е върнат: причината не е посочена (02.12.2026 в 14:00 ч.)")
