"""Operators keep the registry's calendar exceptions (decreed days off, working Saturdays) on
the operators' page: add a row, remove one. Each edit sends the registry the whole new table
with the version the page was read at, as the signed-in person (the registry records their
name in its history of changes); a table changed meanwhile is refused there (409) and the page
shows the fresh one."""
from __future__ import annotations

import logging

from servicekit import logs

from ..domain.calendar_form import ExceptionForm, parse_date, registry_errors
from ..domain.people import Person
from .ports import Refused, Services
from .workspace import Outcome

log = logging.getLogger(__name__)
NOT_SAVED = "Промяната в календара не е записана."
STALE = "Таблицата е променена междувременно; заредете я отново."
NO_SUCH_ROW = "Няма такъв ред в таблицата; заредете я отново."


class CalendarExceptions:
    def __init__(self, services: Services):
        self.services = services

    def add(self, person: Person, form: ExceptionForm, version: str) -> Outcome:
        errors = form.errors()
        if errors or not version.isdigit():
            return Outcome(summary=NOT_SAVED, errors=errors) if errors else Outcome(summary=STALE, status=409)
        rows = self.services.calendar(person)["exceptions"]
        return self._replace(person, [*rows, form.row()], int(version), added=form.row())

    def remove(self, person: Person, date: str, version: str) -> Outcome:
        day = parse_date(date.strip())
        rows = self.services.calendar(person)["exceptions"]
        kept = [r for r in rows if day is None or r["date"] != day.isoformat()]
        if day is None or len(kept) == len(rows) or not version.isdigit():
            return Outcome(summary=NO_SUCH_ROW, status=409)
        return self._replace(person, kept, int(version), removed=day.isoformat())

    def _replace(self, person: Person, rows: list[dict], version: int, **what) -> Outcome:
        try:
            table = self.services.replace_calendar(person, {"version": version, "exceptions": rows})
        except Refused as exc:
            if exc.status == 409:
                return Outcome(summary=STALE, status=409)
            return Outcome(summary=f"{NOT_SAVED} {exc.detail}", errors=registry_errors(exc.errors))
        logs.event(log, "calendar_exceptions_changed", version=table["version"], by=person.uid, **what)
        return Outcome(result=table)
