"""Notifications' side of a citizen's change of contact, with the in-memory adapters: the code
goes to the new address only and nothing changes until it comes back; a wrong code says how many
tries are left; an expired, used or replaced code starts again; once confirmed, letters go to the
new address, the old one is told, and the case's contact history says so (masked)."""
import datetime as dt
import re

import pytest

from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseStatusChanged
from delovod_proto.rpc import CaseNotFound, ContactChangeConfirmation, ContactChangeRequest
from delovod_proto.vocabulary import ContactChannel
from notifications.adapters.contact_changes import InMemoryContactChangeStore
from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.service_layer.contact_changes import ContactChanges
from tests.helpers import registered
from tests.unit.notifications.test_dispatcher import Clock, Dispatcher  # the clock starts at 11:00 in Sofia

CASE = "ЖЛБ-1/25.11.2026"
SECRET = b"s" * 32


class Outbox:
    """A channel that keeps what it was given: (notification id, address, subject, body)."""

    def __init__(self, field):
        self.field, self.sent = field, []

    def send(self, n, contact):
        self.sent.append((n.id, getattr(contact, self.field), n.subject, n.body))


def contact_world():
    """Notifications' service layer on in-memory adapters, the case registered, two channels that keep what they get."""
    clock, email, sms = Clock(), Outbox("email"), Outbox("phone")
    dispatcher = Dispatcher(InMemoryNotificationRepository(), {ContactChannel.EMAIL: email, ContactChannel.SMS: sms},
                            "http://status.example", clock=clock)
    dispatcher.on_document_registered(registered(CASE))
    changes = ContactChanges(InMemoryContactChangeStore(), dispatcher, SECRET, "Europe/Sofia", clock=clock)
    return changes, dispatcher, clock, email, sms


@pytest.fixture
def world():
    return contact_world()


def ask(changes, address="new@example.bg", channel="email"):
    return changes.start(ContactChangeRequest(case_index=CASE, channel=channel, address=address))


def typed(changes, code):
    return changes.confirm(ContactChangeConfirmation(case_index=CASE, code=code))


def code_in(subject):
    return re.search(r"\b(\d{6})\b", subject).group(1)


def letter(dispatcher, clock):
    body = CaseStatusChanged(case_index=CASE, stage="in_progress", changed_at=clock.now, subject="Осветление")
    dispatcher.on_status_changed(Envelope.wrap(body, source="status", correlation_id=CASE))
    dispatcher.dispatch_due()


def test_the_code_goes_to_the_new_address_only_and_nothing_changes_until_it_comes_back(world):
    changes, dispatcher, clock, email, _ = world
    started = ask(changes)
    assert (started.result, started.masked_address) == ("sent", "ne***@example.bg")
    assert started.expires_at == clock.now + dt.timedelta(minutes=15)
    dispatcher.dispatch_due()
    assert [to for _, to, _, _ in email.sent] == ["new@example.bg"]
    _, _, subject, body = email.sent[0]
    assert "Код за потвърждение" in subject and code_in(subject) in body and "11:15" in subject
    letter(dispatcher, clock)
    assert email.sent[-1][1] == "m@example.bg", "until confirmed, letters go to the old address"
    assert dispatcher.repo.recipient(CASE).email == "m@example.bg"


def test_confirmed_the_letters_go_to_the_new_address_the_old_is_told_and_the_history_says_so(world):
    changes, dispatcher, clock, email, _ = world
    ask(changes)
    dispatcher.dispatch_due()
    code = code_in(email.sent[0][2])
    outcome = typed(changes, code)
    assert (outcome.result, outcome.masked_address, outcome.channel) == ("confirmed", "ne***@example.bg", "email")
    dispatcher.dispatch_due()
    notice = email.sent[-1]
    assert notice[1] == "m@example.bg" and "данните за връзка са променени" in notice[2]
    assert "ne***@example.bg" in notice[3] and "new@example.bg" not in notice[3] and "000/000 000" in notice[3]
    letter(dispatcher, clock)
    assert email.sent[-1][1] == "new@example.bg"
    (changed,) = [a for a in dispatcher.history(CASE) if a.outcome == "contact_changed"]
    assert changed.summary("Europe/Sofia") == ("Данните за връзка са променени на 25.11.2026 в 11:00 ч.: "
                                               "нов имейл адрес ne***@example.bg")
    assert typed(changes, code).result == "used", "a code opens the change once"


