"""Status: a case assigned to an official of a unit (Client Charter: the citizen learns their
name, phone and email), the staff's view of its whole history (who changed what, and the due
dates it moved), and the officials' lists (my cases, due this week)."""
import datetime as dt

import pytest

from delovod_proto.rpc import CaseLookupRequest, CaseNotFound
from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import Actor, Official, StageChangeRefused
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered

CASE = "ЖЛБ-1/25.11.2026"
STOYAN = Official("stoyan", "Стоян Георгиев", "Дирекция „Екология“", "+359 32 656 701", "s.georgiev@plovdiv.bg")
ELENA = Official("elena", "Елена Маринова", "Дирекция „Строителство“", "+359 32 656 702", "e.marinova@plovdiv.bg")
IVANA = Actor("ivana", "Ивана Петрова")
NOW = [dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)]


@pytest.fixture
def tracker():
    t = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=lambda: NOW[0])
    t.on_document_registered(registered(CASE))
    return t


def last_event(tracker):
    return tracker.repo.outbox[-1].envelope.body()


def test_assigning_a_new_case_moves_it_to_assigned_and_names_the_official_in_the_event(tracker):
    case = tracker.assign(CASE, STOYAN, "по компетентност", by=IVANA)
    assert case.stage == CaseStage.ASSIGNED and case.official == STOYAN
    event = last_event(tracker)
    assert event.stage == CaseStage.ASSIGNED and event.previous_stage == CaseStage.REGISTERED
    assert (event.official.username, event.official.name, event.official.unit, event.official.phone,
            event.official.email) == ("stoyan", "Стоян Георгиев", "Дирекция „Екология“", "+359 32 656 701",
                                      "s.georgiev@plovdiv.bg")


def test_every_later_change_still_names_the_official(tracker):
    tracker.assign(CASE, STOYAN, by=IVANA)
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, by=Actor("stoyan", "Стоян Георгиев"))
    assert last_event(tracker).official.username == "stoyan"


def test_reassignment_keeps_the_stage_and_records_the_new_official(tracker):
    tracker.assign(CASE, STOYAN, by=IVANA)
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    case = tracker.assign(CASE, ELENA, "отпуск на служителя", by=IVANA)
    assert case.stage == CaseStage.IN_PROGRESS and case.official == ELENA
    assert case.history[-1].official == ELENA and case.history[-1].reason == "отпуск на служителя"
    assert last_event(tracker).official.username == "elena"


def test_the_same_official_twice_or_an_answered_case_is_refused_in_bulgarian(tracker):
    tracker.assign(CASE, STOYAN, by=IVANA)
    with pytest.raises(StageChangeRefused, match="вече е разпределена на Стоян Георгиев"):
        tracker.assign(CASE, STOYAN, by=IVANA)
    tracker.change_stage(CASE, CaseStage.ANSWERED, None)
    with pytest.raises(StageChangeRefused, match="не се разпределя"):
        tracker.assign(CASE, ELENA, by=IVANA)
    with pytest.raises(CaseNotFound):
        tracker.assign("НЯМА-1/2026", ELENA, by=IVANA)


def test_the_staff_view_has_every_change_with_who_why_and_the_due_date_it_moved(tracker):
    stoyan = Actor("stoyan", "Стоян Георгиев")
    tracker.assign(CASE, STOYAN, by=IVANA)
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, by=stoyan)
    tracker.change_stage(CASE, CaseStage.EXTENDED, "нужно е становище", due_date=dt.date(2027, 1, 12), by=stoyan)
    view = tracker.staff_view(f" {CASE} ")
    assert view.official.name == "Стоян Георгиев" and view.due_date == dt.date(2027, 1, 12)
    steps = [(s.stage, s.stage_label, s.reason, s.due_date, s.previous_due_date, s.by and s.by.name)
             for s in view.history]
    assert steps == [
        (CaseStage.REGISTERED, "Регистриран", None, None, None, None),
        (CaseStage.ASSIGNED, "Възложен", None, None, None, "Ивана Петрова"),
        (CaseStage.IN_PROGRESS, "В работа", None, None, None, "Стоян Георгиев"),
        (CaseStage.EXTENDED, "Удължен срок", "нужно е становище", dt.date(2027, 1, 12), dt.date(2026, 12, 29),
         "Стоян Георгиев")]
    assert view.history[1].official.username == "stoyan"
    with pytest.raises(CaseNotFound):
        tracker.staff_view("НЯМА-1/2026")


