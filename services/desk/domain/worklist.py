"""An official's lists ("Моите преписки", due this week): which week, how a list is sorted, and
its CSV. The cases themselves are status's."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Iterable, Iterator

from .journal import _cell

LISTS = {"mine": "Моите преписки", "week": "Срок до края на седмицата"}
# Sortable columns: (the page's label, the key a row sorts by). A row without a due date sorts last.
COLUMNS = {"case_index": "Преписка", "subject": "Относно", "stage": "Етап", "due_date": "Срок",
           "official": "Отговорен служител"}
CSV_COLUMNS = ("Преписка", "Относно", "Етап", "Срок", "Отговорен служител", "Звено")


def week_end(today: dt.date) -> dt.date:
    """The Sunday of ``today``'s week (weeks start on Monday in Bulgaria)."""
    return today + dt.timedelta(days=6 - today.weekday())


def sort_key(column: str):
    if column == "due_date":
        return lambda r: (r.get("due_date") is None, r.get("due_date") or "", r["case_index"])
    if column == "official":
        return lambda r: ((r.get("official") or {}).get("name") or "\uffff", r["case_index"])
    if column == "stage":
        return lambda r: (r.get("stage_label") or r.get("stage") or "", r["case_index"])
    return lambda r: (str(r.get(column) or "").casefold(), r["case_index"])


def sorted_rows(rows: Iterable[dict], column: str, descending: bool) -> list[dict]:
    """The rows by ``column`` (an unknown one: by due date), ascending unless ``descending``."""
    return sorted(rows, key=sort_key(column if column in COLUMNS else "due_date"), reverse=descending)


def csv_bytes(rows: Iterable[dict], days_late: bool = False) -> bytes:
    """As the journal's CSV: UTF-8 with a byte-order mark, semicolons, no formula cells;
    ``days_late``: with the days past the due date (the overdue list)."""
    return b"".join(csv_chunks(rows, days_late))


def csv_chunks(rows: Iterable[dict], days_late: bool = False, every: int = 200) -> Iterator[bytes]:
    """:func:`csv_bytes` a piece at a time (``every`` rows each), so a long list streams as
    its pages arrive."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(CSV_COLUMNS + (("Дни след срока",) if days_late else ()))
    for n, r in enumerate(rows, 1):
        official = r.get("official") or {}
        due = r.get("due_date")
        cells = [r["case_index"], r["subject"], r.get("stage_label") or r["stage"],
                 dt.date.fromisoformat(due).strftime("%d.%m.%Y") if due else "", official.get("name"),
                 official.get("unit")] + ([r.get("days_overdue")] if days_late else [])
        writer.writerow([_cell(x) for x in cells])
        if n % every == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
