"""The operator's calendar table: validated, versioned, read again after a change."""
import datetime as dt

import pytest
from pydantic import ValidationError

from registry.adapters.memory import InMemoryCalendarStore
from registry.domain.terms import DEFAULT_RULES, compute_due
from registry.service_layer.calendar_table import KEPT_CHANGES, CalendarTable, StaleTable, difference
from delovod_proto.vocabulary import DocumentKind

DECREE = {"date": "2026-12-21", "kind": "day_off", "reason": "РМС № 900 от 20.11.2026"}


@pytest.fixture
def table():
    now = [0.0]
    t = CalendarTable(InMemoryCalendarStore(), ttl_s=30, clock=lambda: now[0])
    t.now = now
    return t


def test_a_decreed_day_off_moves_the_due_date_with_its_reason(table):
    registered = dt.datetime(2026, 11, 20, 10, 0)  # complaint: 30 days -> Sunday 20.12 -> Monday 21.12
    before = compute_due(registered, DEFAULT_RULES[DocumentKind.COMPLAINT], table.current())
    assert before.due_date == dt.date(2026, 12, 21)
    assert table.replace([DECREE], 0, "admin") == 1
    after = compute_due(registered, DEFAULT_RULES[DocumentKind.COMPLAINT], table.current())
    assert after.due_date == dt.date(2026, 12, 22)
    assert "РМС № 900 от 20.11.2026" in str(after.explanation())


def test_a_stale_edit_is_refused(table):
    table.replace([DECREE], 0, "admin")
    with pytest.raises(StaleTable):
        table.replace([], 0, "other-admin")
    rows, version = table.rows()
    assert version == 1 and [r.reason for r in rows] == ["РМС № 900 от 20.11.2026"]


@pytest.mark.parametrize("rows", [
    [{**DECREE, "reason": "  "}],
    [{**DECREE, "kind": "holiday"}],
    [{**DECREE, "date": "28.12.2026"}],
    [DECREE, {**DECREE, "reason": "друго основание"}],  # the same date twice
])
def test_bad_rows_change_nothing(table, rows):
    with pytest.raises((ValidationError, ValueError)):
        table.replace(rows, 0, "admin")
    assert table.rows() == ([], 0)


def test_other_replicas_see_a_change_within_the_ttl(table):
    other = CalendarTable(table.store, ttl_s=30, clock=lambda: table.now[0])
    assert not other.current().extra_days_off
    table.replace([DECREE], 0, "admin")
    assert not other.current().extra_days_off  # cached
    table.now[0] = 31
    assert dt.date(2026, 12, 21) in other.current().extra_days_off


def test_the_file_seeds_an_empty_table_once(table):
    assert table.seed([DECREE], "file:calendar.json")
    assert not table.seed([], "file:calendar.json")
    assert table.rows()[1] == 1


SATURDAY = {"date": "2026-12-19", "kind": "working_day", "reason": "РМС № 900 от 20.11.2026"}


def test_each_change_records_who_added_and_removed_which_rows(table):
    at = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
    table.utcnow = lambda: at
    table.replace([DECREE], 0, "maria", "Мария Димитрова")
    renamed = {**DECREE, "reason": "РМС № 901 от 21.11.2026"}
    table.replace([renamed, SATURDAY], 1, "ivan", "Иван Петров")
    table.replace([SATURDAY], 2, "maria", "Мария Димитрова")
    newest, middle, first = table.changes()
    assert (first["version"], first["by"], first["by_id"]) == (1, "Мария Димитрова", "maria")
    assert first["added"] == [DECREE] and first["removed"] == [] and first["at"] == at
    assert middle["by"] == "Иван Петров"
    assert middle["added"] == [SATURDAY, renamed] and middle["removed"] == [DECREE]  # a changed reason: both
    assert newest["version"] == 3 and newest["added"] == [] and newest["removed"] == [renamed]


def test_a_refused_edit_records_no_change(table):
    table.replace([DECREE], 0, "maria", "Мария Димитрова")
    with pytest.raises(StaleTable):
        table.replace([], 0, "ivan", "Иван Петров")
    with pytest.raises(ValueError):
        table.replace([DECREE, DECREE], 1, "ivan", "Иван Петров")
    assert [c["version"] for c in table.changes()] == [1]


def test_the_difference_ignores_order_and_an_unchanged_table_changes_nothing():
    assert difference([DECREE, SATURDAY], [SATURDAY, DECREE]) == ([], [])
    assert difference([DECREE], [SATURDAY]) == ([SATURDAY], [DECREE])
    assert difference([], [DECREE, SATURDAY]) == ([SATURDAY, DECREE], [])  # by date


def test_only_the_last_hundred_changes_are_kept(table):
    for version in range(KEPT_CHANGES + 5):
        table.replace([{**DECREE, "reason": f"РМС № {version} от 20.11.2026"}], version, "maria", "Мария Димитрова")
    kept = table.changes()
    assert len(kept) == KEPT_CHANGES and kept[0]["version"] == KEPT_CHANGES + 5 and kept[-1]["version"] == 6


def test_seeding_from_the_file_is_the_first_change(table):
    table.seed([DECREE], "file:calendar.json")
    assert [(c["by"], c["added"]) for c in table.changes()] == [("file:calendar.json", [DECREE])]
