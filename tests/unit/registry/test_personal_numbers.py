"""Item 6: each kind of personal number is checked by its own rule; no birth date in the future."""
import datetime as dt

import pytest
from pydantic import ValidationError

from registry.domain import people
from registry.domain.commands import Sender
from tests.helpers import command

VALID_EGN = ["7501020018", "0041010002", "6912319997", "8802291233"]  # check digits 8, 2, 7, 3
TODAY = dt.date(2026, 12, 2)


def typos(number: str) -> list[str]:
    return [number[:i] + d + number[i + 1:] for i in range(len(number)) for d in "0123456789" if d != number[i]]


def sender(number, kind):
    return {"name": "Мария Петрова", "personal_number": number, "personal_number_kind": kind,
            "email": "maria@example.bg"}


def refused(number, kind) -> str:
    with pytest.raises(ValidationError) as err:
        Sender.model_validate(sender(number, kind), context={"today": TODAY})
    return str(err.value)


def test_valid_egn_pass():
    for number in VALID_EGN:
        assert Sender.model_validate(sender(number, "egn"), context={"today": TODAY}).personal_number == number


def test_all_360_one_digit_typos_of_a_valid_egn_are_refused():
    wrong = [t for n in VALID_EGN for t in typos(n)]
    assert len(wrong) == 360
    passed = []
    for number in wrong:
        try:
            people.personal_number(people.PersonalNumberKind.EGN, number, TODAY)
            passed.append(number)
        except ValueError:
            pass
    assert passed == []


def test_zeros_and_future_birth_dates_are_refused_as_egn():
    assert "дата на раждане" in refused("0000000000", "egn")
    for number, born in (("2741010001", "01.01.2027"), ("9945120007", "12.05.2099")):
        assert f"Датата на раждане в ЕГН ({born}) е в бъдещето" in refused(number, "egn")


def test_a_birth_date_of_today_is_accepted_and_tomorrow_is_not():
    assert people.personal_number(people.PersonalNumberKind.EGN, "6912319997", dt.date(1969, 12, 31))
    with pytest.raises(ValueError, match="бъдещето"):
        people.personal_number(people.PersonalNumberKind.EGN, "6912319997", dt.date(1969, 12, 30))


def test_egn_messages_say_what_is_wrong():
    assert "контролната цифра" in refused("7501020019", "egn").lower()
    assert "10 цифри" in refused("750102001", "egn")
    assert "само цифри" in refused("75010200AB", "egn")


def test_lnch_is_checked_by_its_own_rule():
    assert Sender.model_validate(sender("1000000001", "lnch")).personal_number == "1000000001"
    assert "ЛНЧ" in refused("1000000002", "lnch")
    assert "ЛНЧ" in refused("0000000000", "lnch")
    assert "ЛНЧ" in refused("7501020018", "lnch")  # a valid ЕГН is not a ЛНЧ
    lnch_typos = [t for t in typos("1000000001")]
    assert all(_refused_as(people.PersonalNumberKind.LNCH, t) for t in lnch_typos)


def test_a_valid_lnch_is_not_accepted_as_egn():
    assert "ЕГН" in refused("1000000001", "egn")


def _refused_as(kind, number) -> bool:
    try:
        people.personal_number(kind, number, TODAY)
        return False
    except ValueError:
        return True


@pytest.mark.parametrize("number,expected", [("AB 123-4567", "AB1234567"), ("p1234567", "P1234567"),
                                             ("X12345678901234567", "X12345678901234567")])
def test_a_foreign_document_number_is_letters_and_digits(number, expected):
    assert Sender.model_validate(sender(number, "foreign_document")).personal_number == expected


@pytest.mark.parametrize("number", ["1234", "ABCDEFG", "AB/12345", "ПА123456", "A" * 19 + "12"])
def test_a_malformed_foreign_document_number_is_refused(number):
    assert "чуждестранен документ" in refused(number, "foreign_document")


def test_the_kind_must_be_given_with_the_number_and_only_with_it():
    assert "вида на номера" in refused("7501020018", None)
    with pytest.raises(ValidationError) as err:
        Sender.model_validate({"name": "Мария Петрова", "personal_number_kind": "egn", "email": "m@example.bg"})
    assert "номерът" in str(err.value)


def test_a_stored_sender_without_the_kind_stays_readable():
    """Registrations made before the kind existed are read back as stored (a ЛНЧ too)."""
    stored = command(sender={"name": "John Smith", "personal_number": "1000000001", "email": "j@example.bg",
                             "personal_number_kind": "lnch"}).model_dump(mode="json")
    del stored["sender"]["personal_number_kind"]
    again = type(command()).model_validate(stored, context={"stored": True})
    assert again.sender.personal_number == "1000000001" and again.sender.personal_number_kind is None
