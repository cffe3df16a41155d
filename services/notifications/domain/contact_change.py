"""A citizen's change of contact: a new email address or mobile phone is used only after the
citizen types back a code sent to it.

The code has 6 digits from ``secrets`` and is stored only as a keyed hash (HMAC-SHA256 under
the service's secret, salted by the change's id): 10^6 codes are too few for a plain or slow
hash to protect, while without the key nothing can be checked at all (as the access code,
``delovod_proto.access_code``). It is valid :data:`VALID` from the moment it goes out (an SMS
asked for in quiet hours goes at 08:00, and counts from then), may be tried
:data:`MAX_ATTEMPTS` times, and opens the change once."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
import uuid
from dataclasses import dataclass

from delovod_proto.events import Contact
from delovod_proto.vocabulary import ContactChannel

from .sms import quiet_until

VALID = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(minutes=1)  # no new code for a case sooner (a double click sends nothing twice)
FIELD = {ContactChannel.EMAIL: "email", ContactChannel.SMS: "phone"}


def new_code() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


def code_hash(secret: bytes, change_id: str, code: str) -> str:
    return hmac.new(secret, f"contact-code:{change_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PendingChange:
    """The case's change waiting for its code (one per case: a new one replaces it)."""

    change_id: str
    case_index: str
    channel: ContactChannel
    address: str
    code_hash: str
    requested_at: dt.datetime
    sends_at: dt.datetime
    expires_at: dt.datetime
    max_attempts: int = MAX_ATTEMPTS

    def same_address(self, channel: ContactChannel, address: str) -> bool:
        return self.channel == channel and self.address == address

    def recent(self, now: dt.datetime) -> bool:
        return now - self.requested_at < RESEND_AFTER

    def wait_s(self, now: dt.datetime) -> int:
        return max(1, math.ceil((self.requested_at + RESEND_AFTER - now).total_seconds()))

    def deferred(self) -> bool:
        """Held back by quiet hours (an SMS asked for at night)."""
        return self.sends_at > self.requested_at

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    def opened_by(self, secret: bytes, code: str) -> bool:
        return hmac.compare_digest(code_hash(secret, self.change_id, code), self.code_hash)

    def contact(self, old: Contact) -> Contact:
        """The case's contact once confirmed: the new address, its channel preferred; the other
        addresses stay (the next channel when this one fails)."""
        return old.model_copy(update={FIELD[self.channel]: self.address, "preferred_channel": self.channel})

    def code_contact(self, old: Contact) -> Contact:
        """Whom the code goes to: the new address alone (no fallback to the old ones)."""
        return Contact(name=old.name, salutation=old.salutation, preferred_channel=self.channel,
                       **{FIELD[self.channel]: self.address})


def already_there(old: Contact, channel: ContactChannel, address: str) -> bool:
    return old.preferred_channel == channel and getattr(old, FIELD[channel]) == address


def start(case_index: str, channel: ContactChannel, address: str, now: dt.datetime, secret: bytes,
          tz: str) -> tuple[PendingChange, str]:
    """A new change and its code (the code only here, to be sent: never stored)."""
    change_id = uuid.uuid4().hex
    code = new_code()
    sends_at = (quiet_until(now, tz) or now) if channel == ContactChannel.SMS else now
    return PendingChange(change_id, case_index, channel, address, code_hash(secret, change_id, code), now, sends_at,
                         sends_at + VALID), code

