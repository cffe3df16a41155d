"""The form an operator adds a row of the registry's calendar exceptions with (a decreed day
off, a working Saturday), and the names of the rows' kinds. The registry decides what a valid
table is (one row per date, a reason of 3 to 300 characters); the desk checks only what it can
tell from the form, keeps the text as typed, and puts the registry's errors on the fields."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from .intake import FieldError

KINDS = {"day_off": "Допълнителен почивен ден", "working_day": "Работна събота"}
FIELDS = ("exception_date", "exception_kind", "exception_reason")  # the form's order (the error summary's)
NOT_A_DATE = "Въведете дата във вида ДД.ММ.ГГГГ (напр. 19.12.2026)."
NO_KIND = "Изберете вид: допълнителен почивен ден или работна събота."
NO_REASON = "Въведете основанието: номер и дата на решението (поне 3 знака)."
TOO_LONG = "Основанието е до 300 знака."
_BG_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_WIRE_FIELDS = {"date": "exception_date", "kind": "exception_kind", "reason": "exception_reason"}


def parse_date(text: str) -> Optional[dt.date]:
    """A date as typed (ДД.ММ.ГГГГ) or as a date field sends it (ГГГГ-ММ-ДД); None if it is neither."""
    try:
        found = _BG_DATE.fullmatch(text)
        return dt.date(int(found[3]), int(found[2]), int(found[1])) if found else dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class ExceptionForm:
    values: dict

    @classmethod
    def from_form(cls, form: Mapping) -> "ExceptionForm":
        return cls({name: (form.get(name) or "").strip() for name in FIELDS})

    def errors(self) -> list[FieldError]:
        found = []
        if parse_date(self.values["exception_date"]) is None:
            found.append(FieldError("exception_date", NOT_A_DATE))
        if self.values["exception_kind"] not in KINDS:
            found.append(FieldError("exception_kind", NO_KIND))
        if len(self.values["exception_reason"]) < 3:
            found.append(FieldError("exception_reason", NO_REASON))
        elif len(self.values["exception_reason"]) > 300:
            found.append(FieldError("exception_reason", TOO_LONG))
        return found

    def row(self) -> dict:
        """The row for the registry (the form has no errors)."""
        return {"date": parse_date(self.values["exception_date"]).isoformat(), "kind": self.values["exception_kind"],
                "reason": self.values["exception_reason"]}


def registry_errors(errors: list[dict]) -> list[FieldError]:
    """The registry's errors (``exceptions.3.reason``; ``exceptions`` for the table's own rule,
    a repeated date) on the form's fields, the first per field, in the form's order."""
    first: dict[str, str] = {}
    for err in errors:
        last = str(err.get("field", "")).rsplit(".", 1)[-1]
        first.setdefault(_WIRE_FIELDS.get(last, "exception_date"), str(err.get("message", "")))
    return [FieldError(f, first[f]) for f in FIELDS if f in first]
