"""Working-day calendar: the official Bulgarian holidays (PyPI ``holidays``, which
encodes Кодекс на труда чл. 154, Orthodox Easter, moved weekend holidays and decreed
days off) plus an operator-editable table of extra days off and working Saturdays."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import holidays as holidays_lib

WEEKDAY_BG = ["понеделник", "вторник", "сряда", "четвъртък", "петък", "събота", "неделя"]


@dataclass
class WorkingCalendar:
    extra_days_off: dict[dt.date, str] = field(default_factory=dict)
    working_days: dict[dt.date, str] = field(default_factory=dict)

    def __post_init__(self):
        self._official = holidays_lib.country_holidays("BG", language="bg")

    def non_working_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day (Bulgarian), or None if it is one."""
        if day in self.working_days:
            return None
        if day in self.extra_days_off:
            return self.extra_days_off[day]
        name = self._official.get(day)
        if name:
            return f"официален празник: {name}"
        if day.weekday() >= 5:
            return WEEKDAY_BG[day.weekday()]
        return None

    def is_working(self, day: dt.date) -> bool:
        return self.non_working_reason(day) is None

    @classmethod
    def from_table(cls, rows: list[dict]) -> "WorkingCalendar":
        """Rows ``{"date": "2026-12-31", "kind": "day_off"|"working_day", "reason": "..."}``."""
        off, work = {}, {}
        for row in rows:
            day = dt.date.fromisoformat(row["date"])
            (work if row["kind"] == "working_day" else off)[day] = row.get("reason", "")
        return cls(off, work)
