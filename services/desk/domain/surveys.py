"""The survey results for officials: rows of a group (a catalogue service or a unit), a
server-rendered bar chart of their average ratings, and the CSV of every answer."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo

from .journal import _cell

CSV_COLUMNS = ("Преписка", "Услуга (код)", "Звено", "Оценка", "Иска преразглеждане", "Коментар", "Отговорено на")
BAR_MAX_PX = 300  # the longest bar (a 5.0 average)
BAR_HEIGHT, BAR_GAP = 22, 8


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: its group, the average, where it is drawn (SVG units)."""

    key: str
    average: float
    y: int
    width: int


def bars(groups: list[dict]) -> tuple[list[Bar], int]:
    """The bars of ``groups`` (each with ``key`` and ``average``) and the chart's height. Drawn
    as SVG attributes, not style= (the desk's CSP allows no inline style)."""
    out = [Bar(g["key"], g["average"], i * (BAR_HEIGHT + BAR_GAP), round(BAR_MAX_PX * g["average"] / 5))
           for i, g in enumerate(groups)]
    return out, max(1, len(out)) * (BAR_HEIGHT + BAR_GAP)


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def csv_bytes(rows: Iterable[dict], zone: ZoneInfo) -> bytes:
    """UTF-8 with a byte-order mark, semicolons, no formula cells (as the desk's other CSVs)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        at = dt.datetime.fromisoformat(r["answered_at"]).astimezone(zone)
        writer.writerow([_cell(x) for x in (r["case_index"], r.get("service_code") or "", r.get("unit") or "",
                                            r["rating"], "да" if r["reconsideration"] else "не",
                                            r.get("comment") or "", f"{at:%d.%m.%Y %H:%M}")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
