"""nameko logs a failed worker's exception text itself ("error handling worker ...: <text>"),
so a pydantic error raised in an RPC or a consumer wrote the citizen's input into the log
(an outside review found an access code in status.log). The formatter keeps it out."""
import json
import logging
import sys

from pydantic import BaseModel, EmailStr, ValidationError

from servicekit.logs import JsonFormatter


class Contact(BaseModel):
    email: EmailStr
    code: str

    @classmethod
    def check(cls, **kw):
        return cls.model_validate(kw)


def test_neither_the_message_nor_the_traceback_keeps_the_citizens_input():
    given = {"email": "petya.koleva@", "code": 12345678}  # not on the line the traceback quotes
    try:
        Contact.check(**given)
    except ValidationError as exc:
        record = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1,
                                   "error handling worker <status.lookup>: %s", (exc,), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "petya.koleva" not in line and "12345678" not in line
    payload = json.loads(line)
    assert "input_value=[…]" in payload["event"] and "ValidationError" in payload["exc"]


def test_an_email_in_a_plain_message_is_redacted_and_an_index_stays():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "sent ЖЛБ-12/02.12.2026 to maria@example.bg", (), None)
    event = json.loads(JsonFormatter().format(record))["event"]
    assert "maria@example.bg" not in event and "ЖЛБ-12/02.12.2026" in event
