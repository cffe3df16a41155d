import pytest

from delovod_proto.rpc import CaseLookupRequest, CaseNotFound
from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import StageChangeRefused
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered


@pytest.fixture
def tracker():
    return StatusTracker(InMemoryCaseRepository(), TEST_KEYS)


def test_registration_opens_a_case_once(tracker):
    assert tracker.on_document_registered(registered())
    assert not tracker.on_document_registered(registered())
    assert len(tracker.repo.outbox) == 1


def test_lookup_needs_the_right_code_and_never_says_which_part_was_wrong(tracker):
    tracker.on_document_registered(registered())
    view = tracker.lookup(CaseLookupRequest(registration_index="ЖЛБ-1/25.11.2026", access_code="12345678"))
    assert view.stage == CaseStage.REGISTERED and view.stage_label == "Регистриран"
    for index, code in (("ЖЛБ-1/25.11.2026", "00000000"), ("ЖЛБ-9/25.11.2026", "12345678")):
        with pytest.raises(CaseNotFound) as err:
            tracker.lookup(CaseLookupRequest(registration_index=index, access_code=code))
        assert str(err.value) == "Няма преписка с този индекс и код за достъп."


def test_suspension_needs_a_reason_and_is_kept_in_history(tracker):
    tracker.on_document_registered(registered())
    tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.IN_PROGRESS, None)
    with pytest.raises(StageChangeRefused):
        tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.SUSPENDED, None)
    case = tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.SUSPENDED, "Изчакваме становище на РИОСВ")
    assert [h.stage for h in case.history] == [CaseStage.REGISTERED, CaseStage.IN_PROGRESS, CaseStage.SUSPENDED]
    assert len(tracker.repo.outbox) == 3


def test_follow_ups_do_not_open_cases(tracker):
    assert not tracker.on_document_registered(registered("ЖЛБ-1-(1)/26.11.2026", case="ЖЛБ-1/25.11.2026"))


def test_guessing_codes_is_stopped_per_index_and_per_client():
    from status.service_layer.guard import LookupGuard, TooManyAttempts

    now = [0.0]
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, guard=LookupGuard(per_index=3, per_client=5, window_s=60,
                                                                         clock=lambda: now[0]))
    tracker.on_document_registered(registered())
    wrong = CaseLookupRequest(registration_index="ЖЛБ-1/25.11.2026", access_code="00000000")
    for _ in range(3):
        with pytest.raises(CaseNotFound):
            tracker.lookup(wrong, client="10.0.0.1")
    right = CaseLookupRequest(registration_index="ЖЛБ-1/25.11.2026", access_code="12345678")
    with pytest.raises(TooManyAttempts) as err:
        tracker.lookup(right, client="10.0.0.2")  # the index is locked for everyone
    assert 0 < err.value.retry_after_s <= 61
    now[0] = 61
    assert tracker.lookup(right, client="10.0.0.2").stage == CaseStage.REGISTERED
    for n in range(5):  # one client sweeping many indexes
        with pytest.raises(CaseNotFound):
            tracker.lookup(CaseLookupRequest(registration_index=f"ЖЛБ-{n + 9}/25.11.2026", access_code="1" * 8),
                           client="10.0.0.3")
    with pytest.raises(TooManyAttempts):
        tracker.lookup(right, client="10.0.0.3")


def _reissued(code, version, case="ЖЛБ-1/25.11.2026"):
    import datetime as dt

    from delovod_proto.access_code import hash_access_code
    from delovod_proto.events import AccessCodeReissued

    return AccessCodeReissued(case_index=case, access_code_hash=hash_access_code(code, TEST_KEYS), code_version=version,
                              reissued_at=dt.datetime(2026, 11, 26, 10, version, tzinfo=dt.timezone.utc))


def opens(tracker, code, index="ЖЛБ-1/25.11.2026"):
    try:
        return tracker.lookup(CaseLookupRequest(registration_index=index, access_code=code)).case_index == index
    except CaseNotFound:
        return False


def test_a_reissued_code_replaces_the_old_one_and_an_older_event_changes_nothing(tracker):
    tracker.on_document_registered(registered())
    assert tracker.on_access_code_reissued(_reissued("87654321", 2))
    assert opens(tracker, "87654321") and not opens(tracker, "12345678")
    # the first reissue arriving late, or the second again, does not bring an older code back
    assert not tracker.on_access_code_reissued(_reissued("11112222", 1))
    assert not tracker.on_access_code_reissued(_reissued("11112222", 2))
    assert opens(tracker, "87654321") and not opens(tracker, "11112222")


def test_a_reissue_that_overtakes_its_registration_is_held_until_the_case_opens(tracker):
    assert not tracker.on_access_code_reissued(_reissued("87654321", 1))
    assert not tracker.on_access_code_reissued(_reissued("55556666", 2))
    assert not tracker.on_access_code_reissued(_reissued("11112222", 1))  # older, arriving last: kept out
    assert tracker.on_document_registered(registered())
    assert opens(tracker, "55556666") and not opens(tracker, "12345678") and not opens(tracker, "87654321")
    assert tracker.repo.held_code("ЖЛБ-1/25.11.2026") is None


