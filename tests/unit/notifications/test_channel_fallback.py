"""Delivery reports and channel fallback, with the in-memory repository and a fixed clock:
a failed or expired SMS, a refused address or a missing report moves to the next channel
the citizen gave an address for; each attempt is recorded; nothing is sent twice."""
import datetime as dt

import pytest

from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseStatusChanged, Contact
from delovod_proto.vocabulary import ContactChannel
from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.service_layer.dispatcher import DeliveryReport, Dispatcher, Handover, Undeliverable, UnknownMessage
from tests.helpers import registered

INDEX = "ЖЛБ-7/02.12.2026"
BOTH = Contact(name="Мария Петрова", preferred_channel="sms", phone="+359888123456", email="m@example.bg",
               postal_address="ул. Тестова 1, Пловдив")


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


class Channel:
    def __init__(self, reports=False, refuse=False):
        self.reports, self.refuse, self.sent = reports, refuse, []

    def send(self, n, contact):
        if self.refuse:
            raise Undeliverable("550 no such user m@example.bg")
        self.sent.append(n.id)
        return Handover(segments=2) if self.reports else None


def make(contact=BOTH, at=dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc), refuse_email=False):
    clock = Clock(at)
    sms, email, post = Channel(reports=True), Channel(refuse=refuse_email), Channel()
    d = Dispatcher(InMemoryNotificationRepository(), {ContactChannel.SMS: sms, ContactChannel.EMAIL: email,
                   ContactChannel.POST: post}, "http://x", 3, 1.0, clock=clock, tz="Europe/Sofia", signed="Общината\n")
    d.on_document_registered(registered(INDEX).model_copy(update={"sender": contact}))
    body = CaseStatusChanged(case_index=INDEX, stage="registered", changed_at=at, due_date=dt.date(2026, 12, 29),
                             subject="Осветление")
    event = Envelope.wrap(body, source="status", correlation_id=INDEX)
    d.on_status_changed(event)
    return d, str(event.event_id), clock, sms, email, post


def outcomes(d):
    return [(a.channel, a.outcome) for a in d.history(INDEX)]


def test_an_sms_is_handed_then_marked_delivered_by_its_report_once():
    d, nid, clock, sms, email, _ = make()
    d.dispatch_due()
    assert sms.sent == [nid] and d.repo.items[nid].awaiting_report and d.repo.items[nid].status == "pending"
    d.dispatch_due()  # awaiting its report: not sent again
    assert sms.sent == [nid]
    assert d.on_delivery_report(nid, DeliveryReport("delivered", clock.now, "operator id 42")) == "delivered"
    n = d.repo.items[nid]
    assert n.status == "sent" and n.channel == "sms" and email.sent == []
    assert outcomes(d) == [("sms", "handed"), ("sms", "delivered")] and d.history(INDEX)[0].segments == 2
    delivered = d.repo.outbox[-1].envelope.body()
    assert delivered.channel == ContactChannel.SMS
    assert d.history(INDEX)[1].summary("Europe/Sofia") == "SMS съобщение: доставено на 02.12.2026 в 14:00 ч."
    assert d.on_delivery_report(nid, DeliveryReport("delivered", clock.now)) == "ignored"  # a repeat changes nothing
    assert d.repo.items[nid].status == "sent" and outcomes(d)[-1] == ("sms", "ignored")


@pytest.mark.parametrize("outcome", ["failed", "expired"])
def test_a_failed_or_expired_sms_falls_back_to_email_at_once(outcome):
    d, nid, clock, sms, email, post = make()
    d.dispatch_due()
    assert d.on_delivery_report(nid, DeliveryReport(outcome, clock.now, "stat:UNDELIV")) == outcome
    assert email.sent == [nid] and post.sent == [] and sms.sent == [nid]
    n = d.repo.items[nid]
    assert n.status == "sent" and n.channel == "email" and n.tried == ["sms"]
    assert outcomes(d) == [("sms", "handed"), ("sms", outcome), ("email", "sent")]


def test_a_refused_email_after_a_failed_sms_falls_back_to_post():
    d, nid, clock, sms, email, post = make(refuse_email=True)
    d.dispatch_due()
    d.on_delivery_report(nid, DeliveryReport("failed", clock.now))
    assert post.sent == [nid] and d.repo.items[nid].channel == "post"
    assert outcomes(d) == [("sms", "handed"), ("sms", "failed"), ("email", "refused"), ("post", "sent")]
    assert "m@example.bg" not in (d.history(INDEX)[2].detail or "")  # no contact data in the proof


