"""The operator's table of extra days off and working Saturdays, editable at run time.

The official calendar comes from the ``holidays`` package; decrees of the Council of
Ministers (an extra day off, a Saturday worked in exchange) often come later than a
package release, so an administrator keeps them here through the API. Every replica
reads the table again at most ``ttl_s`` after a change; each change is versioned (a stale
edit is refused), audited, and kept as "who changed what" (the rows added and removed, the last
``KEPT_CHANGES``) with the rows themselves, in the same write.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable, Optional, Protocol

from ..domain.calendar import CalendarException, WorkingCalendar, check_table

KEPT_CHANGES = 100  # the history the operators' page shows; older entries are dropped by the store


class AbstractCalendarStore(Protocol):
    def load(self) -> tuple[list[dict], int]:
        """The rows and their version (0: never saved)."""

    def save(self, rows: list[dict], expected_version: int, actor: str, change: Optional[dict] = None) -> bool:
        """Replace the rows if the stored version is still ``expected_version``, appending
        ``change`` to the history (its last ``KEPT_CHANGES`` entries) in the same write."""

    def changes(self) -> list[dict]:
        """The kept history, the oldest first."""


def difference(before: list[dict], after: list[dict]) -> tuple[list[dict], list[dict]]:
    """(added, removed) rows between two tables, each by date; a row whose kind or reason
    changed is both removed (as it was) and added (as it is)."""
    old = {(r["date"], r["kind"], r["reason"]) for r in before}
    new = {(r["date"], r["kind"], r["reason"]) for r in after}

    def rows(keys):
        return [{"date": d, "kind": k, "reason": why} for d, k, why in sorted(keys)]
    return rows(new - old), rows(old - new)


class StaleTable(Exception):
    """The table changed since the editor read it."""


STALE = "Таблицата е променена междувременно; заредете я отново."


class CalendarTable:
    def __init__(self, store: AbstractCalendarStore, ttl_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 audit: Callable[[str, str, str, dict], None] = lambda *a: None,
                 utcnow: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        self.store, self.ttl_s, self.clock, self.audit, self.utcnow = store, ttl_s, clock, audit, utcnow
        self._cached: Optional[tuple[float, WorkingCalendar]] = None

    def current(self) -> WorkingCalendar:
        if self._cached is None or self.clock() - self._cached[0] > self.ttl_s:
            rows, _ = self.store.load()
            self._cached = (self.clock(), WorkingCalendar.from_table(rows))
        return self._cached[1]

    def rows(self) -> tuple[list[CalendarException], int]:
        rows, version = self.store.load()
        return [CalendarException.model_validate(r) for r in rows], version

    def changes(self) -> list[dict]:
        """Who changed what: ``{version, at, by, by_id, added, removed}``, the newest first."""
        return list(reversed(self.store.changes()))

    def replace(self, rows: list[dict], expected_version: int, actor: str, actor_name: Optional[str] = None) -> int:
        """Validate, store and audit a whole new table, with what it added and removed against
        the table it replaces; returns its version. ``actor``: who (the token's subject, as the
        audit records it); ``actor_name``: their name, shown in the history. Raises pydantic's
        ValidationError or ValueError for bad rows, StaleTable on a conflict."""
        checked = [r.model_dump(mode="json") for r in check_table([CalendarException.model_validate(r) for r in rows])]
        before, stored_version = self.store.load()
        if stored_version != expected_version:
            raise StaleTable(STALE)
        version = expected_version + 1
        added, removed = difference(before, checked)
        change = {"version": version, "at": self.utcnow(), "by": actor_name or actor, "by_id": actor,
                  "added": added, "removed": removed}
        if not self.store.save(checked, expected_version, actor, change):
            raise StaleTable(STALE)  # saved by someone else between the read and the write
        self._cached = None
        self.audit(actor, "calendar_change", "calendar",
                   {"version": version, "rows": len(checked), "added": len(added), "removed": len(removed)})
        return version

    def seed(self, rows: list[dict], actor: str) -> bool:
        """Store ``rows`` as the first version if nothing was ever saved."""
        _, version = self.store.load()
        if version:
            return False
        checked = [r.model_dump(mode="json") for r in check_table([CalendarException.model_validate(r) for r in rows])]
        return self.store.save(checked, 0, actor, {"version": 1, "at": self.utcnow(), "by": actor, "by_id": actor,
                                                   "added": checked, "removed": []})

