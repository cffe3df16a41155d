"""The satisfaction survey (Client Charter: "we will ask every user about the quality of our
services"): a one-time link issued when a case closes, one answer per link.

A link's token is 256 random bits (``secrets``); only its SHA-256 is stored. A slow or keyed
hash protects guessable secrets such as passwords; a token this long cannot be guessed, so a
leaked database still yields no usable link. Links expire after :data:`VALID_DAYS`."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Optional

# 30 days: long enough for a citizen who reads the letter late (or on paper), short enough that
# the answer is about this case while it is remembered; the Charter's own horizon for answering
# complaints is also 30 days.
VALID_DAYS = 30
COMMENT_MAX = 1000
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32): 43 characters


class SurveyInputError(ValueError):
    """What the citizen typed cannot be taken (the message is Bulgarian, for the page)."""


class SurveyLinkError(LookupError):
    """The link cannot be answered; ``status`` is the HTTP status the page answers with."""

    status = 404


class MalformedLink(SurveyLinkError):
    status = 400


class UnknownLink(SurveyLinkError):
    status = 404


class UsedLink(SurveyLinkError):
    status = 410


class ExpiredLink(SurveyLinkError):
    status = 410


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def check_token(token: str) -> str:
    """The stored hash of a well-formed ``token``; :class:`MalformedLink` otherwise."""
    if not TOKEN_PATTERN.match(token or ""):
        raise MalformedLink("malformed survey token")
    return token_hash(token)


@dataclass(frozen=True)
class Answer:
    rating: int
    comment: Optional[str]
    reconsideration: bool
    answered_at: dt.datetime


@dataclass
class Survey:
    """One case's link: where it came from (the case's service and unit, for the results)
    and, once used, the answer."""

    token_hash: str
    case_index: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    service_code: Optional[str] = None
    unit: Optional[str] = None
    answer: Optional[Answer] = None

    def check_open(self, now: dt.datetime) -> None:
        if self.answer is not None:
            raise UsedLink("survey already answered")
        if now >= self.expires_at:
            raise ExpiredLink("survey link expired")


def issue(case_index: str, service_code: Optional[str], unit: Optional[str], now: dt.datetime,
          valid_days: int = VALID_DAYS) -> tuple[str, Survey]:
    """A new link's token (for the letter only) and the survey record (with its hash)."""
    token = new_token()
    return token, Survey(token_hash(token), case_index, now, now + dt.timedelta(days=valid_days), service_code, unit)


def _has_control(text: str) -> bool:
    """Control and format characters (Unicode Cc/Cf: NUL, escapes, bidi overrides), except
    the line breaks and tab a comment may have."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r\t" for ch in text)


def parse_answer(form, now: dt.datetime) -> Answer:
    """The citizen's answer from the form (``rating`` 1-5, ``comment``, ``reconsideration``);
    :class:`SurveyInputError` with what to correct."""
    rating = (form.get("rating") or "").strip()
    if rating not in {"1", "2", "3", "4", "5"}:
        raise SurveyInputError("Изберете оценка от 1 до 5.")
    comment = (form.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        raise SurveyInputError(f"Коментарът е по-дълъг от {COMMENT_MAX} знака. Съкратете го.")
    if _has_control(comment):
        raise SurveyInputError("Коментарът съдържа непозволени (управляващи) знаци. Изтрийте ги и опитайте отново.")
    wants = form.get("reconsideration") in ("yes", "on", "1")
    if wants and not comment:
        raise SurveyInputError("За да поискате преразглеждане, напишете в коментара защо.")
    return Answer(int(rating), comment or None, wants, now)


@dataclass(frozen=True)
class SummaryRow:
    """Answers of one group (a catalogue service or a unit)."""

    key: str
    count: int
    average: float
    reconsideration_share: float


def summarize(answers: Iterable[tuple[Optional[str], Answer]], none_key: str = "—") -> list[SummaryRow]:
    """Per group key: how many answered, the average rating (2 decimals) and the share asking
    reconsideration (0..1, 3 decimals); the most answered first, then by key."""
    groups: dict[str, list[Answer]] = {}
    for key, answer in answers:
        groups.setdefault(key or none_key, []).append(answer)
    rows = [SummaryRow(key, len(a), round(sum(x.rating for x in a) / len(a), 2),
                       round(sum(x.reconsideration for x in a) / len(a), 3)) for key, a in groups.items()]
    return sorted(rows, key=lambda r: (-r.count, r.key))