def test_the_citizen_lookup_names_the_official_once_assigned(tracker):
    request = CaseLookupRequest(registration_index=CASE, access_code="12345678")
    assert tracker.lookup_with_official(request)[1] is None
    tracker.assign(CASE, STOYAN, by=IVANA)
    view, official = tracker.lookup_with_official(request)
    assert view.stage == CaseStage.ASSIGNED and official.email == "s.georgiev@plovdiv.bg"


def test_my_cases_are_the_open_ones_assigned_to_me_the_soonest_due_first(tracker):
    tracker.on_document_registered(registered("ЖЛБ-2/25.11.2026", code="12345678"))
    tracker.on_document_registered(registered("ЖЛБ-3/25.11.2026", code="12345678"))
    tracker.assign(CASE, STOYAN, by=IVANA)
    tracker.assign("ЖЛБ-2/25.11.2026", STOYAN, by=IVANA)
    tracker.change_stage("ЖЛБ-2/25.11.2026", CaseStage.EXTENDED, "сложно", due_date=dt.date(2027, 2, 1))
    tracker.assign("ЖЛБ-3/25.11.2026", ELENA, by=IVANA)
    assert [c.case_index for c in tracker.assigned_to("stoyan")[0]] == [CASE, "ЖЛБ-2/25.11.2026"]
    tracker.change_stage(CASE, CaseStage.ANSWERED, None)
    tracker.change_stage(CASE, CaseStage.CLOSED, None)
    assert [c.case_index for c in tracker.assigned_to("stoyan")[0]] == ["ЖЛБ-2/25.11.2026"]
    assert tracker.assigned_to("nobody") == ([], None)


def test_due_this_week_lists_running_terms_from_today_through_the_date(tracker):
    tracker.on_document_registered(registered("ЖЛБ-2/25.11.2026"))
    NOW[0] = dt.datetime(2026, 12, 28, 8, 0, tzinfo=dt.timezone.utc)
    try:
        assert [c.case_index for c in tracker.due_until(dt.date(2027, 1, 3))[0]] == [CASE, "ЖЛБ-2/25.11.2026"]
        tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
        tracker.change_stage(CASE, CaseStage.SUSPENDED, "чакаме документи")  # its term stands still
        assert [c.case_index for c in tracker.due_until(dt.date(2027, 1, 3))[0]] == ["ЖЛБ-2/25.11.2026"]
        assert tracker.due_until(dt.date(2026, 12, 28)) == ([], None)  # due on the 29th
        assert tracker.due_until(dt.date(2026, 12, 1)) == ([], None)  # a date already past
    finally:
        NOW[0] = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def test_the_stages_of_a_journal_page_in_the_order_asked_with_lateness(tracker):
    tracker.on_document_registered(registered("ЖЛБ-2/25.11.2026"))
    tracker.assign("ЖЛБ-2/25.11.2026", STOYAN, by=IVANA)
    NOW[0] = dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.timezone.utc)
    try:
        rows = tracker.stages(["ЖЛБ-2/25.11.2026", "НЯМА-1", CASE, CASE])
    finally:
        NOW[0] = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
    assert [(r.case_index, r.stage_label, r.days_overdue) for r in rows] == [
        ("ЖЛБ-2/25.11.2026", "Възложен", 4), (CASE, "Регистриран", 4)]


def test_the_overdue_list_names_the_unit_and_official_of_each_late_case(tracker):
    tracker.on_document_registered(registered("ЖЛБ-2/25.11.2026"))
    tracker.assign(CASE, STOYAN, by=IVANA)
    NOW[0] = dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.timezone.utc)
    try:
        late = {c.case_index: c.official for c in tracker.overdue()[0]}
    finally:
        NOW[0] = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
    assert late[CASE].unit == "Дирекция „Екология“" and late[CASE].name == "Стоян Георгиев"
    assert late["ЖЛБ-2/25.11.2026"] is None