def test_a_reissue_that_holds_its_code_while_the_case_opens_applies_it_itself(tracker):
    """The registration handler looked for held codes just before this one held it."""
    repo, calls = tracker.repo, []
    real_get = repo.get

    def get(index):
        calls.append(index)
        if len(calls) == 1:  # the reissue handler's first look: not open yet...
            tracker.on_document_registered(registered())  # ...and it opens right then
            return None
        return real_get(index)
    repo.get = get
    assert tracker.on_access_code_reissued(_reissued("87654321", 1))
    repo.get = real_get
    assert opens(tracker, "87654321") and not opens(tracker, "12345678")


# -- the due date moves only as the history says (DOMAIN.md) ------------------------------
import datetime as dt  # noqa: E402

from delovod_proto.rpc import ResumedTerm  # noqa: E402
from delovod_proto.events import CaseStatusChanged  # noqa: E402

CASE = "ЖЛБ-1/25.11.2026"


class FakeTerms:
    """The registry's answer, recorded: the rest of the term runs again from the resumption."""

    def __init__(self):
        self.asked = []

    def resume(self, request):
        self.asked.append(request)
        left = ((request.term_end or request.due_date) - request.suspended_on).days
        end = request.resumed_on + dt.timedelta(days=left)
        return ResumedTerm(due_date=end, term_end=end, remaining=left,
                           unit="calendar_days", days_stopped=(request.resumed_on - request.suspended_on).days,
                           explanation="обяснение")


def at_day(day):
    return lambda: dt.datetime(2026, 12, day, 10, tzinfo=dt.timezone.utc)


def test_an_extension_needs_a_later_due_date_and_tells_both_dates(tracker):
    tracker.on_document_registered(registered())  # due 29.12.2026
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    for due in (None, dt.date(2026, 12, 29), dt.date(2026, 12, 1)):
        with pytest.raises(StageChangeRefused):
            tracker.change_stage(CASE, CaseStage.EXTENDED, "Голям обем информация", due)
    case = tracker.change_stage(CASE, CaseStage.EXTENDED, "Голям обем информация", dt.date(2027, 1, 8))
    assert case.due_date == dt.date(2027, 1, 8) and case.history[-1].due_date == dt.date(2027, 1, 8)
    event = tracker.repo.outbox[-1].envelope.body()
    assert isinstance(event, CaseStatusChanged)
    assert (event.due_date, event.previous_due_date) == (dt.date(2027, 1, 8), dt.date(2026, 12, 29))


def test_a_due_date_is_not_set_by_any_other_step(tracker):
    tracker.on_document_registered(registered())
    with pytest.raises(StageChangeRefused):
        tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, dt.date(2027, 1, 8))


def test_a_suspension_stops_the_term_and_resuming_gives_the_rest_of_it(tracker):
    tracker.on_document_registered(registered())  # due 29.12.2026
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    tracker.clock = at_day(9)
    case = tracker.change_stage(CASE, CaseStage.SUSPENDED, "Изчакваме становище на РИОСВ")
    assert case.suspended_on == dt.date(2026, 12, 9) and case.due_date == dt.date(2026, 12, 29)
    terms = FakeTerms()
    tracker.clock = at_day(21)
    with pytest.raises(StageChangeRefused):  # the date is computed, not given
        tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, dt.date(2027, 2, 1), terms)
    case = tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, terms=terms)
    asked = terms.asked[-1]
    assert (asked.due_date, asked.suspended_on, asked.resumed_on) == (dt.date(2026, 12, 29), dt.date(2026, 12, 9),
                                                                     dt.date(2026, 12, 21))
    assert case.due_date == dt.date(2027, 1, 10) and case.suspended_on is None
    assert [(h.stage, h.due_date) for h in case.history][-2:] == [(CaseStage.SUSPENDED, None),
                                                                  (CaseStage.IN_PROGRESS, dt.date(2027, 1, 10))]
    assert case.history[-1].reason == "обяснение"  # the citizen sees how the new date came about
    event = tracker.repo.outbox[-1].envelope.body()
    assert (event.previous_stage, event.previous_due_date, event.due_date) == (
        CaseStage.SUSPENDED, dt.date(2026, 12, 29), dt.date(2027, 1, 10))


def test_the_suspension_day_is_the_administrations_local_date(tracker):
    tracker.on_document_registered(registered())
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    tracker.clock = lambda: dt.datetime(2026, 12, 9, 22, 30, tzinfo=dt.timezone.utc)  # 00:30 on 10.12 in Sofia
    assert tracker.change_stage(CASE, CaseStage.SUSPENDED, "Причина").suspended_on == dt.date(2026, 12, 10)


