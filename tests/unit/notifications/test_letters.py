"""Item 9: a letter addresses its one reader by name, or neutrally; never "Уважаеми граждани"."""
import datetime as dt

import pytest

from delovod_proto.events import Contact
from delovod_proto.vocabulary import CaseStage
from notifications.domain.messages import compose, compose_code_notice, greeting, signature

SIGNED = signature("Община Тест", "000/000 000", "office@example.bg")
from tests.unit.notifications.test_dispatcher import make, status_event
from tests.helpers import registered


def contact(name):
    return Contact(name=name, preferred_channel="email", email="x@example.bg")


@pytest.mark.parametrize("recipient,line", [
    (contact("Мария Иванова"), "Здравейте, Мария Иванова,"),
    (contact("Петър Иванов Петров"), "Здравейте, Петър Иванов Петров,"),
    (contact("  Мария   Иванова "), "Здравейте, Мария Иванова,"),
    (None, "Здравейте,"),
])
def test_the_greeting_names_the_reader_or_is_neutral(recipient, line):
    assert greeting(recipient) == line
    _, body = compose("ЖЛБ-1/25.11.2026", CaseStage.REGISTERED, "Осветление", dt.date(2026, 12, 29), None,
                      "http://x", recipient=recipient, signed=SIGNED)
    assert body.startswith(line + "\n\n") and "граждани" not in body
    _, notice = compose_code_notice("ЖЛБ-1/25.11.2026", dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc),
                                    "Europe/Sofia", recipient=recipient, signed=SIGNED)
    assert notice.startswith(line + "\n\n") and "граждани" not in notice


def test_a_letter_queued_after_the_registration_addresses_its_sender():
    d, channel, _ = make()
    d.on_document_registered(registered())  # sender "Мария"
    event = status_event()
    d.on_status_changed(event)
    assert d.repo.items[str(event.event_id)].body.startswith("Здравейте, Мария,\n\n")



def test_a_letter_queued_before_its_recipient_was_known_is_sent_addressed():
    d, channel, clock = make()
    event = status_event()
    d.on_status_changed(event)  # the registration event comes later: no name yet
    assert d.repo.items[str(event.event_id)].body.startswith("Здравейте,\n\n")
    d.on_document_registered(registered())
    clock.now += dt.timedelta(seconds=5)
    d.dispatch_due()
    assert channel.sent and d.repo.items[str(event.event_id)].body.startswith("Здравейте, Мария,\n\n")


def test_the_code_notice_is_in_the_administrations_zone_and_signed_by_its_office():
    at = dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc)
    _, notice = compose_code_notice("ЖЛБ-1/25.11.2026", at, "Europe/Lisbon", signed=SIGNED)
    assert "25.11.2026 в 09:00 ч." in notice  # Lisbon is UTC in winter; Sofia would say 11:00
    assert notice.endswith("Община Тест\nтел. 000/000 000, office@example.bg\n") and "Пловдив" not in notice