def test_a_wrong_code_says_how_many_tries_are_left_then_locks(world):
    changes, dispatcher, _, email, _ = world
    ask(changes)
    dispatcher.dispatch_due()
    right = code_in(email.sent[0][2])
    wrong = f"{(int(right) + 1) % 10 ** 6:06d}"
    assert [(o.result, o.attempts_left) for o in (typed(changes, wrong) for _ in range(5))] == [
        ("wrong_code", 4), ("wrong_code", 3), ("wrong_code", 2), ("wrong_code", 1), ("locked", 0)]
    assert typed(changes, right).result == "locked", "no tries left: not even the right code"
    assert dispatcher.repo.recipient(CASE).email == "m@example.bg"


def test_an_expired_code_changes_nothing(world):
    changes, dispatcher, clock, email, _ = world
    ask(changes)
    dispatcher.dispatch_due()
    clock.now += dt.timedelta(minutes=15)
    assert typed(changes, code_in(email.sent[0][2])).result == "expired"
    assert dispatcher.repo.recipient(CASE).email == "m@example.bg"


def test_without_a_change_there_is_nothing_to_confirm(world):
    assert typed(world[0], "123456").result == "none"


def test_a_double_click_sends_nothing_twice_and_another_address_waits_a_minute(world):
    changes, dispatcher, clock, email, _ = world
    assert ask(changes).result == "sent"
    clock.now += dt.timedelta(seconds=20)
    assert ask(changes).result == "already_sent"
    too_soon = ask(changes, "other@example.bg")
    assert (too_soon.result, too_soon.retry_after_s) == ("too_soon", 40)
    dispatcher.dispatch_due()
    assert len(email.sent) == 1


def test_a_later_change_replaces_the_earlier_code(world):
    changes, dispatcher, clock, email, _ = world
    ask(changes)
    dispatcher.dispatch_due()
    first = code_in(email.sent[0][2])
    clock.now += dt.timedelta(minutes=2)
    ask(changes, "second@example.bg")
    dispatcher.dispatch_due()
    second = code_in(email.sent[-1][2])
    if first != second:
        assert typed(changes, first).result == "wrong_code"
    assert typed(changes, second).result == "confirmed"
    assert dispatcher.repo.recipient(CASE).email == "second@example.bg"


def test_an_sms_code_carries_the_code_in_what_an_sms_sends_and_at_night_waits_for_eight(world):
    changes, dispatcher, clock, _, sms = world
    clock.now = dt.datetime(2026, 11, 25, 20, 30, tzinfo=dt.timezone.utc)  # 22:30 in Sofia
    started = ask(changes, "+359888123456", "sms")
    assert started.sends_at == dt.datetime(2026, 11, 26, 6, tzinfo=dt.timezone.utc) and started.deferred
    dispatcher.dispatch_due()
    assert sms.sent == []
    clock.now = started.sends_at
    dispatcher.dispatch_due()
    ((_, to, subject, _),) = sms.sent
    assert to == "+359888123456" and "08:15" in subject
    assert typed(changes, code_in(subject)).result == "confirmed"
    contact = dispatcher.repo.recipient(CASE)
    assert (contact.phone, contact.preferred_channel, contact.email) == ("+359888123456", "sms", "m@example.bg")


def test_the_same_address_needs_no_code_and_an_unknown_case_is_refused(world):
    changes = world[0]
    assert ask(changes, "m@example.bg").result == "same_address"
    with pytest.raises(CaseNotFound):
        changes.start(ContactChangeRequest(case_index="ЖЛБ-9/25.11.2026", channel="email", address="x@example.bg"))


def test_a_failed_switch_releases_the_code_and_the_notice_still_goes_to_the_old_address(world):
    changes, dispatcher, _, email, _ = world
    ask(changes)
    dispatcher.dispatch_due()
    code = code_in(email.sent[0][2])
    repo, replace = dispatcher.repo, dispatcher.repo.replace_recipient

    def down(*_):
        raise ConnectionError("database down")
    repo.replace_recipient = down
    with pytest.raises(ConnectionError):
        typed(changes, code)
    repo.replace_recipient = replace
    assert typed(changes, code).result == "confirmed"
    dispatcher.dispatch_due()
    notices = [to for _, to, subject, _ in email.sent if "данните за връзка са променени" in subject]
    assert notices == ["m@example.bg"]
