"""Contract suite for status's list index (in memory, and MongoDB on FerretDB): an official's
open cases and the cases whose term runs, by due month, kept around each case's write so the
index is always a superset (the new entry before the write, the old one removed after); the
lists read through it page in due-date-then-index order and drop stale members."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage
from status.domain import lists as keys
from status.domain.case import Actor, Official
from status.service_layer.case_lists import CaseLists
from tests.contract.test_other_ports import case, cases  # noqa: F401  (the fixture: both backends)

UTC = dt.timezone.utc
STOYAN = Official("stoyan", "Стоян Георгиев", "Дирекция „Екология“")
ELENA = Official("elena", "Елена Маринова")
IVANA = Actor("ivana", "Ивана Петрова")
DAY = dt.datetime(2026, 2, 2, 9, tzinfo=UTC)


def opened(repo, n, due, official=None):
    c = case(f"К-{n}/01.02.2026")
    c.due_date = due
    assert repo.create(c, [])
    if official:
        c, version = repo.get(c.case_index)
        c.assign(official, DAY, IVANA)
        assert repo.save(c, version, [])
    return repo.get(c.case_index)


def moved(repo, index, *stages, due=None):
    c, version = repo.get(index)
    for stage in stages:
        c.move_to(stage, DAY, "причина", due_date=due if stage == CaseStage.EXTENDED else None)
    assert repo.save(c, version, [])


def indexes(found):
    return [c.case_index for c in found[0]]


def test_the_entries_follow_each_case(cases):  # noqa: F811
    opened(cases, 1, dt.date(2026, 3, 3), STOYAN)
    opened(cases, 2, None, STOYAN)
    assert cases.listed(["official|stoyan"]) == {"2026-03-03|К-1/01.02.2026", "9999-12-31|К-2/01.02.2026"}
    assert cases.listed(["due|2026-03"]) == {"2026-03-03|К-1/01.02.2026"}  # no due date: no due entry
    assert cases.due_months() >= {"2026-03"}
    moved(cases, "К-1/01.02.2026", CaseStage.EXTENDED, due=dt.date(2026, 4, 2))
    assert cases.listed(["due|2026-03", "due|2026-04"]) == {"2026-04-02|К-1/01.02.2026"}
    assert cases.listed(["official|stoyan"]) == {"2026-04-02|К-1/01.02.2026", "9999-12-31|К-2/01.02.2026"}
    assert "2026-04" in cases.due_months()
    c, version = cases.get("К-1/01.02.2026")
    c.assign(ELENA, DAY, IVANA)  # reassigned: it leaves the old official's entry
    assert cases.save(c, version, [])
    assert cases.listed(["official|stoyan"]) == {"9999-12-31|К-2/01.02.2026"}
    assert cases.listed(["official|elena"]) == {"2026-04-02|К-1/01.02.2026"}
    moved(cases, "К-1/01.02.2026", CaseStage.ANSWERED)  # answered: the term no longer runs
    assert cases.listed(["due|2026-04"]) == set() and cases.listed(["official|elena"])
    moved(cases, "К-1/01.02.2026", CaseStage.CLOSED)  # closed: no longer the official's open case
    assert cases.listed(["official|elena"]) == set()


def test_a_lost_compare_and_set_changes_no_entry(cases):  # noqa: F811
    _, version = opened(cases, 1, dt.date(2026, 3, 3), STOYAN)
    c, _ = cases.get("К-1/01.02.2026")
    c.assign(ELENA, DAY, IVANA)
    assert not cases.save(c, version - 1, [])
    assert cases.listed(["official|stoyan"]) == {"2026-03-03|К-1/01.02.2026"}
    assert cases.listed(["official|elena"]) == set()


def test_pages_in_due_date_then_index_order_with_cursors(cases):  # noqa: F811
    dues = {1: dt.date(2026, 3, 5), 2: dt.date(2026, 3, 3), 3: dt.date(2026, 4, 1), 4: dt.date(2026, 3, 3), 5: None}
    for n, due in dues.items():
        opened(cases, n, due, STOYAN)
    lists = CaseLists(cases)
    first = lists.assigned("stoyan", limit=2)
    assert indexes(first) == ["К-2/01.02.2026", "К-4/01.02.2026"] and first[1] == "2026-03-03|К-4/01.02.2026"
    second = lists.assigned("stoyan", first[1], limit=2)
    assert indexes(second) == ["К-1/01.02.2026", "К-3/01.02.2026"] and second[1] == "2026-04-01|К-3/01.02.2026"
    assert lists.assigned("stoyan", second[1], limit=2) == ([cases.get("К-5/01.02.2026")[0]], None)
    assert indexes(lists.due(dt.date(2026, 3, 3), dt.date(2026, 3, 31), limit=2)) == [
        "К-2/01.02.2026", "К-4/01.02.2026"]
    assert lists.due(dt.date(2026, 3, 3), dt.date(2026, 3, 31), "2026-03-03|К-4/01.02.2026", 2)[1] is None
    late = lists.overdue(dt.date(2026, 4, 2), limit=3)
    assert indexes(late) == ["К-2/01.02.2026", "К-4/01.02.2026", "К-1/01.02.2026"]
    assert indexes(lists.overdue(dt.date(2026, 4, 2), late[1])) == ["К-3/01.02.2026"]
    assert [c.case_index for c in lists.every_overdue(dt.date(2026, 3, 4))] == ["К-2/01.02.2026", "К-4/01.02.2026"]


def test_stale_members_drop_out_when_read(cases):  # noqa: F811
    """A write lost between the new entry and the case (or the old entry's removal) leaves a
    member the case no longer matches: the readers verify every one by _id."""
    opened(cases, 1, dt.date(2026, 3, 3), STOYAN)
    opened(cases, 2, dt.date(2026, 3, 4), ELENA)
    cases._lists_add({("official|stoyan", "2026-03-04|К-2/01.02.2026"),  # another official's case
                      ("official|stoyan", "2026-03-09|К-1/01.02.2026"),  # its due date before an extension
                      ("official|stoyan", "2026-03-01|К-9/01.02.2026"),  # a case never written
                      ("due|2026-02", "2026-02-27|К-2/01.02.2026")})
    lists = CaseLists(cases)
    assert indexes(lists.assigned("stoyan")) == ["К-1/01.02.2026"]
    assert indexes(lists.assigned("stoyan", limit=1)) == ["К-1/01.02.2026"]
    assert indexes(lists.overdue(dt.date(2026, 3, 5))) == ["К-1/01.02.2026", "К-2/01.02.2026"]
    assert indexes(lists.due(dt.date(2026, 2, 1), dt.date(2026, 3, 3))) == ["К-1/01.02.2026"]


@pytest.mark.parametrize("bad", ["", "2026-03-03", "2026-3-3|К-1", "2026-02-30|К-1", "2026-W01-1|К-1", "9999-12-31|"])
def test_a_cursor_must_be_a_real_date_and_an_index(bad):
    with pytest.raises(ValueError):
        keys.order(bad)
