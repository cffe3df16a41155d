"""The stage index (docs/decisions.md, "The journal's stage filter by the stage index"): always a
superset of the truth across every transition, stale entries filtered by reading the case,
overdue cases found by their running stage's entries."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import Official
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
    return [c.case_index for c in tracker.in_stage(stage, overdue, first, last)]


def assert_truth(tracker):
    """Every case is under its own stage's entry, and found there (and only there)."""
    for case, _ in tracker.repo.cases.values():
        key = f"{case.stage.value}|{case.registered_at.astimezone(UTC):%Y-%m}"
        assert case.case_index in tracker.repo.stage_index[key]
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
    assert INDEX not in repo.stage_index["registered|2026-11"]
    assert INDEX in repo.stage_index["in_progress|2026-11"]


def test_a_stale_entry_is_dropped_by_reading_the_case(tracker):
    tracker.on_document_registered(registered())
    tracker.repo.stage_index.setdefault("closed|2026-11", set()).add(INDEX)  # e.g. a write that failed
    tracker.repo.stage_index["closed|2026-11"].add("ЖЛБ-404/25.11.2026")  # a case that is not there
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
    rows = tracker.in_stage(None, True, DAY, DAY)
    assert rows[0].days_overdue == 1 and rows[0].registered_at == dt.datetime(2026, 11, 25, 9, tzinfo=UTC)
