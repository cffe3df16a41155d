"""The proof of each try to reach the citizen: which channel, when, and what came of it.
A case's history shows them in the citizen's words ("SMS съобщение: доставено на
02.12.2026 в 14:02 ч.")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from delovod_proto.events import Contact
from delovod_proto.vocabulary import ContactChannel

# handed: accepted by the SMS gateway, its delivery report is awaited; sent: accepted by the
# mail relay / put in the post room's queue (no report follows); delivered / failed / expired:
# the operator's delivery report; refused: the address refused for good (the next channel is
# tried); error: a passing failure (retried); deferred: quiet hours; ignored: a report that
# changed nothing (late or repeated); contact_changed: the citizen confirmed a new address for
# the channel (its detail is the address, masked); bounced / delayed: a delivery status
# notification came back for an email (domain.dsn; its detail starts with the status code).
OUTCOMES = ("handed", "sent", "delivered", "failed", "expired", "refused", "error", "deferred", "ignored",
            "contact_changed", "bounced", "delayed")
FINAL_FAILURES = ("failed", "expired", "refused", "bounced")

CHANNEL_LABEL = {"sms": "SMS съобщение", "email": "Имейл", "post": "Писмо по пощата"}
OUTCOME_LABEL = {
    "handed": "предадено на мобилния оператор", "sent": "изпратено", "delivered": "доставено",
    "failed": "недоставено", "expired": "недоставено (изтекла валидност)", "refused": "адресът е отказан",
    "error": "неуспешен опит, ще бъде повторен", "deferred": "отложено до 08:00 ч. (не изпращаме SMS нощем)",
    "ignored": "късен или повторен отчет, без промяна",
}
NEW_ADDRESS_LABEL = {"sms": "нов мобилен телефон", "email": "нов имейл адрес"}


@dataclass(frozen=True)
class Attempt:
    notification_id: str
    case_index: str
    channel: str
    outcome: str
    at: dt.datetime
    detail: Optional[str] = None     # why (no contact data), or the operator's message id
    segments: Optional[int] = None   # SMS parts billed

    def summary(self, tz: str) -> str:
        """One line of the case history, in the administration's time zone."""
        local = self.at.astimezone(ZoneInfo(tz))
        if self.outcome == "contact_changed":
            return (f"Данните за връзка са променени на {local:%d.%m.%Y} в {local:%H:%M} ч.: "
                    f"{NEW_ADDRESS_LABEL.get(self.channel, self.channel)} {self.detail or ''}".rstrip())
        if self.outcome in BOUNCE_LABEL:
            return bounce_summary(BOUNCE_LABEL[self.outcome], self.detail, local)
        return (f"{CHANNEL_LABEL.get(self.channel, self.channel)}: {OUTCOME_LABEL.get(self.outcome, self.outcome)}"
                f" на {local:%d.%m.%Y} в {local:%H:%M} ч.")


BOUNCE_LABEL = {"bounced": "Имейлът е върнат", "delayed": "Имейлът се бави"}


def bounce_summary(label: str, detail: Optional[str], local: dt.datetime) -> str:
    """"Имейлът е върнат: 5.1.1, няма такава пощенска кутия (03.12.2026 в 14:05 ч.)"."""
    from .dsn import STATUS, meaning

    code = (detail or "").split(" ", 1)[0]
    delayed = label == BOUNCE_LABEL["delayed"]
    # a delay's 4.4.7 means "not delivered yet", not the "time ran out" of a failure with it
    said = "доставката още не е успяла" if delayed and code.endswith(".4.7") else meaning(code)
    why = f"{code}, {said}" if STATUS.fullmatch(code) else "причината не е посочена"
    later = "; пощенските сървъри продължават опитите" if delayed else ""
    return f"{label}: {why}{later} ({local:%d.%m.%Y} в {local:%H:%M} ч.)"


FALLBACK_ORDER = (ContactChannel.EMAIL, ContactChannel.SMS, ContactChannel.POST)
ADDRESS = {ContactChannel.EMAIL: "email", ContactChannel.SMS: "phone", ContactChannel.POST: "postal_address"}


def channels_allowed(contact: Contact) -> list[ContactChannel]:
    """The channels the person gave us an address for, their chosen one first, then email,
    SMS, post (fastest and cheapest first). Giving an address is consent to be told there."""
    chosen = ContactChannel(contact.preferred_channel)
    order = [chosen] + [c for c in FALLBACK_ORDER if c != chosen]
    return [c for c in order if c in ADDRESS and getattr(contact, ADDRESS[c])]
