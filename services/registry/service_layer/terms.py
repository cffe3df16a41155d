"""Term arithmetic the registry does for the other services: it owns the working calendar
(the official holidays and the operator's table), so a due date is computed in one place."""
from __future__ import annotations

import datetime as dt

from delovod_proto.rpc import CountedTerm, CountTermRequest, ResumedTerm, ResumeTermRequest, SkippedDay
from delovod_proto.vocabulary import TermUnit

from ..domain.calendar import WorkingCalendar
from ..domain.terms import TermRule, compute_due, resume_after_suspension


def resume(request: ResumeTermRequest, calendar: WorkingCalendar) -> ResumedTerm:
    """The due date of a suspended case that resumes, with how it was computed."""
    due, left = resume_after_suspension(request.due_date, request.suspended_on, request.resumed_on, request.unit,
                                        calendar, request.term_end)
    return ResumedTerm(due_date=due.due_date, term_end=due.raw_end, remaining=left, unit=TermUnit(due.unit),
                       days_stopped=(request.resumed_on - request.suspended_on).days,
                       skipped=[SkippedDay(date=s["date"], reason=s["reason"]) for s in due.skipped],
                       explanation=due.summary_bg())


def count(request: CountTermRequest, calendar: WorkingCalendar) -> CountedTerm:
    """The last day of a term from ``request.start``, counted like every other term."""
    due = compute_due(dt.datetime.combine(request.start, dt.time()),
                      TermRule(request.value, request.unit, request.source), calendar)
    return CountedTerm(due_date=due.due_date, term_end=due.raw_end,
                       skipped=[SkippedDay(date=s["date"], reason=s["reason"]) for s in due.skipped],
                       explanation=due.summary_bg())
