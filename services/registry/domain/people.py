"""Validation of a sender's personal data: the personal number by its kind (ЕГН and ЛНЧ
with python-stdnum), phone and email by the shared rules of ``servicekit.contacts``.
Messages are Bulgarian and say what is wrong."""
from __future__ import annotations

import datetime as dt
import re

from stdnum import exceptions as number_errors
from stdnum.bg import egn, pnf

from delovod_proto.vocabulary import PersonalNumberKind  # noqa: F401  (the wire's word; re-exported)
from servicekit.contacts import email, phone  # noqa: F401  (a sender's phone and email: shared rules)


_EGN_ERRORS = {
    number_errors.InvalidFormat: "ЕГН трябва да съдържа само цифри.",
    number_errors.InvalidLength: "ЕГН трябва да е от 10 цифри.",
    number_errors.InvalidComponent: "ЕГН съдържа невалидна дата на раждане (първите шест цифри).",
    number_errors.InvalidChecksum: "Контролната цифра на ЕГН не съвпада: проверете номера за грешно изписана цифра.",
}
_LNCH_ERRORS = {
    number_errors.InvalidFormat: "ЛНЧ трябва да съдържа само цифри.",
    number_errors.InvalidLength: "ЛНЧ трябва да е от 10 цифри.",
    number_errors.InvalidChecksum: "Контролната цифра на ЛНЧ не съвпада: проверете номера за грешно изписана цифра.",
}
# A foreign document's number: Latin capital letters and digits, as in the machine-readable
# zone of passports and identity cards (ICAO Doc 9303), 5 to 20 of them (passport numbers
# are up to 9; some national identity cards are longer), at least one digit. Spaces and
# hyphens people write inside the number are dropped. No checksum: each state has its own.
_FOREIGN = re.compile(r"(?=.*\d)[A-Z0-9]{5,20}")


def personal_number(kind: PersonalNumberKind, value: str, today: dt.date) -> str:
    """The number, checked by its kind's rule and normalised; ValueError in Bulgarian.
    ``today`` is the administration's local date: a birth date after it is refused."""
    value = value.strip()
    if kind == PersonalNumberKind.EGN:
        number = _checked(egn, value, _EGN_ERRORS, "Невалиден ЕГН.")
        born = egn.get_birth_date(number)
        if born > today:
            raise ValueError(f"Датата на раждане в ЕГН ({born:%d.%m.%Y}) е в бъдещето: проверете номера.")
        return number
    if kind == PersonalNumberKind.LNCH:
        number = _checked(pnf, value, _LNCH_ERRORS, "Невалиден ЛНЧ.")
        if set(number) == {"0"}:  # passes the checksum, yet no one has it
            raise ValueError("ЛНЧ не може да е само нули.")
        return number
    number = re.sub(r"[\s-]", "", value).upper()
    if not _FOREIGN.fullmatch(number):
        raise ValueError("Номерът на чуждестранен документ трябва да е от 5 до 20 латински букви и цифри "
                         "(поне една цифра), както е в документа.")
    return number


def _checked(module, value: str, messages: dict, fallback: str) -> str:
    try:
        return module.validate(value)
    except number_errors.ValidationError as exc:
        raise ValueError(messages.get(type(exc), fallback)) from None


def mask_personal_number(value: str | None) -> str | None:
    """For clerks who need it: only the last two digits show."""
    return None if not value else "*" * (len(value) - 2) + value[-2:]
