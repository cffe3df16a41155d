import datetime as dt

from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseStatusChanged
from delovod_proto.vocabulary import ContactChannel
from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.domain.messages import backoff_s
from notifications.service_layer.dispatcher import Dispatcher as _Dispatcher
from tests.helpers import registered

SIGNED = "Община Тест\nтел. 000/000 000, office@example.bg\n"


def Dispatcher(*args, **kwargs):
    """The dispatcher as the composition root builds it: the administration's zone and signature."""
    return _Dispatcher(*args, tz="Europe/Sofia", signed=SIGNED, **kwargs)



class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now


class FlakyChannel:
    def __init__(self, failures):
        self.failures, self.sent = failures, []

    def send(self, n, contact):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("relay down")
        self.sent.append((n.id, contact.email))


def status_event(index="ЖЛБ-1/25.11.2026"):
    body = CaseStatusChanged(case_index=index, stage="registered", changed_at=dt.datetime.now(dt.timezone.utc),
                             due_date=dt.date(2026, 12, 29), subject="Осветление")
    return Envelope.wrap(body, source="status", correlation_id=index)


def make(failures=0, max_attempts=3):
    clock, channel = Clock(), FlakyChannel(failures)
    d = Dispatcher(InMemoryNotificationRepository(), {ContactChannel.EMAIL: channel}, "http://x", max_attempts, 1.0, clock=clock)
    return d, channel, clock


def test_sent_exactly_once_even_if_the_event_is_redelivered():
    d, channel, _ = make()
    d.on_document_registered(registered())
    event = status_event()
    assert d.on_status_changed(event) and not d.on_status_changed(event)
    d.dispatch_due(), d.dispatch_due()
    assert channel.sent == [(str(event.event_id), "m@example.bg")]
    assert "ЖЛБ-1/25.11.2026" in d.repo.items[str(event.event_id)].body


def test_waits_for_the_recipient_when_status_event_comes_first():
    d, channel, clock = make()
    d.on_status_changed(status_event())
    d.dispatch_due()
    assert channel.sent == []
    d.on_document_registered(registered())
    clock.now += dt.timedelta(seconds=5)
    d.dispatch_due()
    assert len(channel.sent) == 1


def test_retries_with_backoff_then_dead_letter_then_replay():
    d, channel, clock = make(failures=5, max_attempts=3)
    d.on_document_registered(registered())
    event = status_event()
    d.on_status_changed(event)
    for _ in range(3):
        d.dispatch_due()
        clock.now += dt.timedelta(hours=1)
    n = d.repo.items[str(event.event_id)]
    assert (n.status, n.attempts) == ("dead", 3) and "relay down" in n.last_error
    assert [x.id for x in d.repo.dead()] == [n.id]
    channel.failures = 0
    assert d.replay(n.id)
    d.dispatch_due()
    assert d.repo.items[n.id].status == "sent" and len(channel.sent) == 1


def test_backoff_doubles_and_is_capped():
    assert [backoff_s(a, 2) for a in (1, 2, 3)] == [2, 4, 8]
    assert backoff_s(50, 2) == 3600


def test_a_reissued_code_is_announced_once_without_the_code():
    from delovod_proto.events import AccessCodeReissued

    d, channel, _ = make()
    d.on_document_registered(registered())
    body = AccessCodeReissued(case_index="ЖЛБ-1/25.11.2026", access_code_hash="hmac_sha256$k1$00$11", code_version=1,
                              reissued_at=dt.datetime(2026, 11, 26, 8, 5, tzinfo=dt.timezone.utc))
    event = Envelope.wrap(body, source="registry", correlation_id=body.case_index)
    assert d.on_access_code_reissued(event) and not d.on_access_code_reissued(event)
    d.dispatch_due()
    assert channel.sent == [(str(event.event_id), "m@example.bg")]
    n = d.repo.items[str(event.event_id)]
    assert "нов код за достъп" in n.subject and "26.11.2026 в 10:05 ч." in n.body  # Sofia time
    assert "hmac" not in n.body and "Ако не сте поискали нов код" in n.body


