"""Contract suites for the catalogue, status and notifications repositories."""
import datetime as dt

import pytest

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.model import ServiceContent, ServiceVersion, valid_at
from delovod_proto.events import Contact
from delovod_proto.vocabulary import CaseStage
from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.service_layer.dispatcher import Notification
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import Case, HistoryEntry
from tests.contract.conftest import BACKENDS
from tests.unit.catalogue.test_catalogue import row

UTC = dt.timezone.utc


@pytest.fixture(params=BACKENDS)
def attempts(request, mongo_alias):
    from status.service_layer.guard import InMemoryAttemptStore
    if request.param == "memory":
        return InMemoryAttemptStore()
    from status.adapters.mongo_attempts import MongoAttemptStore
    from status.adapters.mongo_repository import ALIAS, CaseDoc
    mongo_alias(ALIAS, CaseDoc)
    return MongoAttemptStore()


def test_failed_lookups_are_counted_for_every_replica(attempts):
    from status.service_layer.guard import LookupGuard, TooManyAttempts
    now = [1_800_000_000.0]
    one, two = (LookupGuard(per_index=4, per_client=100, window_s=60, clock=lambda: now[0], store=attempts)
                for _ in range(2))
    for guard in (one, two, one, two):  # two replicas, two failures each
        guard.check("ЖЛБ-1/25.11.2026", "10.0.0.1")
        guard.failed("ЖЛБ-1/25.11.2026", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        two.check("ЖЛБ-1/25.11.2026", "10.0.0.2")
    one.check("ЖЛБ-2/25.11.2026", "10.0.0.1")  # another case is not locked
    assert attempts.counts(["index:30000000:ЖЛБ-1/25.11.2026", "client:30000000:10.0.0.1"]) == {
        "index:30000000:ЖЛБ-1/25.11.2026": 4, "client:30000000:10.0.0.1": 4}
    now[0] += 121  # two windows later: forgotten
    two.check("ЖЛБ-1/25.11.2026", "10.0.0.2")
    if hasattr(attempts, "sweep"):  # the shared store also deletes what has expired
        assert attempts.sweep(now[0]) == 3 and attempts.counts(["index:30000000:ЖЛБ-1/25.11.2026"]) == {}


@pytest.fixture(params=BACKENDS)
def calendar_store(request, mongo_alias):
    from registry.adapters.memory import InMemoryCalendarStore
    if request.param == "memory":
        return InMemoryCalendarStore()
    from registry.adapters.mongo_calendar import MongoCalendarStore
    from registry.adapters.mongo_repository import ALIAS, AuditDoc, RegistrationDoc
    mongo_alias(ALIAS, RegistrationDoc, AuditDoc)
    return MongoCalendarStore()


def test_calendar_table_is_replaced_only_from_the_version_read(calendar_store):
    row = {"date": "2026-12-28", "kind": "day_off", "reason": "РМС № 900 от 20.11.2026"}
    assert calendar_store.load() == ([], 0)
    assert calendar_store.save([row], 0, "admin")
    assert not calendar_store.save([], 0, "admin")  # someone else saved first
    assert calendar_store.save([row, {**row, "date": "2026-12-29"}], 1, "admin")
    assert not calendar_store.save([], 1, "admin")
    rows, version = calendar_store.load()
    assert version == 2 and [r["date"] for r in rows] == ["2026-12-28", "2026-12-29"]


def test_calendar_changes_are_kept_with_the_rows_the_last_hundred(calendar_store):
    from registry.service_layer.calendar_table import KEPT_CHANGES
    row = {"date": "2026-12-19", "kind": "working_day", "reason": "РМС № 900 от 20.11.2026"}
    at = dt.datetime(2026, 11, 25, 9, 30, 15, tzinfo=UTC)

    def change(version, added=(), removed=()):
        return {"version": version, "at": at + dt.timedelta(minutes=version), "by": "Мария Димитрова",
                "by_id": "maria", "added": list(added), "removed": list(removed)}
    assert calendar_store.changes() == []
    assert calendar_store.save([row], 0, "maria", change(1, added=[row]))
    assert not calendar_store.save([], 0, "ivan", change(1, removed=[row]))  # refused: no change kept
    assert calendar_store.changes() == [change(1, added=[row])]
    for version in range(1, KEPT_CHANGES + 3):
        assert calendar_store.save([row], version, "maria", change(version + 1))
    kept = calendar_store.changes()
    assert len(kept) == KEPT_CHANGES and [kept[0]["version"], kept[-1]["version"]] == [4, KEPT_CHANGES + 3]
    assert kept[-1] == change(KEPT_CHANGES + 3) and calendar_store.load() == ([row], KEPT_CHANGES + 3)


@pytest.fixture(params=BACKENDS)
def services(request, mongo_alias):
    if request.param == "memory":
        return InMemoryServiceRepository()
    from catalogue.adapters.mongo_repository import ALIAS, MongoServiceRepository, ServiceVersionDoc
    mongo_alias(ALIAS, ServiceVersionDoc)
    return MongoServiceRepository()


@pytest.fixture(params=BACKENDS)
def cases(request, mongo_alias):
    if request.param == "memory":
        return InMemoryCaseRepository()
    from status.adapters.mongo_repository import ALIAS, CaseDoc, MongoCaseRepository
    mongo_alias(ALIAS, CaseDoc)
    return MongoCaseRepository()


@pytest.fixture
def mongo_notes(mongo_alias):
    from notifications.adapters.mongo_repository import (ALIAS, MongoNotificationRepository, NotificationDoc,
                                                         OutcomeDoc, RecipientDoc)
    mongo_alias(ALIAS, NotificationDoc, RecipientDoc, OutcomeDoc)
    return MongoNotificationRepository()


@pytest.fixture(params=BACKENDS)
def notes(request):
    if request.param == "memory":
        return InMemoryNotificationRepository()
    return request.getfixturevalue("mongo_notes")


def version(n, valid_from, **over):
    return ServiceVersion(content=ServiceContent.model_validate(row(**over)), version=n, valid_from=valid_from)


def test_service_versions_by_date(services):
    services.add(version(1, dt.date(2026, 1, 1)))
    services.add(version(2, dt.date(2026, 7, 1), name="Издаване на удостоверение (нов текст)"))
    assert services.latest("T-1").version == 2 and services.latest("nope") is None
    assert sorted((v.version, v.valid_from) for v in services.all()) == [(1, dt.date(2026, 1, 1)), (2, dt.date(2026, 7, 1))]
    assert valid_at(services.all(), dt.date(2026, 3, 1)).version == 1
    assert valid_at(services.all(), dt.date(2025, 12, 31)) is None
    with pytest.raises(Exception):
        services.add(version(2, dt.date(2026, 8, 1)))


def test_publishing_a_draft(services):
    services.add(version(1, dt.date(2026, 1, 1)).model_copy(update={"published": False}))
    assert valid_at(services.all(), dt.date(2026, 3, 1)) is None
    services.publish(version(1, dt.date(2026, 1, 1)))
    assert valid_at(services.all(), dt.date(2026, 3, 1)).version == 1


def test_the_change_marker_moves_on_every_added_or_published_version(services):
    """The catalogue rebuilds its search index only when this marker moves."""
    empty = services.stamp()
    services.add(version(1, dt.date(2026, 1, 1)).model_copy(update={"published": False}))
    drafted = services.stamp()
    assert drafted != empty and services.stamp() == drafted  # reading moves nothing
    services.publish(version(1, dt.date(2026, 1, 1)))
    assert services.stamp() not in (empty, drafted)


def case(index="К-1/01.02.2026"):
    at = dt.datetime(2026, 2, 1, 9, tzinfo=UTC)
    return Case(index, "Тема", "complaint", at, dt.date(2026, 3, 3), "h", CaseStage.REGISTERED,
                [HistoryEntry(CaseStage.REGISTERED, at)])


def test_cases_compare_and_set(cases):
    assert cases.create(case(), []) and not cases.create(case(), [])
    got, v = cases.get("К-1/01.02.2026")
    assert got == case() and v == 1
    got.move_to(CaseStage.IN_PROGRESS, dt.datetime(2026, 2, 2, tzinfo=UTC), None)
    assert cases.save(got, v, []) and not cases.save(got, v, [])
    again, v2 = cases.get("К-1/01.02.2026")
    assert again.stage == CaseStage.IN_PROGRESS and v2 == 2 and len(again.history) == 2
    assert again.reissue_code("h2", 1) and cases.save(again, v2, [])
    third, _ = cases.get("К-1/01.02.2026")
    assert (third.access_code_hash, third.code_version) == ("h2", 1)


def test_held_codes_keep_the_highest_version(cases):
    assert cases.held_code("К-9") is None
    cases.hold_code("К-9", "h2", 2)
    cases.hold_code("К-9", "h1", 1)
    assert cases.held_code("К-9") == ("h2", 2)
    cases.drop_held_code("К-9")
    assert cases.held_code("К-9") is None


def test_notifications_claim_finish_dead_replay(notes):
    now = dt.datetime(2026, 2, 1, 9, tzinfo=UTC)
    notes.save_recipient("К-1", Contact(name="М", preferred_channel="email", email="m@example.bg"))
    assert notes.recipient("К-1").email == "m@example.bg" and notes.recipient("К-2") is None
    n = Notification("id-1", "К-1", "s", "b", next_attempt_at=now)
    assert notes.add(n) and not notes.add(n)
    claimed = notes.claim_due(now, dt.timedelta(minutes=2))
    assert claimed.id == "id-1" and notes.claim_due(now, dt.timedelta(minutes=2)) is None
    claimed.status, claimed.attempts = "dead", 8
    notes.finish(claimed, [])
    assert [d.id for d in notes.dead()] == ["id-1"]
    assert notes.replay("id-1", now) and not notes.replay("id-1", now)
    assert notes.claim_due(now, dt.timedelta(minutes=2)).attempts == 0


def test_a_case_with_a_field_this_version_does_not_know_is_still_read(cases):
    assert cases.create(case("К-7/01.02.2026"), [])
    if not hasattr(cases, "cases"):  # the real one: a field an earlier or later version wrote
        from status.adapters.mongo_repository import CaseDoc
        CaseDoc._get_collection().update_one({"_id": "К-7/01.02.2026"}, {"$set": {"access_code_set_at": None}})
    got, _ = cases.get("К-7/01.02.2026")
    assert got.case_index == "К-7/01.02.2026"


def test_a_suspension_and_the_due_dates_it_moved_are_kept(cases):
    """The history keeps each due date a step set; the case keeps its term's unit and the
    day its term stopped, so it can resume after a restart."""
    c = case("К-8/01.02.2026")
    c.term_unit = "working_days"
    assert cases.create(c, [])
    got, v = cases.get("К-8/01.02.2026")
    got.move_to(CaseStage.IN_PROGRESS, dt.datetime(2026, 2, 2, 9, tzinfo=UTC), None)
    got.move_to(CaseStage.SUSPENDED, dt.datetime(2026, 2, 3, 9, tzinfo=UTC), "Чакаме становище", dt.date(2026, 2, 3))
    assert cases.save(got, v, [])
    got, v = cases.get("К-8/01.02.2026")
    assert (got.term_unit, got.suspended_on) == ("working_days", dt.date(2026, 2, 3))
    got.move_to(CaseStage.IN_PROGRESS, dt.datetime(2026, 2, 10, 9, tzinfo=UTC), None, dt.date(2026, 2, 10),
                dt.date(2026, 3, 12))
    assert cases.save(got, v, [])
    got, _ = cases.get("К-8/01.02.2026")
    assert got.suspended_on is None and got.due_date == dt.date(2026, 3, 12)
    assert [h.due_date for h in got.history] == [None, None, None, dt.date(2026, 3, 12)]


def test_a_sent_notification_is_never_claimed_again(notes):
    """Even if its queue entry comes back: a crash between recording the outcome and
    deleting the entry, or a redelivered event enqueuing it late."""
    now = dt.datetime(2026, 2, 1, 9, tzinfo=UTC)
    n = Notification("id-s", "К-1", "s", "b", next_attempt_at=now)
    assert notes.add(n)
    claimed = notes.claim_due(now, dt.timedelta(minutes=2))
    claimed.status = "sent"
    notes.finish(claimed, [])
    if hasattr(notes, "_enqueue"):  # the real one: put the entry back as a crash would have left it
        notes._enqueue(n)
    assert notes.claim_due(now + dt.timedelta(minutes=5), dt.timedelta(minutes=2)) is None


def test_a_listing_that_went_stale_is_read_again_under_the_lease(mongo_notes):
    """Worker B lists the queue; worker A claims, sends and finishes; then B takes the lease
    (the real repository only: the in-memory one has no listing to go stale)."""
    notes = mongo_notes
    now = dt.datetime(2026, 2, 1, 9, tzinfo=UTC)
    assert notes.add(Notification("id-st", "К-1", "s", "b", next_attempt_at=now))
    other = type(notes)()
    real = notes._queue

    class Stale:  # B's listing; A does its whole round right after it
        def find(self, query):
            rows = list(real.find(query))
            claimed = other.claim_due(now, dt.timedelta(minutes=2))
            claimed.status = "sent"
            other.finish(claimed, [])
            return type("Cursor", (), {"limit": lambda self, k: rows[:k]})()

        def __getattr__(self, name):
            return getattr(real, name)

    stale = type("B", (type(notes),), {"_queue": property(lambda self: Stale())})()
    assert stale.claim_due(now, dt.timedelta(minutes=2)) is None


def test_a_replay_stopped_half_way_is_completed_not_lost(notes):
    now = dt.datetime(2026, 2, 1, 9, tzinfo=UTC)
    assert notes.add(Notification("id-r", "К-1", "s", "b", next_attempt_at=now))
    claimed = notes.claim_due(now, dt.timedelta(minutes=2))
    claimed.status, claimed.attempts = "dead", 8
    notes.finish(claimed, [])
    if hasattr(notes, "_enqueue"):  # queued as a replay, then the process died before the outcome went
        notes._enqueue(Notification("id-r", "К-1", "", "", next_attempt_at=now), replay=True)
    else:
        assert notes.replay("id-r", now)
    again = notes.claim_due(now, dt.timedelta(minutes=2))
    assert again is not None and again.id == "id-r" and again.attempts == 0
    again.status = "sent"
    notes.finish(again, [])
    assert [d.id for d in notes.dead()] == []


def test_the_deadline_watch_announces_each_late_case_once_per_due_date(cases):
    from status.service_layer.tracker import StatusTracker
    from tests.helpers import TEST_KEYS

    now = [dt.datetime(2026, 3, 4, 9, tzinfo=UTC)]  # the day after the due date 03.03.2026
    tracker = StatusTracker(cases, TEST_KEYS, clock=lambda: now[0])
    cases.create(case("К-10/01.02.2026"), [])
    on_time = case("К-11/01.02.2026")
    on_time.due_date = dt.date(2026, 3, 4)
    cases.create(on_time, [])
    answered = case("К-12/01.02.2026")
    answered.stage = CaseStage.ANSWERED
    cases.create(answered, [])
    assert tracker.watch_deadlines() == 1 and tracker.watch_deadlines() == 0  # once
    assert [c.case_index for c in tracker.overdue()[0]] == ["К-10/01.02.2026"]
    late, _ = cases.get("К-10/01.02.2026")
    assert late.overdue_for == dt.date(2026, 3, 3)
    tracker.change_stage("К-10/01.02.2026", CaseStage.IN_PROGRESS, None)
    tracker.change_stage("К-10/01.02.2026", CaseStage.EXTENDED, "Трето лице", dt.date(2026, 3, 20))
    assert tracker.watch_deadlines() == 0 and tracker.overdue() == ([], None)  # the new date has not passed
    now[0] = dt.datetime(2026, 3, 23, 9, tzinfo=UTC)
    assert tracker.watch_deadlines() == 2  # the extended one, again, and the one due on 04.03
    assert [(c.case_index, c.days_overdue) for c in tracker.overdue()[0]] == [
        ("К-11/01.02.2026", 19), ("К-10/01.02.2026", 3)]


def test_announced_late_cases_do_not_hide_new_ones_from_the_watch(cases):
    from status.service_layer.tracker import StatusTracker
    from tests.helpers import TEST_KEYS

    tracker = StatusTracker(cases, TEST_KEYS, clock=lambda: dt.datetime(2026, 3, 10, 9, tzinfo=UTC))
    cases.create(case("К-20/01.02.2026"), [])  # due 03.03
    assert tracker.watch_deadlines(limit=1) == 1
    newer = case("К-21/01.02.2026")
    newer.due_date = dt.date(2026, 3, 5)
    cases.create(newer, [])
    assert tracker.watch_deadlines(limit=1) == 1  # the oldest, announced already, does not take the one place
    assert tracker.watch_deadlines() == 0  # both announced