def test_the_citizen_sees_each_due_date_the_history_set(tracker):
    tracker.on_document_registered(registered())
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    tracker.change_stage(CASE, CaseStage.EXTENDED, "Трето лице", dt.date(2027, 1, 12))
    view = tracker.lookup(CaseLookupRequest(registration_index=CASE, access_code="12345678"))
    assert view.due_date == dt.date(2027, 1, 12)
    assert [h.due_date for h in view.history] == [None, None, dt.date(2027, 1, 12)]


def test_typos_behind_the_ingress_lock_that_client_out_of_that_case_only():
    from status.service_layer.guard import LookupGuard, TooManyAttempts

    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, guard=LookupGuard(window_s=900, clock=lambda: 0.0))
    tracker.on_document_registered(registered())
    wrong = CaseLookupRequest(registration_index=CASE, access_code="00000000")
    for _ in range(10):
        with pytest.raises(CaseNotFound):
            tracker.lookup(wrong, client="203.0.113.7")
    right = CaseLookupRequest(registration_index=CASE, access_code="12345678")
    with pytest.raises(TooManyAttempts):
        tracker.lookup(right, client="203.0.113.7")
    assert tracker.lookup(right, client="198.51.100.2").case_index == CASE  # the citizen still gets in


def test_the_client_is_the_address_the_trusted_proxy_saw():
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from servicekit.http import client_address

    def request(forwarded=None, peer="10.0.0.9"):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return Request(EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": peer}).get_environ())

    ingress = "10.0.0.0/24, 192.168.5.0/24"
    assert client_address(request("203.0.113.7"), 0, ingress) == "10.0.0.9"  # nothing trusted: the peer
    assert client_address(request("203.0.113.7"), 1, ingress) == "203.0.113.7"
    assert client_address(request("6.6.6.6, 203.0.113.7"), 1, ingress) == "203.0.113.7"  # a client's own entry
    assert client_address(request(), 1, ingress) == "10.0.0.9"
    # another pod in the cluster, not the ingress, cannot pick its address
    assert client_address(request("198.51.100.1", peer="10.1.2.3"), 1, ingress) == "10.1.2.3"
    assert client_address(request("198.51.100.1"), 1, "") == "10.0.0.9"  # no network named: nobody is trusted


def test_the_overdue_event_names_the_case_its_date_and_stage(tracker, caplog):
    import logging

    from delovod_proto.events import CaseOverdue

    tracker.on_document_registered(registered())  # due 29.12.2026
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    tracker.change_stage(CASE, CaseStage.SUSPENDED, "Причина")
    tracker.clock = lambda: dt.datetime(2027, 1, 5, 9, tzinfo=dt.timezone.utc)
    assert tracker.watch_deadlines() == 0  # a suspended term stands still
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, terms=FakeTerms())  # resumed: the rest of the term from 05.01
    tracker.clock = lambda: dt.datetime(2027, 3, 1, 9, tzinfo=dt.timezone.utc)
    with caplog.at_level(logging.WARNING):
        assert tracker.watch_deadlines() == 1
    event = tracker.repo.outbox[-1].envelope.body()
    assert isinstance(event, CaseOverdue) and event.case_index == CASE and event.stage == CaseStage.IN_PROGRESS
    assert event.days_overdue == (dt.date(2027, 3, 1) - event.due_date).days > 0
    assert "case_overdue" in caplog.text


def test_the_lookup_page_shows_local_times_and_each_new_due_date(tracker):
    from werkzeug.datastructures import MultiDict

    from status.entrypoints import page

    tracker.on_document_registered(registered())  # 25.11.2026 09:00 UTC = 11:00 in Sofia
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    tracker.change_stage(CASE, CaseStage.EXTENDED, "Трето лице", dt.date(2027, 1, 12))
    html = page.render(tracker, MultiDict({"index": CASE, "code": "12345678"}), "10.0.0.1").get_data(as_text=True)
    assert "25.11.2026 11:00 — Регистриран" in html and "(нов срок: 12.01.2027)" in html
    assert "Срок за отговор: 12.01.2027" in html


def test_the_registry_is_asked_with_the_terms_own_end_and_a_legacy_suspension_day():
    terms = FakeTerms()
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS)
    event = registered().model_copy(update={"term_end": dt.date(2026, 12, 25)})  # by count; due 29.12 after the holidays
    tracker.on_document_registered(event)
    tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None)
    tracker.clock = at_day(9)
    tracker.change_stage(CASE, CaseStage.SUSPENDED, "Причина")
    case, version = tracker.repo.get(CASE)
    case.suspended_on = None  # suspended by a version that did not keep the day
    tracker.repo.save(case, version, [])
    tracker.clock = at_day(21)
    case = tracker.change_stage(CASE, CaseStage.IN_PROGRESS, None, terms=terms)
    asked = terms.asked[-1]
    assert (asked.term_end, asked.suspended_on) == (dt.date(2026, 12, 25), dt.date(2026, 12, 9))  # from the history
    assert case.due_date == case.term_end == dt.date(2027, 1, 6)  # 16 days left from 21.12
