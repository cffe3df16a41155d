"""The envelope sender of each email names its notification (VERP: variable envelope return
path), so a bounce is matched by the address it was sent to, never by trusting its body:
``bounces+<notification id>.<tag>@<bounce domain>``.

The tag is an HMAC of the id (the service's key, 10 base32 characters, 50 bits): a bounce
address cannot be made up for a notification someone saw the id of (Message-ID headers,
logs, URLs). What it does not stop: the address is the Return-Path of every delivered email,
so its recipient (or whoever sees the full headers) can send a bounce to it; that is bounded
by the reopening days (service_layer/bounces.py), after which a bounce resends nothing. Lower case
only: some MTAs fold the case of local parts. The local part stays within RFC 5321's 64
characters for every id we make (UUIDs: 8 + 36 + 1 + 10 = 55).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Optional

TAG_CHARS = 10


@dataclass(frozen=True)
class Verp:
    """``local_part`` and ``domain`` of the bounce address; ``secret`` signs the ids."""

    local_part: str
    domain: str
    secret: bytes

    def tag(self, notification_id: str) -> str:
        digest = hmac.new(self.secret, f"bounce:{notification_id}".encode(), hashlib.sha256).digest()
        return base64.b32encode(digest).decode().lower()[:TAG_CHARS]

    def address(self, notification_id: str) -> str:
        """The envelope sender (MAIL FROM) of the notification's email."""
        return f"{self.local_part}+{notification_id}.{self.tag(notification_id)}@{self.domain}"

    def notification_of(self, recipient: str) -> tuple[Optional[str], str]:
        """The notification a bounce sent to ``recipient`` is about, and why not when None:
        ``not a bounce address``, ``bad signature``."""
        local, _, domain = recipient.strip().strip("<>").rpartition("@")
        base, plus, rest = local.partition("+")
        if not plus or base.lower() != self.local_part.lower() or domain.lower() != self.domain.lower():
            return None, "not a bounce address"
        notification_id, dot, tag = rest.lower().rpartition(".")  # our ids are lower case
        if not dot or not notification_id:
            return None, "not a bounce address"
        if not hmac.compare_digest(self.tag(notification_id), tag):
            return None, "bad signature"
        return notification_id, ""
