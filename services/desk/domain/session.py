"""A browser's session with the desk: anonymous (only a CSRF token, for the sign-in form) or
signed in (the person), idle-limited."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Optional

from .people import Person


def new_secret() -> str:
    """256 random bits, URL-safe: a session id or a CSRF token."""
    return secrets.token_urlsafe(32)


def storage_key(session_id: str) -> str:
    """The key a session is stored under: a hash, so the store never holds a usable cookie."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


@dataclass
class Session:
    id: str  # the cookie's value; stored only as storage_key(id)
    csrf: str
    last_seen: dt.datetime
    person: Optional[Person] = None
    # What the next page shows once, then forgets (the access code of the last registration).
    once: dict = field(default_factory=dict)

    @classmethod
    def start(cls, now: dt.datetime, person: Optional[Person] = None) -> "Session":
        return cls(new_secret(), new_secret(), now, person)

    def idle_out(self, now: dt.datetime, idle: dt.timedelta) -> bool:
        return now - self.last_seen > idle

    def csrf_matches(self, token: Optional[str]) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), token.encode("utf-8", "replace"))