def test_no_report_within_the_wait_gives_up_on_sms():
    d, nid, clock, sms, email, _ = make()
    d.dispatch_due()
    clock.now += d.report_wait + dt.timedelta(seconds=1)
    d.dispatch_due()
    assert email.sent == [nid] and outcomes(d)[1][1] == "expired"


def test_when_every_allowed_channel_failed_it_is_a_dead_letter_with_the_reason():
    only_sms = Contact(name="Мария", preferred_channel="sms", phone="+359888123456")
    d, nid, clock, sms, email, post = make(only_sms)
    d.dispatch_due()
    d.on_delivery_report(nid, DeliveryReport("expired", clock.now))
    n = d.repo.items[nid]
    assert n.status == "dead" and "sms expired" in n.last_error and email.sent == post.sent == []


def test_a_report_for_an_unknown_message_changes_nothing():
    d, nid, clock, *_ = make()
    with pytest.raises(UnknownMessage):
        d.on_delivery_report("no-such-notification", DeliveryReport("delivered", clock.now))
    assert d.repo.items[nid].status == "pending" and outcomes(d) == []


def test_an_intermediate_report_changes_nothing():
    d, nid, clock, *_ = make()
    d.dispatch_due()
    assert d.on_delivery_report(nid, DeliveryReport(None, clock.now)) == "ignored"
    assert d.repo.items[nid].awaiting_report and outcomes(d) == [("sms", "handed")]


def test_sms_in_quiet_hours_waits_until_eight_and_is_not_dropped():
    late = dt.datetime(2026, 12, 2, 20, 30, tzinfo=dt.timezone.utc)  # 22:30 in Sofia
    d, nid, clock, sms, email, _ = make(at=late)
    d.dispatch_due()
    assert sms.sent == [] and email.sent == []
    assert d.repo.items[nid].next_attempt_at == dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.timezone.utc)
    assert outcomes(d) == [("sms", "deferred")]
    clock.now = dt.datetime(2026, 12, 3, 5, 59, tzinfo=dt.timezone.utc)
    d.dispatch_due()
    assert sms.sent == []
    clock.now = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.timezone.utc)
    d.dispatch_due()
    assert sms.sent == [nid]


def test_email_is_not_held_back_by_quiet_hours():
    late = dt.datetime(2026, 12, 2, 20, 30, tzinfo=dt.timezone.utc)
    d, nid, clock, sms, email, _ = make(BOTH.model_copy(update={"preferred_channel": "email"}), at=late)
    d.dispatch_due()
    assert email.sent == [nid]


class Crash(BaseException):
    """The process dies in the middle of a handover (nothing catches it)."""


def test_a_crash_during_the_handover_never_sends_the_sms_again():
    d, nid, clock, sms, email, _ = make()

    def dies(n, contact):
        sms.sent.append(n.id)
        raise Crash()
    sms.send = dies
    with pytest.raises(Crash):
        d.dispatch_due()
    d.repo.leased.clear()  # its lease ran out
    clock.now += dt.timedelta(minutes=5)
    d.dispatch_due()
    assert sms.sent == [nid]  # stored as awaiting its report before the handover: not resent
    clock.now += d.report_wait
    d.dispatch_due()
    assert sms.sent == [nid] and email.sent == [nid]  # no report ever came: the next channel


def test_a_gateway_that_stops_answering_mid_request_is_not_asked_again():
    from notifications.service_layer.dispatcher import HandoverUnknown

    d, nid, clock, sms, email, _ = make()

    def silent(n, contact):
        sms.sent.append(n.id)
        raise HandoverUnknown("Kannel did not answer within 10.0s")
    sms.send = silent
    d.dispatch_due()
    clock.now += dt.timedelta(hours=1)
    d.dispatch_due()
    assert sms.sent == [nid] and d.repo.items[nid].awaiting_report
    assert d.history(INDEX)[0].detail.startswith("unconfirmed: Kannel did not answer")
    assert d.on_delivery_report(nid, DeliveryReport("delivered", clock.now)) == "delivered"  # it had gone out
