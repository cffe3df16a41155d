"""Rules of a text message: how many parts it takes, and when it may be sent.

Parts are counted by smpplib's splitter (the maintained SMPP 3.4 library): GSM 03.38
7-bit when every character has a GSM code (160 in one part, 153 per part of a longer
one; ``€ [ ] { } | ~ ^ \\`` take two septets), UCS-2 otherwise (any Cyrillic letter:
70 in one part, 67 per part). Kannel splits by the same rules, so what we store is what
the operator bills.

Quiet hours (Client Charter: the citizen is not woken up): no SMS from 21:00 to 08:00 in
the administration's time zone (``DELOVOD_TIMEZONE``); such a message waits until 08:00.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from smpplib import consts as smpp_consts
from smpplib import gsm

QUIET_FROM, QUIET_UNTIL = dt.time(21, 0), dt.time(8, 0)


@dataclass(frozen=True)
class SmsParts:
    """How a text travels: ``unicode`` (UCS-2) or GSM 7-bit, in ``count`` parts."""

    count: int
    unicode: bool


def sms_parts(text: str) -> SmsParts:
    parts, encoding, _ = gsm.make_parts(text)
    return SmsParts(len(parts), encoding == smpp_consts.SMPP_ENCODING_ISO10646)


def quiet_until(now: dt.datetime, tz: str) -> dt.datetime | None:
    """None when an SMS may go now; else the next 08:00 local (as an aware UTC time)."""
    local = now.astimezone(ZoneInfo(tz))
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() + dt.timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=ZoneInfo(tz)).astimezone(dt.timezone.utc)
