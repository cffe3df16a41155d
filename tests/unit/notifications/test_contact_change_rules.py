"""The rules of a contact change's code: 6 digits, stored only as a keyed hash, valid 15 minutes
from when it goes out (an SMS asked for at night goes at 08:00), the new address alone as its
recipient, and the shared checks and masks of addresses."""
import datetime as dt

import pytest

from delovod_proto.events import Contact
from delovod_proto.vocabulary import ContactChannel, Salutation
from notifications.domain import contact_change as rules
from servicekit import contacts

UTC = dt.timezone.utc
SECRET = b"k" * 32
DAY = dt.datetime(2026, 12, 2, 10, 0, tzinfo=UTC)      # 12:00 in Sofia
NIGHT = dt.datetime(2026, 12, 2, 21, 30, tzinfo=UTC)   # 23:30 in Sofia
OLD = Contact(name="Мария Петрова", preferred_channel="email", email="m@example.bg", phone="+359888000111",
              salutation=Salutation.MS)


def start(channel=ContactChannel.EMAIL, address="new@example.bg", now=DAY):
    return rules.start("ЖЛБ-1/02.12.2026", channel, address, now, SECRET, "Europe/Sofia")


def test_a_code_is_six_digits_from_secrets_and_only_its_keyed_hash_is_kept():
    codes = {rules.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150
    change, code = start()
    assert code not in repr(change) and len(change.code_hash) == 64
    assert change.opened_by(SECRET, code)
    assert not change.opened_by(SECRET, f"{(int(code) + 1) % 10 ** 6:06d}")
    assert not change.opened_by(b"another key of 32 bytes ........", code), "without the key nothing is checked"


def test_the_same_code_hashes_differently_for_another_change():
    assert rules.code_hash(SECRET, "a", "123456") != rules.code_hash(SECRET, "b", "123456")


def test_an_email_code_is_valid_fifteen_minutes_from_now():
    change, _ = start()
    assert change.sends_at == DAY and change.expires_at == DAY + dt.timedelta(minutes=15)
    assert not change.expired(DAY + dt.timedelta(minutes=14, seconds=59))
    assert change.expired(DAY + dt.timedelta(minutes=15))


def test_an_sms_asked_for_in_quiet_hours_goes_at_eight_and_counts_from_then():
    change, _ = start(ContactChannel.SMS, "+359888123456", NIGHT)
    eight = dt.datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # 08:00 in Sofia
    assert change.sends_at == eight and change.expires_at == eight + dt.timedelta(minutes=15)
    assert not change.expired(eight + dt.timedelta(minutes=10)) and change.deferred()


def test_an_email_is_not_held_by_quiet_hours():
    change, _ = start(now=NIGHT)
    assert change.sends_at == NIGHT and not change.deferred()


def test_the_code_goes_to_the_new_address_alone_and_the_change_keeps_the_other_addresses():
    change, _ = start(ContactChannel.SMS, "+359888123456")
    to = change.code_contact(OLD)
    assert (to.phone, to.email, to.postal_address, to.preferred_channel) == ("+359888123456", None, None, "sms")
    assert to.salutation == Salutation.MS and to.name == OLD.name
    after = change.contact(OLD)
    assert (after.phone, after.email, after.preferred_channel) == ("+359888123456", "m@example.bg", "sms")


def test_a_new_request_within_a_minute_is_recent():
    change, _ = start()
    assert change.recent(DAY + dt.timedelta(seconds=59)) and not change.recent(DAY + dt.timedelta(seconds=60))
    assert change.wait_s(DAY + dt.timedelta(seconds=30)) == 30 and change.wait_s(DAY) == 60


@pytest.mark.parametrize("typed, expected", [("0888 123 456", "+359888123456"), ("+359 89 912 3456", "+359899123456"),
                                             ("00359 87 765 4321", "+359877654321")])
def test_bulgarian_mobile_numbers_are_normalised(typed, expected):
    assert contacts.mobile_phone(typed) == expected


@pytest.mark.parametrize("typed, words", [("032 123 456", "не е мобилен"), ("+44 7911 123456", "български"),
                                          ("12", "Невалиден"), ("абв", "Невалиден")])
def test_other_numbers_are_refused_in_bulgarian(typed, words):
    with pytest.raises(ValueError, match=words):
        contacts.mobile_phone(typed)


def test_emails_are_checked_and_masked():
    assert contacts.email(" Ivan.P@Example.BG ") == "Ivan.P@example.bg"
    with pytest.raises(ValueError, match="Невалиден адрес"):
        contacts.email("ivan@")
    assert contacts.masked("ivan.p@example.bg") == "iv***@example.bg"
    assert contacts.masked("ab@example.bg") == "a***@example.bg"
    assert contacts.masked("+359888123456") == "+35988*****56"
