"""The operator's table of extra days off and working Saturdays, editable at run time.

The official calendar comes from the ``holidays`` package; decrees of the Council of
Ministers (an extra day off, a Saturday worked in exchange) often come later than a
package release, so an administrator keeps them here through the API. Every replica
reads the table again at most ``ttl_s`` after a change; each change is versioned (a stale
edit is refused) and audited.
"""
from __future__ import annotations

import time
from typing import Callable, Optional, Protocol

from ..domain.calendar import CalendarException, WorkingCalendar, check_table


class AbstractCalendarStore(Protocol):
    def load(self) -> tuple[list[dict], int]:
        """The rows and their version (0: never saved)."""

    def save(self, rows: list[dict], expected_version: int, actor: str) -> bool:
        """Replace the rows if the stored version is still ``expected_version``."""


class StaleTable(Exception):
    """The table changed since the editor read it."""


class CalendarTable:
    def __init__(self, store: AbstractCalendarStore, ttl_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 audit: Callable[[str, str, str, dict], None] = lambda *a: None):
        self.store, self.ttl_s, self.clock, self.audit = store, ttl_s, clock, audit
        self._cached: Optional[tuple[float, WorkingCalendar]] = None

    def current(self) -> WorkingCalendar:
        if self._cached is None or self.clock() - self._cached[0] > self.ttl_s:
            rows, _ = self.store.load()
            self._cached = (self.clock(), WorkingCalendar.from_table(rows))
        return self._cached[1]

    def rows(self) -> tuple[list[CalendarException], int]:
        rows, version = self.store.load()
        return [CalendarException.model_validate(r) for r in rows], version

    def replace(self, rows: list[dict], expected_version: int, actor: str) -> int:
        """Validate, store and audit a whole new table; returns its version. Raises
        pydantic's ValidationError or ValueError for bad rows, StaleTable on a conflict."""
        checked = check_table([CalendarException.model_validate(r) for r in rows])
        if not self.store.save([r.model_dump(mode="json") for r in checked], expected_version, actor):
            raise StaleTable("Таблицата е променена междувременно; заредете я отново.")
        self._cached = None
        version = expected_version + 1
        self.audit(actor, "calendar_change", "calendar", {"version": version, "rows": len(checked)})
        return version

    def seed(self, rows: list[dict], actor: str) -> bool:
        """Store ``rows`` as the first version if nothing was ever saved."""
        _, version = self.store.load()
        return version == 0 and self.store.save(
            [r.model_dump(mode="json") for r in check_table([CalendarException.model_validate(r) for r in rows])],
            0, actor)

