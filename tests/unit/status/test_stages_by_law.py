"""Issue 14 items 1-2: the stages awaiting_citizen, reconsideration_requested and appealed, and
the terms as the law says (DOMAIN.md): a clarified ЗДОИ request gets 14 days afresh (чл. 29,
ал. 2), an extension is capped by its ground (ЗДОИ чл. 30, ал. 1: +10 days; чл. 31, ал. 1:
+14 days; АПК чл. 57: one month from the start). Dates are counted on the registry's real
working calendar (24-26 December 2026 are holidays, 27 is a Sunday, and the 26th, a Saturday,
moves its day off to Monday 28 December: the first working day is 29 December 2026)."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage, DocumentKind
from registry.domain.calendar import WorkingCalendar
from registry.service_layer import terms as registry_terms
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import ALLOWED, LABELS_BG, NEEDS_REASON, TERM_RUNS, StageChangeRefused
from status.domain.terms import EXTENSION_GROUNDS, ExtensionRefused
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered

ZDOI = "ЗДОИ-7/02.12.2026"
COMPLAINT = "ЖЛБ-7/02.12.2026"
NEW = (CaseStage.AWAITING_CITIZEN, CaseStage.RECONSIDERATION_REQUESTED, CaseStage.APPEALED)


class RegistryTerms:
    """The registry's own term arithmetic on its working calendar, called in process."""

    def __init__(self):
        self.calendar, self.counted = WorkingCalendar(), []

    def resume(self, request):
        return registry_terms.resume(request, self.calendar)

    def count(self, request):
        self.counted.append(request)
        return registry_terms.count(request, self.calendar)


def on(day: dt.date):
    return lambda: dt.datetime.combine(day, dt.time(10), dt.timezone.utc)


def open_case(index, kind, due, term_end=None):
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=on(dt.date(2026, 12, 2)))
    event = registered(index).model_copy(update={
        "kind": kind, "due_date": due, "term_end": term_end or due,
        "registered_at": dt.datetime(2026, 12, 2, 9, tzinfo=dt.timezone.utc)})
    tracker.on_document_registered(event)
    tracker.change_stage(index, CaseStage.IN_PROGRESS, None)
    return tracker


@pytest.fixture
def zdoi():
    # ЗДОИ чл. 28, ал. 1: 14 days from 02.12.2026 -> 16.12.2026 (a Wednesday)
    return open_case(ZDOI, DocumentKind.PUBLIC_INFORMATION_REQUEST, dt.date(2026, 12, 16))


@pytest.fixture
def complaint():
    # Charter: 30 days from 02.12.2026 -> 01.01.2027, a holiday -> 04.01.2027 (term_end 01.01)
    return open_case(COMPLAINT, DocumentKind.COMPLAINT, dt.date(2027, 1, 4), term_end=dt.date(2027, 1, 1))


def test_every_new_stage_has_a_label_and_transitions():
    for stage in NEW:
        assert LABELS_BG[stage] and stage in ALLOWED
    assert ALLOWED[CaseStage.ANSWERED] >= {CaseStage.RECONSIDERATION_REQUESTED, CaseStage.APPEALED}
    assert ALLOWED[CaseStage.CLOSED] >= {CaseStage.RECONSIDERATION_REQUESTED, CaseStage.APPEALED}
    assert CaseStage.APPEALED in ALLOWED[CaseStage.RECONSIDERATION_REQUESTED]
    assert {CaseStage.AWAITING_CITIZEN, CaseStage.RECONSIDERATION_REQUESTED} <= NEEDS_REASON
    assert not TERM_RUNS & set(NEW)  # the term stands still, or is not ours any more


