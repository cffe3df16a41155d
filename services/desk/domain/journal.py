"""The journal page's filter form and its CSV export. The filter is the registry's (it decides
what matches); the desk checks only that the dates are dates and sends the rest as typed."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from . import labels
from .intake import FieldError, is_date

FIELDS = ("from", "to", "register", "kind", "channel", "q", "stage", "overdue")
REGISTRY_FIELDS = ("from", "to", "register", "kind", "channel", "q")  # the rest are status's: the desk filters by them
# Where a registry error about a query parameter is shown on the form.
_FROM_REGISTRY = {"from": "from", "to": "to", "register": "register", "kind": "kind", "channel": "channel", "q": "q"}
NOT_A_DATE = "Въведете дата (ГГГГ-ММ-ДД)."
CSV_COLUMNS = ("Индекс", "Дата и час", "Вид", "Начин на получаване", "Подател", "ЕГН/ЛНЧ (скрит)", "Относно",
               "Срок", "Регистрирал", "Етап", "Дни след срока")
NO_STAGE = "Изберете етап от списъка."


@dataclass
class JournalForm:
    values: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Mapping, today: dt.date) -> "JournalForm":
        values = {name: (args.get(name) or "").strip() for name in FIELDS}
        values["from"] = values["from"] or today.isoformat()
        return cls(values)

    def errors(self) -> list[FieldError]:
        errors = [FieldError(name, NOT_A_DATE) for name in ("from", "to")
                  if self.values[name] and not is_date(self.values[name])]
        if self.values["stage"] and self.values["stage"] not in {s.value for s in labels.STAGES}:
            errors.append(FieldError("stage", NO_STAGE))
        return errors

    def query(self) -> dict:
        """The page's own query (its links keep the whole filter): the filled fields, as typed."""
        return {name: value for name, value in self.values.items() if value}

    def registry_query(self) -> dict:
        """The registry's query parameters: its filled fields, as typed."""
        return {name: value for name, value in self.query().items() if name in REGISTRY_FIELDS}

    def status_query(self) -> dict:
        """Status's query for the cases of the stage filter: the stage, lateness and the days."""
        v = self.values
        query = {"from": v["from"], **({"to": v["to"]} if v["to"] else {})}
        if v["stage"]:
            query["stage"] = v["stage"]
        if v["overdue"] == "1":
            query["overdue"] = "true"
        return query

    def rows_query(self) -> dict:
        """The registry's filters for rows chosen by index: all but the days (status chose them)."""
        return {k: v for k, v in self.registry_query().items() if k not in ("from", "to")}

    @property
    def by_stage(self) -> bool:
        """Filtered by what status knows (a stage, or only late cases)."""
        return bool(self.values["stage"]) or self.values["overdue"] == "1"

    def matches(self, row: dict) -> bool:
        """A journal row (with its case's stage, when status knows it) passes the stage filters."""
        if self.values["stage"] and row.get("stage") != self.values["stage"]:
            return False
        return not (self.values["overdue"] == "1" and not row.get("days_overdue"))


def describe(form: JournalForm) -> str:
    """The filter in words, as the printed journal names what it lists."""
    v = form.values
    day = lambda text: dt.date.fromisoformat(text).strftime("%d.%m.%Y")  # noqa: E731
    parts = [day(v["from"]) + (f" – {day(v['to'])}" if v["to"] and v["to"] != v["from"] else "")]
    parts.append(f"регистър {v['register']}" if v["register"] else "всички регистри")
    names = {"kind": {k.value: x for k, x in labels.KINDS.items()}, "channel": {k.value: x for k, x in labels.CHANNELS.items()},
             "stage": {k.value: x for k, x in labels.STAGES.items()}}
    parts += [names[k].get(v[k], v[k]) for k in ("kind", "channel", "stage") if v[k]]
    if v["q"]:
        parts.append(f"думи „{v['q']}“")
    if v["overdue"] == "1":
        parts.append("само просрочени")
    return ", ".join(parts)


def registry_errors(errors: Iterable[dict]) -> list[FieldError]:
    return [FieldError(_FROM_REGISTRY.get(str(e.get("field", "")).split(".")[0], "from"), e.get("message", ""))
            for e in errors]


def _cell(value: Optional[str]) -> str:
    """Text as a spreadsheet shows it: a cell starting like a formula is kept as text (CSV
    injection, OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_bytes(rows: Iterable[dict], when) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Cyrillic), semicolons (Excel's separator
    for a Bulgarian locale), the registry's masked personal numbers as they came."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    kinds = {k.value: v for k, v in labels.KINDS.items()}
    channels = {k.value: v for k, v in labels.CHANNELS.items()}
    for r in rows:
        sender = r.get("sender") or {}
        writer.writerow([_cell(x) for x in (
            r["registration_index"], when(r["registered_at"]), kinds.get(r["kind"], r["kind"]),
            channels.get(r["channel"], r["channel"]), sender.get("name"), sender.get("personal_number"), r["subject"],
            r.get("due_date") or "", r.get("registered_by"), _stage_label(r.get("stage")), r.get("days_overdue") or "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _stage_label(stage: Optional[str]) -> str:
    names = {k.value: v for k, v in labels.STAGES.items()}
    return names.get(stage, stage or "")
