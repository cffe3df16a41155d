"""Working-day calendar: the official Bulgarian holidays (PyPI ``holidays``, which
encodes Кодекс на труда чл. 154, Orthodox Easter, moved weekend holidays and decreed
days off) plus an operator-editable table of extra days off and working Saturdays."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

import holidays as holidays_lib
from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAY_BG = ["понеделник", "вторник", "сряда", "четвъртък", "петък", "събота", "неделя"]

# Days off decreed by the Council of Ministers that ``holidays`` lists (as "Неприсъствен ден")
# without the decree's number; a row in the operator's table names any other (DOMAIN.md).
DECREES = {
    dt.date(2025, 12, 31): "РМС № 808/19.11.2025",
    dt.date(2026, 1, 2): "РМС № 808/19.11.2025",
}
# How ``holidays`` names (in Bulgarian) the days it lists from a decree rather than from the
# Labour Code (its BulgariaStaticHolidays labels: a day off, an "official holiday" for one
# year, a day off swapped with a working Saturday).
_DECREED_NAMES = ("Неприсъствен ден", "Официален празник", "Почивен ден (прехвърлен")
DECREED = "неприсъствен ден ({})"


class ExceptionKind(str, Enum):
    DAY_OFF = "day_off"          # e.g. a day off decreed by the Council of Ministers
    WORKING_DAY = "working_day"  # e.g. a Saturday worked in exchange


class CalendarException(BaseModel):
    """One row of the operator's table; the reason is shown in every due-date explanation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    kind: ExceptionKind
    reason: str = Field(min_length=3, max_length=300, description="e.g. 'РМС № 808 от 19.11.2025'")

    @field_validator("reason")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError("основанието е задължително (напр. номер и дата на решението)")
        return value.strip()


def check_table(rows: list[CalendarException]) -> list[CalendarException]:
    """One row per date, sorted; raises ValueError naming the first repeated date."""
    seen: set[dt.date] = set()
    for row in rows:
        if row.date in seen:
            raise ValueError(f"датата {row.date.isoformat()} е въведена повече от веднъж")
        seen.add(row.date)
    return sorted(rows, key=lambda r: r.date)


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
            return decreed(self.extra_days_off[day])
        name = self._official.get(day)
        if name and name.startswith(_DECREED_NAMES):
            return DECREED.format(DECREES.get(day) or _council(name))
        if name:
            return f"официален празник: {name}"
        if day.weekday() >= 5:
            return WEEKDAY_BG[day.weekday()]
        return None

    def is_working(self, day: dt.date) -> bool:
        return self.non_working_reason(day) is None

    @classmethod
    def from_table(cls, rows: list) -> "WorkingCalendar":
        """Rows ``{"date": "2026-12-31", "kind": "day_off"|"working_day", "reason": "..."}``."""
        off, work = {}, {}
        for row in check_table([r if isinstance(r, CalendarException) else CalendarException.model_validate(r)
                                for r in rows]):
            (work if row.kind == ExceptionKind.WORKING_DAY else off)[row.date] = row.reason
        return cls(off, work)


def decreed(reason: str) -> str:
    """An operator's day off, labelled by its basis (a decree: "РМС № 808 от 19.11.2025")."""
    return reason if reason.lower().startswith("неприсъствен") else DECREED.format(reason)


def _council(name: str) -> str:
    swapped = name[name.find("(") + 1:name.rfind(")")] if "(" in name else ""
    return "решение на Министерския съвет" + (f"; {swapped}" if swapped else "")
