"""Why a message failed, for dead letters and their log lines: the field and what is wrong
with it, never the value (an e-portal submission's email or phone is personal data, and a
dead letter outlives it). Built from pydantic's structured errors (``loc``/``type``/``msg``),
never from ``str(ValidationError)``, whose text quotes each ``input_value``.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from pydantic import ValidationError

from .messages_bg import translate

MAX_ERRORS = 20  # a dead letter names the first 20 wrong fields
MAX_MESSAGE = 300
MAX_FIELD = 200
MAX_REASON = 2000
REDACTED = "[…]"


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict]:
    """``[{"field", "message"}]`` of a pydantic error: the dotted location and the Bulgarian
    message a clerk would get (``messages_bg``), with the input cut out should a validator
    have quoted it."""
    out = []
    for err in exc.errors(include_url=False)[:MAX_ERRORS]:
        field = scrub(prefix + ".".join(str(p) for p in err["loc"]))  # a dict's keys come from the input
        message = _without(translate(err), err.get("input"))
        out.append({"field": field[:MAX_FIELD], "message": message[:MAX_MESSAGE]})
    return out


def _without(message: str, value: Any) -> str:
    """``message`` with every text in ``value`` (a string, or the strings of a dict or list
    a model-level validator got) replaced by a marker."""
    for text in sorted(set(_texts(value)), key=len, reverse=True):
        if len(text) >= 4:  # a short input would eat the message's own words; no email or phone is that short
            message = message.replace(text, REDACTED)
    return message


def _texts(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 5:
        return
    if isinstance(value, (str, bytes)):
        yield value.decode(errors="replace") if isinstance(value, bytes) else value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v, depth + 1)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _texts(v, depth + 1)


# Free text of an unexpected exception may quote anything. What looks like personal data goes:
# pydantic's ``input_value=...``, email addresses, and runs of digits long enough to be a
# phone or a civil number (ЕГН/ЛНЧ).
_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=|\]|$)", re.DOTALL)
_EMAIL = re.compile(r"[^\s@'\"<>()\[\],;:]+@[^\s@'\"<>()\[\],;:]+")
_NUMBER = re.compile(r"\+?\d(?:[\d .\-/]*\d){5,}")


def scrub(text: str) -> str:
    """``text`` without what may be personal data (see above)."""
    text = _INPUT_VALUE.sub("input_value=" + REDACTED, text)
    return _NUMBER.sub(REDACTED, _EMAIL.sub(REDACTED, text))


def describe(exc: BaseException) -> str:
    """An unexpected failure in one line for a dead letter or a log: its type and its
    scrubbed text (a validation error: its type and the wrong fields only)."""
    if isinstance(exc, ValidationError):
        return f"{type(exc).__name__}: " + "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
    return f"{type(exc).__name__}: {scrub(str(exc))}"[:MAX_MESSAGE * 2]