def test_the_citizen_is_told_the_term_stopped_and_then_its_new_end():
    from notifications.domain.messages import compose

    _, stopped = compose("Ж-1", "suspended", "Тема", dt.date(2026, 12, 29), "Чакаме становище.", "http://s", signed=SIGNED)
    assert "спряно" in stopped and "срокът за отговор не тече" in stopped
    subject, resumed = compose("Ж-1", "in_progress", "Тема", dt.date(2027, 1, 10), "Срок 20 календарни дни…",
                               "http://s", previous="suspended", signed=SIGNED)
    assert "възобновено" in subject and "Нов срок за отговор: 10.01.2027" in resumed and "Срок 20" in resumed
    _, plain = compose("Ж-1", "in_progress", "Тема", dt.date(2027, 1, 10), None, "http://s", previous="assigned", signed=SIGNED)
    assert "се разглежда" in plain


def test_an_smtp_refusal_leaves_no_address_in_the_logs_or_the_dead_letter(caplog):
    import logging
    import smtplib

    class Refusing:
        def send(self, n, contact):
            raise smtplib.SMTPRecipientsRefused({contact.email: (550, f"5.1.1 <{contact.email}>: unknown".encode())})

    repo = InMemoryNotificationRepository()
    d = Dispatcher(repo, {ContactChannel.EMAIL: Refusing()}, "http://x", max_attempts=1)
    d.on_document_registered(registered())
    d.on_status_changed(status_event())
    with caplog.at_level(logging.INFO):
        d.dispatch_due()
    assert "m@example.bg" not in caplog.text + repr([r.__dict__ for r in caplog.records])
    dead = repo.dead()[0]
    assert "m@example.bg" not in dead.last_error and "550" in dead.last_error and "<адрес>" in dead.last_error


def test_a_notification_whose_recipient_never_arrives_becomes_a_dead_letter(caplog):
    import logging

    now = [dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc)]
    repo = InMemoryNotificationRepository()
    d = Dispatcher(repo, {ContactChannel.EMAIL: FlakyChannel(0)}, "http://x", clock=lambda: now[0],
                   recipient_wait=dt.timedelta(hours=1))
    event = status_event()
    d.on_status_changed(event)  # its DocumentRegistered never comes
    with caplog.at_level(logging.INFO):
        for _ in range(40):
            d.dispatch_due()
            now[0] += dt.timedelta(minutes=2)
            if repo.dead():
                break
    n = repo.items[str(event.event_id)]
    assert n.status == "dead" and "DocumentRegistered" in n.last_error
    assert dt.timedelta(hours=1) <= now[0] - dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc) <= dt.timedelta(hours=1, minutes=4)
    assert [r.getMessage() for r in caplog.records].count("notification_waits_for_recipient") == 1
    assert "notification_dead_lettered" in [r.getMessage() for r in caplog.records]


def test_the_code_notice_shows_the_configured_zones_time_and_office():
    from delovod_proto.events import AccessCodeReissued

    repo = InMemoryNotificationRepository()
    d = _Dispatcher(repo, {ContactChannel.EMAIL: FlakyChannel(0)}, "http://x", tz="Europe/Lisbon", signed=SIGNED)
    body = AccessCodeReissued(case_index="ЖЛБ-1/25.11.2026", access_code_hash="hmac_sha256$k1$00$11", code_version=1,
                              reissued_at=dt.datetime(2026, 11, 26, 8, 5, tzinfo=dt.timezone.utc))
    event = Envelope.wrap(body, source="registry", correlation_id=body.case_index)
    assert d.on_access_code_reissued(event)
    n = repo.items[str(event.event_id)]
    assert "26.11.2026 в 08:05 ч." in n.body and n.body.endswith(SIGNED)  # Lisbon, not Sofia (10:05)


def test_the_consumer_sends_at_once_and_a_redelivery_sends_nothing():
    d, channel, _ = make()
    d.on_document_registered(registered())
    event = status_event()
    assert d.on_status_changed(event, send_now=True)
    assert channel.sent == [(str(event.event_id), "m@example.bg")] and not d.repo.leased
    assert not d.on_status_changed(event, send_now=True)
    assert d.dispatch_due() == 0 and len(channel.sent) == 1 and d.repo.items[str(event.event_id)].status == "sent"


def test_sent_at_once_it_still_waits_for_its_recipient_and_is_retried():
    d, channel, clock = make(failures=1)
    event = status_event()
    assert d.on_status_changed(event, send_now=True)  # its DocumentRegistered has not come yet
    assert channel.sent == [] and d.repo.items[str(event.event_id)].status == "pending" and not d.repo.leased
    d.on_document_registered(registered())
    clock.now += dt.timedelta(seconds=5)
    d.dispatch_due()  # the relay is down once: retried with backoff
    clock.now += dt.timedelta(seconds=5)
    d.dispatch_due()
    assert channel.sent == [(str(event.event_id), "m@example.bg")]
