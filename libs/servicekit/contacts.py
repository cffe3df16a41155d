"""A person's email address and phone number: checked and normalised (email-validator,
phonenumbers), and masked for logs and pages ("iv***@example.bg", "+35988*****67"). Messages
are Bulgarian and say what is wrong. Used by the registry (a sender's data) and by the
citizen's change of contact (status checks it, notifications masks it)."""
from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _parsed(value: str) -> phonenumbers.PhoneNumber:
    try:
        parsed = phonenumbers.parse(value, "BG")
    except phonenumbers.NumberParseException:
        raise ValueError("Невалиден телефонен номер.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("Невалиден телефонен номер.")
    return parsed


def _e164(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone(value: str) -> str:
    """Any valid number (Bulgarian when written without a country code), in E.164."""
    return _e164(_parsed(value))


def mobile_phone(value: str) -> str:
    """A Bulgarian mobile number (one an SMS can reach), in E.164: "0888 123 456" → "+359888123456"."""
    parsed = _parsed(value)
    if phonenumbers.region_code_for_number(parsed) != "BG":
        raise ValueError("Въведете български мобилен номер (например 0888 123 456).")
    if phonenumbers.number_type(parsed) not in MOBILE_TYPES:
        raise ValueError("Номерът не е мобилен: SMS може да се изпрати само на мобилен номер (например 0888 123 456).")
    return _e164(parsed)


def email(value: str) -> str:
    """The address, normalised (the domain in lower case and IDNA-decoded), without asking DNS."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("Невалиден адрес на електронна поща.") from None


def mask_email(address: str) -> str:
    """The first two characters of the mailbox and the whole domain: enough for its owner to
    recognise it, too little to write to."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:2]}***@{domain}" if len(local) > 2 else f"{local[:1]}***@{domain}"


def mask_phone(number: str) -> str:
    """The country and operator prefix and the last two digits: "+359888123456" → "+35988*****56"."""
    digits = len(number)
    return number[:6] + "*" * max(digits - 8, 3) + number[-2:] if digits > 8 else "***"


def masked(address: str) -> str:
    """Either kind of address, masked."""
    return mask_email(address) if "@" in address else mask_phone(address)
