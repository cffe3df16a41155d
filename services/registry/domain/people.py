"""Validation of a sender's personal data: ЕГН/ЛНЧ (python-stdnum), phone (phonenumbers,
normalised to E.164), email (email-validator). Messages are Bulgarian."""
from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.bg import egn, pnf
from stdnum.exceptions import ValidationError as NumberInvalid


def personal_number(value: str) -> str:
    value = value.strip()
    for module in (egn, pnf):
        try:
            return module.validate(value)
        except NumberInvalid:
            continue
    raise ValueError("Невалиден ЕГН/ЛНЧ (контролната цифра или датата не съвпадат).")


def phone(value: str) -> str:
    try:
        parsed = phonenumbers.parse(value, "BG")
    except phonenumbers.NumberParseException:
        raise ValueError("Невалиден телефонен номер.")
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("Невалиден телефонен номер.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("Невалиден адрес на електронна поща.")


def mask_personal_number(value: str | None) -> str | None:
    """For clerks who need it: only the last two digits show."""
    return None if not value else "*" * (len(value) - 2) + value[-2:]
