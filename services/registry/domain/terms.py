"""Statutory terms, counted the Bulgarian way, with an explanation a citizen can check.

- A term in days excludes its start day; a term in months ends on the same-numbered
  day (or the month's last day); a last day that is not a working day moves to the next
  working day (ГПК чл. 60, standard practice; DOMAIN.md).
- A term in working days counts only working days.
"""
from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import asdict, dataclass, field

from delovod_proto.vocabulary import DocumentKind, TermUnit
from servicekit.numbers_bg import count_bg

from .calendar import WorkingCalendar


@dataclass(frozen=True)
class TermRule:
    """Where a term comes from: a value, a unit and the legal source, in Bulgarian."""

    value: int
    unit: TermUnit
    source: str


# Defaults by kind (DOMAIN.md); an application's term comes from the catalogue.
DEFAULT_RULES = {
    DocumentKind.COMPLAINT: TermRule(30, TermUnit.CALENDAR_DAYS, "Харта на клиента: жалби — до 30 дни от регистрирането"),
    DocumentKind.SIGNAL: TermRule(30, TermUnit.CALENDAR_DAYS, "Харта на клиента: сигнали — до 30 дни от регистрирането"),
    DocumentKind.LETTER: TermRule(14, TermUnit.CALENDAR_DAYS, "АПК чл. 57, ал. 1: общ срок 14 дни (по подразбиране)"),
    DocumentKind.PROPOSAL: TermRule(2, TermUnit.MONTHS, "АПК чл. 118: предложения — 2 месеца"),
    DocumentKind.PUBLIC_INFORMATION_REQUEST: TermRule(14, TermUnit.CALENDAR_DAYS, "ЗДОИ чл. 28, ал. 1: 14 дни от регистрирането"),
    DocumentKind.SERVICE_APPLICATION: TermRule(14, TermUnit.CALENDAR_DAYS, "АПК чл. 57, ал. 1: 14 дни (каталогът не посочва срок)"),
}


@dataclass
class DueDate:
    """A due date and how it was computed."""

    due_date: dt.date
    start: dt.date
    rule: str
    value: int
    unit: str
    raw_end: dt.date
    skipped: list[dict] = field(default_factory=list)

    def explanation(self) -> dict:
        data = asdict(self)
        for key in ("due_date", "start", "raw_end"):
            data[key] = data[key].isoformat()
        return data

    def summary_bg(self) -> str:
        text = (f"Срок {count_bg(self.value, self.unit)} от {self.start:%d.%m.%Y} ({self.rule}); "
                f"краят по сметка е {self.raw_end:%d.%m.%Y}")
        if self.raw_end != self.due_date:
            why = next((s["reason"] for s in self.skipped if s["date"] == self.raw_end.isoformat()), "неработен ден")
            text += f" — {why}; срокът изтича на {self.due_date:%d.%m.%Y}"
        return text + "."


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, cal.monthrange(year, month)[1]))


def compute_due(start: dt.datetime, rule: TermRule, calendar: WorkingCalendar) -> DueDate:
    """Due date of a term starting at ``start`` (local time of the administration)."""
    day, skipped = start.date(), []
    if rule.unit == TermUnit.WORKING_DAYS:
        counted, cursor = 0, day
        while counted < rule.value:
            cursor += dt.timedelta(days=1)
            reason = calendar.non_working_reason(cursor)
            if reason:
                skipped.append({"date": cursor.isoformat(), "reason": reason, "counted": False})
            else:
                counted += 1
        return DueDate(cursor, day, rule.source, rule.value, rule.unit.value, cursor, skipped)
    if rule.unit == TermUnit.CALENDAR_DAYS:
        raw_end = day + dt.timedelta(days=rule.value)
    elif rule.unit == TermUnit.MONTHS:
        raw_end = add_months(day, rule.value)
    else:
        raw_end = (start + dt.timedelta(hours=rule.value)).date()
    end = raw_end
    while (reason := calendar.non_working_reason(end)) is not None:
        skipped.append({"date": end.isoformat(), "reason": reason, "counted": False})
        end += dt.timedelta(days=1)
    return DueDate(end, day, rule.source, rule.value, rule.unit.value, raw_end, skipped)


def resume_after_suspension(due: dt.date, suspended_on: dt.date, resumed_on: dt.date, unit: TermUnit | None,
                            calendar: WorkingCalendar, term_end: dt.date | None = None) -> tuple[DueDate, int]:
    """The due date of a term that stood still from ``suspended_on`` to ``resumed_on``
    (DOMAIN.md: suspended proceedings resume where they stopped; the term does not run
    meanwhile). The suspension's first day had run; what was left then, counted in the
    term's own unit (working days, else calendar days, counted to ``term_end``, the last day
    by count before any move off a non-working day), runs again from the day the case
    resumes, and a last day that is not a working day moves to the next working day.
    A term that had already run out when the case was suspended stays as it was.
    Returns the new date with its explanation, and what was left of the term."""
    if resumed_on < suspended_on:
        raise ValueError("a case cannot resume before it was suspended")
    start = dt.datetime.combine(resumed_on, dt.time())
    source = f"спиране от {suspended_on:%d.%m.%Y} до {resumed_on:%d.%m.%Y}: срокът не тече"
    if due < suspended_on or resumed_on == suspended_on:
        return DueDate(due, resumed_on, source + " (срокът е бил изтекъл или спирането е в същия ден)", 0,
                       (unit or TermUnit.CALENDAR_DAYS).value, term_end or due, []), 0
    if unit == TermUnit.WORKING_DAYS:
        left = sum(1 for n in range(1, (due - suspended_on).days + 1)
                   if calendar.is_working(suspended_on + dt.timedelta(days=n)))
        if left:
            return compute_due(start, TermRule(left, TermUnit.WORKING_DAYS, source), calendar), left
        return compute_due(start, TermRule(0, TermUnit.CALENDAR_DAYS, source), calendar), 0
    left = max(((term_end or due) - suspended_on).days, 0)  # suspended in the days it was moved by: none left
    return compute_due(start, TermRule(left, TermUnit.CALENDAR_DAYS, source), calendar), left
