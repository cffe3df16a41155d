"""The stage index (docs/decisions.md, "The journal's stage filter by the stage index"): always a
superset of the truth across every transition, stale entries filtered by reading the case,
overdue cases found by their running stage's entries."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import Official, stage_member
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered

UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 25)
INDEX = "ЖЛБ-1/25.11.2026"


@pytest.fixture
def now():
    return [dt.datetime(2026, 11, 26, 9, tzinfo=UTC)]


@pytest.fixture
def tracker(now):
    return StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=lambda: now[0])


def found(tracker, stage=None, overdue=False, first=DAY, last=DAY):
    return [c.case_index for c in tracker.in_stage(stage, overdue, first, last)[0]]


def assert_truth(tracker):
    """Every case is under its own stage's entry, and found there (and only there)."""
    for case, _ in tracker.repo.cases.values():
        key = f"{case.stage.value}|{case.registered_at.astimezone(UTC):%Y-%m}"
        assert stage_member(case.case_index, case.registered_at) in tracker.repo.stage_index[key]
        for stage in CaseStage:
            assert (case.case_index in found(tracker, stage)) == (stage == case.stage)


def test_every_transition_keeps_the_index_a_superset_and_the_reads_exact(tracker):
    tracker.on_document_registered(registered())
    assert found(tracker, CaseStage.REGISTERED) == [INDEX]
    assert_truth(tracker)
    tracker.assign(INDEX, Official("stoyan", "Стоян Георгиев"))
    assert_truth(tracker)
    for stage, reason in ((CaseStage.IN_PROGRESS, None), (CaseStage.ANSWERED, None), (CaseStage.CLOSED, None),
                          (CaseStage.RECONSIDERATION_REQUESTED, "Гражданинът иска преразглеждане")):
        tracker.change_stage(INDEX, stage, reason)
        assert_truth(tracker)
    other = "ЖЛБ-2/25.11.2026"
    tracker.on_document_registered(registered(other))
    for stage, reason in ((CaseStage.IN_PROGRESS, None), (CaseStage.SUSPENDED, "Изчакваме становище")):
        tracker.change_stage(other, stage, reason)
        assert_truth(tracker)
    assert found(tracker, None) == [INDEX, other]


def test_the_new_entry_is_written_before_the_case_and_the_old_removed_after():
    """A write that fails its compare-and-set leaves the new entry behind (a stale superset),
    never a case missing from its own stage's entry."""
    repo = InMemoryCaseRepository()
    tracker = StatusTracker(repo, TEST_KEYS)
    tracker.on_document_registered(registered())
    case, version = repo.get(INDEX)
    case.move_to(CaseStage.IN_PROGRESS, dt.datetime(2026, 11, 26, tzinfo=UTC), None)
    assert repo.save(case, version, [])
    assert not repo.save(case, version, [])  # lost the race: nothing changes
    member = stage_member(INDEX, case.registered_at)
    assert member not in repo.stage_index["registered|2026-11"] and member in repo.stage_index["in_progress|2026-11"]


def test_a_stale_entry_is_dropped_by_reading_the_case(tracker):
    tracker.on_document_registered(registered())
    at = dt.datetime(2026, 11, 25, 9, tzinfo=UTC)
    tracker.repo.stage_index.setdefault("closed|2026-11", set()).add(stage_member(INDEX, at))  # a write that failed
    tracker.repo.stage_index["closed|2026-11"].add(stage_member("ЖЛБ-404/25.11.2026", at))  # a case not there
    assert found(tracker, CaseStage.CLOSED) == []
    assert found(tracker, CaseStage.REGISTERED) == [INDEX]


def test_the_range_is_in_local_days_and_ordered_by_registration(tracker):
    tracker.on_document_registered(registered())
    late_evening = registered("ЖЛБ-2/26.11.2026").model_copy(  # 23:30 UTC on the 30th: 1 December in Sofia
        update={"registered_at": dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC)})
    tracker.on_document_registered(late_evening)
    assert found(tracker, CaseStage.REGISTERED, first=dt.date(2026, 12, 1), last=dt.date(2026, 12, 1)) == [
        "ЖЛБ-2/26.11.2026"]
    assert found(tracker, CaseStage.REGISTERED, first=DAY, last=dt.date(2026, 12, 31)) == [
        INDEX, "ЖЛБ-2/26.11.2026"]
    assert found(tracker, CaseStage.REGISTERED, first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 31)) == []


