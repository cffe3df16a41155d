"""Status's officials' lists through the list index (service layer over the in-memory adapter,
which keeps the index as the MongoDB one does): a reassigned or closed case leaves the old
official's list, an answered or suspended one leaves the due and overdue lists, stale members
(a write lost half-way) drop out when read, pages follow due date then index, and the hourly
watch finds the late cases through the index."""
import datetime as dt

import pytest

from delovod_proto import topics
from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import Actor, Official
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered

STOYAN = Official("stoyan", "Стоян Георгиев", "Дирекция „Екология“")
ELENA = Official("elena", "Елена Маринова")
IVANA = Actor("ivana", "Ивана Петрова")
NOW = [dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)]
CASES = [f"ЖЛБ-{n}/25.11.2026" for n in range(1, 6)]


@pytest.fixture
def tracker():
    NOW[0] = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
    t = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=lambda: NOW[0])
    for index in CASES:
        t.on_document_registered(registered(index))  # each due 29.12.2026
        t.assign(index, STOYAN, by=IVANA)
    return t


def mine(tracker, username="stoyan", **page):
    found, after = tracker.assigned_to(username, **page)
    return [c.case_index for c in found], after


def test_a_reassigned_case_leaves_the_old_officials_list(tracker):
    tracker.assign(CASES[0], ELENA, by=IVANA)
    assert mine(tracker)[0] == CASES[1:] and mine(tracker, "elena")[0] == [CASES[0]]
    assert tracker.repo.listed(["official|stoyan"]) == {f"2026-12-29|{i}" for i in CASES[1:]}


def test_an_answered_case_leaves_the_due_and_overdue_lists_and_a_closed_one_the_officials(tracker):
    tracker.change_stage(CASES[0], CaseStage.ANSWERED, None)
    assert CASES[0] not in [c.case_index for c in tracker.due_until(dt.date(2026, 12, 31))[0]]
    assert CASES[0] in mine(tracker)[0]  # answered, not closed: still the official's open case
    tracker.change_stage(CASES[0], CaseStage.CLOSED, None)
    assert mine(tracker)[0] == CASES[1:]
    tracker.change_stage(CASES[1], CaseStage.SUSPENDED, "чакаме становище")  # the term stands still
    NOW[0] = dt.datetime(2027, 1, 4, 9, tzinfo=dt.timezone.utc)
    assert [c.case_index for c in tracker.overdue()[0]] == CASES[2:]


def test_an_extension_moves_the_case_in_the_order_and_to_its_new_month(tracker):
    tracker.change_stage(CASES[0], CaseStage.EXTENDED, "сложно", due_date=dt.date(2027, 1, 15))
    assert mine(tracker)[0] == CASES[1:] + [CASES[0]]
    assert tracker.repo.listed(["due|2026-12"]) == {f"2026-12-29|{i}" for i in CASES[1:]}
    assert tracker.repo.listed(["due|2027-01"]) == {f"2027-01-15|{CASES[0]}"}
    NOW[0] = dt.datetime(2027, 1, 4, 9, tzinfo=dt.timezone.utc)
    assert [c.case_index for c in tracker.overdue()[0]] == CASES[1:]
    assert [c.case_index for c in tracker.due_until(dt.date(2027, 1, 17))[0]] == [CASES[0]]


def test_stale_members_drop_out_and_never_show_a_case_twice(tracker):
    tracker.repo._lists_add({("official|stoyan", f"2026-12-01|{CASES[0]}"),  # its due date before a change
                             ("official|stoyan", "2026-12-02|НЯМА-1"),  # a case whose insert was lost
                             ("due|2026-11", f"2026-11-30|{CASES[1]}")})
    tracker.assign(CASES[2], ELENA, by=IVANA)
    tracker.repo._lists_add({("official|stoyan", f"2026-12-29|{CASES[2]}")})  # its removal was lost
    assert mine(tracker)[0] == [CASES[0], CASES[1], CASES[3], CASES[4]]
    assert mine(tracker, limit=1) == ([CASES[0]], f"2026-12-29|{CASES[0]}")
    NOW[0] = dt.datetime(2026, 12, 30, 9, tzinfo=dt.timezone.utc)
    assert [c.case_index for c in tracker.overdue()[0]] == CASES  # once each, the stale November member gone


def test_pages_follow_due_date_then_index_and_end_with_no_cursor(tracker):
    tracker.change_stage(CASES[4], CaseStage.EXTENDED, "сложно", due_date=dt.date(2027, 1, 15))
    seen, after, calls = [], None, 0
    while True:
        page, after = mine(tracker, after=after, limit=2)
        seen += page
        calls += 1
        if after is None:
            break
    assert seen == CASES and calls == 3


def test_the_watch_announces_the_late_cases_it_finds_through_the_index(tracker):
    NOW[0] = dt.datetime(2026, 12, 30, 9, tzinfo=dt.timezone.utc)
    assert tracker.watch_deadlines(limit=2) == 2
    assert tracker.watch_deadlines() == 3 and tracker.watch_deadlines() == 0
    assert [m.envelope.body().case_index for m in tracker.repo.outbox if m.topic == topics.CASES_OVERDUE] == CASES


def test_a_member_the_index_should_never_hold_is_passed_over_not_a_500():
    from status.service_layer.case_lists import CaseLists

    class Index:
        def listed(self, keys):
            return {"not a member", "2026-12-01|" + "Ж" * 101, "2026-12-01|ЖЛБ-1/01.11.2026"}

        def due_months(self):
            return {"2026-12"}

        def get_many(self, indexes):
            return []

    assert CaseLists(Index()).late_indexes(dt.date(2026, 12, 3)) == {"ЖЛБ-1/01.11.2026"}
    assert CaseLists(Index()).assigned("stoyan") == ([], None)
