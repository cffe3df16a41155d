"""Structured logs: stable snake_case event names with key/value context, one JSON per line."""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone


def _private_out(text: str) -> str:
    """Log text without what a library echoes of a citizen's input: pydantic's
    ``input_value=...`` (an email, a phone, an access code) and e-mail addresses. nameko logs
    every failed worker's exception text itself, so this runs on every record; longer digit
    runs stay (indexes, times and ports are what operators read)."""
    from .reasons import _EMAIL, _INPUT_VALUE, REDACTED

    return _EMAIL.sub(REDACTED, _INPUT_VALUE.sub("input_value=" + REDACTED, text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                   "level": record.levelname, "logger": record.name,
                   "event": _private_out(record.getMessage())}
        payload.update(getattr(record, "ctx", {}))
        if record.exc_info:
            payload["exc"] = _private_out(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


# A citizen's access code travels as ``code=`` in the query of the status lookup and of the
# receipt; the web server's access log writes whole request lines.
_CODE_IN_QUERY = re.compile(r"([?&]code=)[^&\s\"]*")
# A survey link's one-time token travels in the path (status's /survey/<token>).
_SURVEY_TOKEN = re.compile(r"(/survey/)[^/?\s\"]+")


def redacted(text: str) -> str:
    """``text`` (a request line or path) without access codes and survey tokens."""
    if "code=" in text:
        text = _CODE_IN_QUERY.sub(r"\1[redacted]", text)
    if "/survey/" in text:
        text = _SURVEY_TOKEN.sub(r"\1[redacted]", text)
    return text


class RedactAccessCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "code=" in message or "/survey/" in message:
            record.msg, record.args = redacted(message), None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactAccessCodes())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "kazoo", "urllib3", "pymongo", "amqp", "kombu"):
        logging.getLogger(noisy).setLevel("WARNING")


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **ctx) -> None:
    """Log a stable event name with context, e.g. ``event(log, "document_registered", index=...)``."""
    logger.log(level, name, extra={"ctx": ctx})
