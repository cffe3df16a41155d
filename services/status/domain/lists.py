"""The officials' lists by index (docs/decisions.md, "The officials' lists by index"): which
entries of the list index a case belongs to, and the order its members and cursors share.

An official's open cases sit under ``official|<username>``; a case whose term runs sits under
``due|<yyyy-mm>`` of its due date (a local date: no time zone to convert). Both members are
``<due date, or 9999-12-31 without one>|<index>``, so a reader orders and pages them before
reading any case."""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from delovod_proto.vocabulary import CaseStage

from .case import TERM_RUNS, Case

NO_DUE = "9999-12-31"  # a case without a due date sorts after every dated one
MONTHS = "due|months"  # the one document naming the months that hold due entries
_DATE = re.compile(r"\d{4}-\d\d-\d\d\Z", re.ASCII)


def official_key(username: str) -> str:
    return f"official|{username}"


def due_key(month: str) -> str:
    """``month``: ``yyyy-mm``."""
    return f"due|{month}"


def member(case_index: str, due: Optional[dt.date]) -> str:
    return f"{due.isoformat() if due else NO_DUE}|{case_index}"


def entries(case_index: str, stage: CaseStage, due: Optional[dt.date], username: Optional[str]) -> set[tuple[str, str]]:
    """The (entry, member) pairs a case with these fields belongs to."""
    found = set()
    if username and stage != CaseStage.CLOSED:
        found.add((official_key(username), member(case_index, due)))
    if due is not None and stage in TERM_RUNS:
        found.add((due_key(f"{due:%Y-%m}"), member(case_index, due)))
    return found


def entries_of(case: Case) -> set[tuple[str, str]]:
    return entries(case.case_index, case.stage, case.due_date, case.official.username if case.official else None)


def order(text: str) -> tuple[dt.date, str]:
    """(due date, index) of a member or a cursor ``<yyyy-mm-dd>|<index>``; ValueError if it is not one."""
    due, bar, index = text.partition("|")
    if not bar or not 1 <= len(index) <= 100 or not _DATE.match(due):
        raise ValueError(f"not a list member: {text[:120]!r}")
    return dt.date.fromisoformat(due), index


def due_of(case: Case) -> dt.date:
    """The date a case sorts by in the lists."""
    return case.due_date or dt.date.fromisoformat(NO_DUE)


def months_until(months: set[str], last: dt.date, first: Optional[dt.date] = None) -> list[str]:
    """The months (``yyyy-mm``) of ``months`` from ``first``'s (or the earliest) through ``last``'s."""
    top, bottom = f"{last:%Y-%m}", f"{first:%Y-%m}" if first else ""
    return sorted(m for m in months if bottom <= m <= top)