def test_a_clarified_zdoi_request_gets_the_full_14_days_again_from_the_clarification(zdoi):
    zdoi.clock = on(dt.date(2026, 12, 4))
    with pytest.raises(StageChangeRefused, match="причината"):
        zdoi.change_stage(ZDOI, CaseStage.AWAITING_CITIZEN, "  ")
    case = zdoi.change_stage(ZDOI, CaseStage.AWAITING_CITIZEN, "Уточнете за кой период искате справката.")
    assert case.suspended_on == dt.date(2026, 12, 4) and case.days_overdue(dt.date(2026, 12, 20)) == 0
    zdoi.clock = on(dt.date(2026, 12, 10))  # clarified on Thursday 10.12.2026
    terms = RegistryTerms()
    case = zdoi.change_stage(ZDOI, CaseStage.IN_PROGRESS, None, terms=terms)
    # 10.12 + 14 days = 24.12.2026, Бъдни вечер; 25-26 holidays, 27 Sunday, 28 the 26th's day off
    # -> Tuesday 29.12.2026. (The rest of the old term would have given 10.12 + 12 = 22.12.2026.)
    assert case.due_date == dt.date(2026, 12, 29) and case.term_end == dt.date(2026, 12, 24)
    assert "ЗДОИ чл. 29, ал. 2" in case.history[-1].reason and "14 дни" in case.history[-1].reason
    assert (terms.counted[0].start, terms.counted[0].value) == (dt.date(2026, 12, 10), 14)
    event = zdoi.repo.outbox[-1].envelope.body()
    assert (event.previous_stage, event.previous_due_date, event.due_date) == (
        CaseStage.AWAITING_CITIZEN, dt.date(2026, 12, 16), dt.date(2026, 12, 29))


def test_other_kinds_resume_the_rest_of_their_term_after_awaiting_the_citizen(complaint):
    complaint.clock = on(dt.date(2026, 12, 4))
    complaint.change_stage(COMPLAINT, CaseStage.AWAITING_CITIZEN, "Приложете снимка на мястото.")
    complaint.clock = on(dt.date(2026, 12, 14))
    case = complaint.change_stage(COMPLAINT, CaseStage.IN_PROGRESS, None, terms=RegistryTerms())
    # 28 days were left on 04.12 (to 01.01.2027): 14.12 + 28 = 11.01.2027, a Monday
    assert case.due_date == dt.date(2027, 1, 11) and case.suspended_on is None


def test_a_case_not_clarified_may_close_without_a_new_term(zdoi):
    zdoi.change_stage(ZDOI, CaseStage.AWAITING_CITIZEN, "Уточнете искането.")
    case = zdoi.change_stage(ZDOI, CaseStage.CLOSED, "Заявлението не е уточнено в 30 дни (ЗДОИ чл. 29, ал. 1).")
    assert case.stage == CaseStage.CLOSED and case.due_date == dt.date(2026, 12, 16)


def test_a_zdoi_extension_names_its_ground_and_is_capped_by_it(zdoi):
    terms = RegistryTerms()
    with pytest.raises(ExtensionRefused, match="правното основание"):
        zdoi.change_stage(ZDOI, CaseStage.EXTENDED, "Голям обем", dt.date(2026, 12, 22), terms)
    with pytest.raises(ExtensionRefused, match="apk_57"):
        zdoi.change_stage(ZDOI, CaseStage.EXTENDED, "Голям обем", dt.date(2026, 12, 22), terms, legal_ground="apk_57")
    # ЗДОИ чл. 30, ал. 1: +10 days on 16.12 = 26.12 (a holiday; 27-28 days off) -> 29.12.2026
    with pytest.raises(ExtensionRefused) as refused:
        zdoi.change_stage(ZDOI, CaseStage.EXTENDED, "Голям обем", dt.date(2026, 12, 30), terms,
                          legal_ground="zdoi_30_1")
    assert "ЗДОИ чл. 30, ал. 1" in str(refused.value) and "до 10 дни" in str(refused.value)
    assert "най-късно 29.12.2026" in str(refused.value)
    case = zdoi.change_stage(ZDOI, CaseStage.EXTENDED, "Голям обем", dt.date(2026, 12, 29), terms,
                             legal_ground="zdoi_30_1")
    assert case.due_date == dt.date(2026, 12, 29)
    assert case.history[-1].reason == "Голям обем (Основание: ЗДОИ чл. 30, ал. 1.)"