def test_overdue_is_a_running_stage_past_its_due_date(tracker, now):
    tracker.on_document_registered(registered())  # due 29 December
    tracker.on_document_registered(registered("ЖЛБ-2/25.11.2026"))
    tracker.change_stage("ЖЛБ-2/25.11.2026", CaseStage.IN_PROGRESS, None)
    tracker.change_stage("ЖЛБ-2/25.11.2026", CaseStage.SUSPENDED, "Изчакваме становище")
    assert found(tracker, overdue=True) == []
    now[0] = dt.datetime(2026, 12, 30, 9, tzinfo=UTC)
    assert found(tracker, overdue=True) == [INDEX]  # the suspended one's term does not run
    assert found(tracker, CaseStage.REGISTERED, overdue=True) == [INDEX]
    assert found(tracker, CaseStage.SUSPENDED, overdue=True) == []
    rows, _ = tracker.in_stage(None, True, DAY, DAY)
    assert rows[0].days_overdue == 1 and rows[0].registered_at == dt.datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_the_overdue_filter_reads_only_the_cases_the_list_index_has_due_before_today(tracker, now, monkeypatch):
    """Of 20 running cases of the day, one extended past today: the other 19 are late, the
    extended one is never read (the list index has its new due date), nor are 5 answered ones."""
    for n in range(1, 26):
        tracker.on_document_registered(registered(f"ЖЛБ-{n}/25.11.2026"))
    for n in range(21, 26):
        tracker.change_stage(f"ЖЛБ-{n}/25.11.2026", CaseStage.IN_PROGRESS, None)
        tracker.change_stage(f"ЖЛБ-{n}/25.11.2026", CaseStage.ANSWERED, None)
    tracker.change_stage("ЖЛБ-20/25.11.2026", CaseStage.IN_PROGRESS, None)
    tracker.change_stage("ЖЛБ-20/25.11.2026", CaseStage.EXTENDED, "сложно", due_date=dt.date(2027, 1, 15))
    now[0] = dt.datetime(2026, 12, 30, 9, tzinfo=UTC)
    read: list[str] = []
    get_many = tracker.repo.get_many
    monkeypatch.setattr(tracker.repo, "get_many", lambda indexes: read.extend(indexes) or get_many(indexes))
    assert sorted(found(tracker, overdue=True)) == sorted(f"ЖЛБ-{n}/25.11.2026" for n in range(1, 20))
    assert sorted(read) == sorted(f"ЖЛБ-{n}/25.11.2026" for n in range(1, 20))


def test_pages_verify_only_what_they_show_and_follow_each_other(tracker):
    for n in range(1, 6):
        tracker.on_document_registered(registered(f"ЖЛБ-{n}/25.11.2026").model_copy(
            update={"registered_at": dt.datetime(2026, 11, 25, 9, n, tzinfo=UTC)}))
    tracker.change_stage("ЖЛБ-2/25.11.2026", CaseStage.IN_PROGRESS, None)
    tracker.repo.stage_index["registered|2026-11"].add(  # stale, as if its removal had failed
        stage_member("ЖЛБ-2/25.11.2026", dt.datetime(2026, 11, 25, 9, 2, tzinfo=UTC)))
    read = []
    get_many = tracker.repo.get_many
    tracker.repo.get_many = lambda indexes: read.append(list(indexes)) or get_many(indexes)
    first, after = tracker.in_stage(CaseStage.REGISTERED, False, DAY, DAY, limit=2)
    assert [c.case_index for c in first] == ["ЖЛБ-1/25.11.2026", "ЖЛБ-3/25.11.2026"]
    assert after == "2026-11-25T09:03:00+00:00|ЖЛБ-3/25.11.2026"
    assert read == [["ЖЛБ-1/25.11.2026", "ЖЛБ-2/25.11.2026"], ["ЖЛБ-3/25.11.2026", "ЖЛБ-4/25.11.2026"]]
    second, after = tracker.in_stage(CaseStage.REGISTERED, False, DAY, DAY, after, limit=2)
    assert [c.case_index for c in second] == ["ЖЛБ-4/25.11.2026", "ЖЛБ-5/25.11.2026"] and after is None
    assert tracker.in_stage(CaseStage.REGISTERED, False, DAY, DAY, "2026-11-25T09:05:00Z|ЖЛБ-5/25.11.2026")[0] == []
