"""Structured logs: stable snake_case event names with key/value context, one JSON per line."""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                   "level": record.levelname, "logger": record.name,
                   "event": record.getMessage()}
        payload.update(getattr(record, "ctx", {}))
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


# A citizen's access code travels as ``code=`` in the query of the status lookup and of the
# receipt; the web server's access log writes whole request lines.
_CODE_IN_QUERY = re.compile(r"([?&]code=)[^&\s\"]*")


class RedactAccessCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "code=" in message:
            record.msg, record.args = _CODE_IN_QUERY.sub(r"\1[redacted]", message), None
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