def test_third_party_consent_allows_14_days(zdoi):
    # ЗДОИ чл. 31, ал. 1: +14 days on 16.12.2026 = 30.12.2026 (a Wednesday)
    terms = RegistryTerms()
    with pytest.raises(ExtensionRefused, match="най-късно 30.12.2026"):
        zdoi.change_stage(ZDOI, CaseStage.EXTENDED, "Трето лице", dt.date(2026, 12, 31), terms,
                          legal_ground="zdoi_31_1")
    case = zdoi.change_stage(ZDOI, CaseStage.EXTENDED, "Трето лице", dt.date(2026, 12, 30), terms,
                             legal_ground="zdoi_31_1")
    assert case.due_date == dt.date(2026, 12, 30)


def test_an_apk_extension_is_capped_at_one_month_from_the_start():
    tracker = open_case("ПИС-7/02.12.2026", DocumentKind.LETTER, dt.date(2026, 12, 16))
    terms = RegistryTerms()
    # АПК чл. 57: one month from 02.12.2026 = 02.01.2027, a Saturday -> Monday 04.01.2027
    with pytest.raises(ExtensionRefused, match="АПК чл. 57.*до 1 месец.*най-късно 04.01.2027"):
        tracker.change_stage("ПИС-7/02.12.2026", CaseStage.EXTENDED, "Становище", dt.date(2027, 1, 5), terms,
                             legal_ground="apk_57")
    case = tracker.change_stage("ПИС-7/02.12.2026", CaseStage.EXTENDED, "Становище", dt.date(2027, 1, 4), terms,
                                legal_ground="apk_57")
    assert case.due_date == dt.date(2027, 1, 4)


def test_a_ground_is_only_for_an_extension(zdoi):
    with pytest.raises(StageChangeRefused, match="само при удължаване"):
        zdoi.change_stage(ZDOI, CaseStage.ANSWERED, None, legal_ground="zdoi_30_1")


def test_every_kind_that_opens_a_case_has_its_grounds():
    assert set(EXTENSION_GROUNDS) == set(DocumentKind) - {DocumentKind.FOLLOW_UP}


def test_reconsideration_reopens_an_answered_or_closed_case(zdoi):
    zdoi.change_stage(ZDOI, CaseStage.ANSWERED, None)
    zdoi.change_stage(ZDOI, CaseStage.CLOSED, None)
    with pytest.raises(StageChangeRefused, match="причината"):
        zdoi.change_stage(ZDOI, CaseStage.RECONSIDERATION_REQUESTED, None)
    case = zdoi.change_stage(ZDOI, CaseStage.RECONSIDERATION_REQUESTED, "Отказът не посочва основание.")
    assert case.days_overdue(dt.date(2027, 3, 1)) == 0  # no term of ours runs late meanwhile
    assert zdoi.change_stage(ZDOI, CaseStage.IN_PROGRESS, None).stage == CaseStage.IN_PROGRESS


def test_an_appeal_records_before_whom_and_when(zdoi):
    with pytest.raises(StageChangeRefused, match="От „В процес на разглеждане“ не може"):
        zdoi.change_stage(ZDOI, CaseStage.APPEALED, None, appeal_authority="Административен съд – Пловдив",
                          appealed_on=dt.date(2026, 12, 2))
    zdoi.change_stage(ZDOI, CaseStage.ANSWERED, None)
    zdoi.clock = on(dt.date(2026, 12, 20))
    with pytest.raises(StageChangeRefused, match="appeal_authority"):
        zdoi.change_stage(ZDOI, CaseStage.APPEALED, None, appealed_on=dt.date(2026, 12, 18))
    with pytest.raises(StageChangeRefused, match="в бъдещето"):
        zdoi.change_stage(ZDOI, CaseStage.APPEALED, None, appeal_authority="Административен съд – Пловдив",
                          appealed_on=dt.date(2026, 12, 21))
    case = zdoi.change_stage(ZDOI, CaseStage.APPEALED, None, appeal_authority="Административен съд – Пловдив",
                             appealed_on=dt.date(2026, 12, 18))
    assert case.history[-1].reason == "Обжалвано пред Административен съд – Пловдив на 18.12.2026."
    assert zdoi.repo.outbox[-1].envelope.body().reason == case.history[-1].reason


def test_appeal_details_belong_to_an_appeal_only(zdoi):
    with pytest.raises(StageChangeRefused, match="Обжалван"):
        zdoi.change_stage(ZDOI, CaseStage.ANSWERED, None, appeal_authority="Съд")
