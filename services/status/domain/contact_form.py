"""What a citizen types to change how they are told about their case: the channel (email or
SMS) and the one new address for it, checked by the shared rules (``servicekit.contacts``: a
valid email address; a Bulgarian mobile number, which an SMS can reach). One address per change,
because each is proven by a code sent to it. Messages are Bulgarian, for the page."""
from __future__ import annotations

import re

from servicekit import contacts

EMAIL_MAX, PHONE_MAX = 254, 30
FIELDS = {"email": "email", "sms": "phone"}
MISSING = {"email": "Въведете новия имейл адрес.", "sms": "Въведете новия мобилен телефон."}
CONFIRMATION_CODE = re.compile(r"\d{6}")


class ContactInputError(ValueError):
    """What the citizen typed cannot be taken (the message is Bulgarian, for the page)."""


def new_contact(form) -> tuple[str, str]:
    """(channel, normalised address) from the form's ``channel``, ``email`` and ``phone``."""
    channel = form.get("channel", "")
    if channel not in FIELDS:
        raise ContactInputError("Изберете как да ви уведомяваме: по имейл или с SMS.")
    typed = {name: form.get(name, "").strip() for name in FIELDS.values()}
    chosen = typed.pop(FIELDS[channel])
    if not chosen:
        raise ContactInputError(MISSING[channel])
    if any(typed.values()):
        raise ContactInputError("Въведете само един нов адрес: този за избрания начин. Всеки нов адрес се "
                                "потвърждава с код, изпратен на него; другия можете да промените след това.")
    if len(chosen) > (EMAIL_MAX if channel == "email" else PHONE_MAX):
        raise ContactInputError("Адресът е твърде дълъг.")
    try:
        return channel, contacts.email(chosen) if channel == "email" else contacts.mobile_phone(chosen)
    except ValueError as exc:
        raise ContactInputError(str(exc)) from None


def confirmation_code(form) -> str:
    code = form.get("confirmation", "").strip()
    if not CONFIRMATION_CODE.fullmatch(code):
        raise ContactInputError("Въведете 6-цифрения код, който получихте на новия адрес.")
    return code
