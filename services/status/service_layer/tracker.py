"""Status use cases: open a case when a document is registered, move it through its
stages (each change announced by a CaseStatusChanged event from the case's outbox),
and answer a citizen's lookup by index and access code, without login.

Over 300 lines since session 6 (assignment, terms by law, the survey's hook): the staff reads
(history, lists) could move to a queries module like the registry's (a follow-up)."""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo
from typing import Callable, Iterable, Optional, Protocol

from delovod_proto import topics
from delovod_proto.access_code import AccessCodeKeys, verify_access_code
from delovod_proto.envelope import Envelope, TraceContext
from delovod_proto.api import status as api
from delovod_proto.events import AccessCodeReissued, CaseOverdue, CaseStatusChanged, DocumentRegistered
from delovod_proto.events import Official as WireOfficial
from delovod_proto.rpc import (CaseLookupRequest, CaseNotFound, CaseView, CountedTerm, CountTermRequest, ResumedTerm,
                              ResumeTermRequest, StageEntry)
from delovod_proto.vocabulary import CaseStage, TermUnit
from servicekit import logs
from servicekit.outbox import OutboxMessage

from ..domain import terms as law
from ..domain.case import (TERM_RUNS, TERM_STOPPED, Actor, Case, HistoryEntry, Official, StageChangeRefused,
                           appeal_reason, member_order)
from ..domain.stage_sets import StageSet
from .case_lists import CaseLists, verified_page
from .guard import LookupGuard
from .stage_sets import StageSets, code_only

log = logging.getLogger(__name__)


class AbstractCaseRepository(Protocol):
    def get(self, case_index: str) -> Optional[tuple[Case, int]]:
        """The case and its version (for compare-and-set), or None."""

    def create(self, case: Case, events: Iterable[OutboxMessage]) -> bool:
        """Insert; False if a case with that index exists already."""

    def save(self, case: Case, version: int, events: Iterable[OutboxMessage]) -> bool:
        """Replace if still at ``version``; False if someone changed it meanwhile."""

    def hold_code(self, case_index: str, code_hash: str, version: int) -> None:
        """Keep a reissued code for a case that is not open yet (highest version wins)."""

    def held_code(self, case_index: str) -> Optional[tuple[str, int]]: ...

    def drop_held_code(self, case_index: str) -> None: ...

    def listed(self, keys: list[str]) -> set[str]:
        """The members (``<due date>|<index>``) under the list index's entries ``keys``
        (``official|<username>``, ``due|<yyyy-mm>``): a superset of the truth (each is verified)."""

    def due_months(self) -> set[str]:
        """The months (``yyyy-mm``) that may hold due entries."""

    def staged(self, keys: list[str]) -> set[str]:
        """The case indexes under the stage index's entries ``keys`` (``<stage>|<yyyy-mm>``, the
        UTC month of registration): a superset of the cases in that stage (each is verified)."""

    def get_many(self, case_indexes: list[str]) -> list[Case]:
        """The cases of these indexes that exist (any order)."""


class AbstractTerms(Protocol):
    """The registry's term arithmetic (it owns the working calendar)."""

    def resume(self, request: ResumeTermRequest) -> ResumedTerm: ...

    def count(self, request: CountTermRequest) -> CountedTerm: ...


class ConcurrentChange(Exception):
    pass


class StatusTracker:
    survey_link: Callable[[Case], Optional[str]] = staticmethod(lambda case: None)  # bootstrap: Surveys.link_for
    def __init__(self, repo: AbstractCaseRepository, keys: AccessCodeKeys, trace: Callable[[], dict] = dict,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 guard: Optional[LookupGuard] = None, tz: str = "Europe/Sofia", stage_sets: Optional[StageSets] = None):
        self.repo, self.keys, self.trace, self.clock = repo, keys, trace, clock
        self.guard, self.tz = guard or LookupGuard(), ZoneInfo(tz)
        self.stage_sets = stage_sets or code_only()  # the sets a case is bound to (issue 14 item 1)
        self.lists = CaseLists(repo)

    def stage_set(self, case: Case) -> StageSet:
        """The stage set version bound to ``case`` (its stages, labels and moves)."""
        return self.stage_sets.bound(case.stage_set, case.kind)

    def _event(self, case: Case, previous: Optional[CaseStage], reason: Optional[str],
               previous_due: Optional[dt.date] = None, survey_url: Optional[str] = None) -> OutboxMessage:
        body = CaseStatusChanged(case_index=case.case_index, stage=case.stage, previous_stage=previous,
                                 changed_at=case.history[-1].at, due_date=case.due_date, reason=reason,
                                 subject=case.subject,
                                 previous_due_date=previous_due if previous_due != case.due_date else None,
                                 official=wire_official(case.official), survey_url=survey_url,
                                 stage_label=self.stage_set(case).public(case.stage),
                                 stage_labels={s: labels.public for s, labels in self.stage_set(case).stages.items()})
        envelope = Envelope.wrap(body, source="status", correlation_id=case.case_index,
                                 trace=TraceContext(**self.trace()))
        return OutboxMessage(topics.CASES_STATUS_CHANGED, case.case_index, envelope)

    def on_document_registered(self, event: DocumentRegistered) -> bool:
        """Open the case (idempotent: a redelivered event finds it open)."""
        if event.case_index != event.registration_index:
            logs.event(log, "follow_up_seen", case_index=event.case_index, index=event.registration_index)
            return False
        case = Case(event.case_index, event.subject, event.kind.value, event.registered_at, event.due_date,
                    event.access_code_hash, CaseStage.REGISTERED,
                    [HistoryEntry(CaseStage.REGISTERED, event.registered_at)],
                    term_unit=event.term_unit.value if event.term_unit else None, term_end=event.term_end)
        # bound once, like the catalogue version: later versions of the set do not change it
        case.stage_set = self.stage_sets.in_force(case.kind, event.service_code, event.registered_at).ref
        created = self.repo.create(case, [self._event(case, None, None)])
        logs.event(log, "case_opened" if created else "case_open_duplicate", case_index=case.case_index)
        # A code reissued before this event arrived (its own topic) waits here; looked at after
        # the case exists, and the reissue handler looks at the case after holding, so one of
        # the two always sees the other.
        held = self.repo.held_code(case.case_index)
        if held is not None:
            self._apply_code(case.case_index, *held)
            self.repo.drop_held_code(case.case_index)
        return created

    def on_access_code_reissued(self, event: AccessCodeReissued) -> bool:
        """The case's code was reissued at the registry: from now on only the new one opens
        it. The event may arrive before the case's DocumentRegistered: then it is held."""
        if self.repo.get(event.case_index) is None:
            self.repo.hold_code(event.case_index, event.access_code_hash, event.code_version)
            logs.event(log, "access_code_held", case_index=event.case_index, code_version=event.code_version)
            if self.repo.get(event.case_index) is None:
                return False
        return self._apply_code(event.case_index, event.access_code_hash, event.code_version)

    def _apply_code(self, case_index: str, code_hash: str, code_version: int, attempts: int = 5) -> bool:
        for _ in range(attempts):
            case, version = self.repo.get(case_index)
            if not case.reissue_code(code_hash, code_version):
                return False  # the same or a later reissue is in place
            if self.repo.save(case, version, []):
                logs.event(log, "access_code_replaced", case_index=case_index, code_version=code_version)
                return True
        raise ConcurrentChange(f"case {case_index} kept changing; the event is retried")

    def change_stage(self, case_index: str, stage: CaseStage, reason: Optional[str],
                     due_date: Optional[dt.date] = None, terms: Optional[AbstractTerms] = None,
                     by: Optional[Actor] = None, legal_ground: Optional[str] = None,
                     appeal_authority: Optional[str] = None, appealed_on: Optional[dt.date] = None) -> Case:
        """An official moves the case. An extension needs its new ``due_date`` (and names its
        ``legal_ground``, capped by it); a case that leaves a suspension, or gets what it asked
        of the citizen, has its term computed by ``terms`` (the registry's calendar); an
        appeal records before whom and when."""
        found = self.repo.get(case_index)
        if found is None:
            raise CaseNotFound(f"Няма преписка с индекс {case_index}.")
        case, version = found
        at = self.clock()
        today = self._local_date(at)
        previous_due, term_end = case.due_date, None
        stage_set = self.stage_set(case)
        case.check_move(stage, reason, stage_set)
        if legal_ground is not None and stage != CaseStage.EXTENDED:
            raise StageChangeRefused("Правно основание (legal_ground) се посочва само при удължаване на срока.")
        if stage == CaseStage.APPEALED:
            reason = appeal_reason(appeal_authority, appealed_on, today, reason)
        elif appeal_authority or appealed_on:
            raise StageChangeRefused("Орган и дата на обжалване се посочват само при етап „Обжалван“.")
        if case.stage in TERM_STOPPED and stage in TERM_RUNS and case.due_date is not None:
            if due_date is not None:
                raise StageChangeRefused("При възобновяване срокът се изчислява сам: не посочвайте due_date.")
            due_date, term_end, explanation = self._term_after_stop(case, today, terms)
            reason = reason or explanation
        if stage == CaseStage.EXTENDED and due_date is not None:
            reason = self._check_extension(case, due_date, legal_ground, terms, reason)
        previous = case.move_to(stage, at, reason, today, due_date, term_end, by, stage_set)
        survey_url = self.survey_link(case) if stage == CaseStage.CLOSED else None  # the Charter's survey
        if not self.repo.save(case, version, [self._event(case, previous, reason, previous_due, survey_url)]):
            raise ConcurrentChange("Преписката беше променена междувременно; опитайте отново.")
        logs.event(log, "case_stage_changed", case_index=case_index, stage=stage.value,
                   **({"due_date": case.due_date.isoformat()} if case.due_date != previous_due else {}))
        return case

    def _term_after_stop(self, case: Case, today: dt.date,
                         terms: Optional[AbstractTerms]) -> tuple[dt.date, dt.date, str]:
        """The due date when the term goes on: a clarified ЗДОИ request gets the full 14 days
        again from today (ЗДОИ чл. 29, ал. 2); any other case the rest of its term."""
        if terms is None:
            raise ValueError("resuming a stopped term needs the registry's calendar")
        if case.stage == CaseStage.AWAITING_CITIZEN and law.restarts_on_clarification(case.kind):
            counted = terms.count(CountTermRequest(start=today, value=law.ZDOI_CLARIFIED_DAYS,
                                                   unit=TermUnit.CALENDAR_DAYS, source=law.ZDOI_CLARIFIED_SOURCE))
            case.term_unit = TermUnit.CALENDAR_DAYS.value
            return counted.due_date, counted.term_end, counted.explanation
        resumed = terms.resume(ResumeTermRequest(due_date=case.due_date, term_end=case.term_end,
                                                 suspended_on=self._suspended_on(case, today),
                                                 resumed_on=today, unit=case.term_unit))
        return resumed.due_date, resumed.term_end, resumed.explanation

    def _check_extension(self, case: Case, due_date: dt.date, legal_ground: Optional[str],
                         terms: Optional[AbstractTerms], reason: Optional[str]) -> Optional[str]:
        """Check the extension against the rule that allows it (ground and cap); the reason
        the citizen reads then names the article."""
        ground = law.extension_ground(case.kind, legal_ground)
        if ground is None:
            return reason
        if terms is None:
            raise ValueError("capping an extension needs the registry's calendar")
        start = law.cap_start(ground, self._local_date(case.registered_at), case.due_date)
        cap = terms.count(CountTermRequest(start=start, value=ground.value, unit=ground.unit, source=ground.citation))
        law.check_cap(ground, due_date, cap.due_date)
        return f"{reason} (Основание: {ground.citation}.)"

    def assign(self, case_index: str, official: Official, reason: Optional[str] = None,
               by: Optional[Actor] = None) -> Case:
        """Make ``official`` responsible for the case; announced by a CaseStatusChanged naming
        them (a new case moves to "assigned"; one being worked keeps its stage)."""
        found = self.repo.get(case_index)
        if found is None:
            raise CaseNotFound(f"Няма преписка с индекс {case_index}.")
        case, version = found
        previous = case.assign(official, self.clock(), by, reason, self.stage_set(case))
        if not self.repo.save(case, version, [self._event(case, previous, reason, case.due_date)]):
            raise ConcurrentChange("Преписката беше променена междувременно; опитайте отново.")
        logs.event(log, "case_assigned", case_index=case_index, official=official.username,
                   by=by.username if by else None)
        return case

    def staff_view(self, case_index: str) -> api.StaffCaseView:
        """A case for staff, with its whole history (who changed what, and the due dates)."""
        found = self.repo.get(case_index.strip())
        if found is None:
            raise CaseNotFound(f"Няма преписка с индекс {case_index.strip()}.")
        case = found[0]
        labels = self.stage_set(case)
        return api.StaffCaseView(
            case_index=case.case_index, subject=case.subject, kind=case.kind, registered_at=case.registered_at,
            stage=case.stage, stage_label=labels.internal(case.stage), due_date=case.due_date,
            official=wire_official(case.official), next_stages=labels.next_stages(case.stage),
            stage_set=api.StageSetBinding(key=labels.key, version=labels.version),
            history=[api.HistoryStep(stage=h.stage, stage_label=labels.internal(h.stage), at=h.at, reason=h.reason,
                                     due_date=h.due_date, previous_due_date=h.previous_due_date,
                                     by=api.StaffMember(username=h.by.username, name=h.by.name) if h.by else None,
                                     official=wire_official(h.official))
                     for h in case.history])

    def assigned_to(self, username: str, after: Optional[str] = None,
                    limit: int = 200) -> tuple[list[api.CaseSummary], Optional[str]]:
        """A page of the official's open cases, the soonest due first (those without a due date
        last), after the cursor ``<due date>|<index>``; the next page's cursor, or None."""
        found, after = self.lists.assigned(username, after, limit)
        return self._summaries(found), after

    def due_until(self, last: dt.date, after: Optional[str] = None,
                  limit: int = 200) -> tuple[list[api.CaseSummary], Optional[str]]:
        """A page of the cases whose term runs and ends from today through ``last``, the soonest first."""
        today = self._local_date(self.clock())
        if last < today:
            return [], None
        found, after = self.lists.due(today, last, after, limit)
        return self._summaries(found), after

    def stages(self, case_indexes: list[str]) -> list[api.CaseStageRow]:
        """Each known case's stage and lateness, in the order asked (a journal page's cases)."""
        today = self._local_date(self.clock())
        found = {c.case_index: c for c in self.repo.get_many(list(dict.fromkeys(case_indexes)))}
        return [api.CaseStageRow(case_index=c.case_index, stage=c.stage, stage_label=self.stage_set(c).internal(c.stage),
                                 due_date=c.due_date, days_overdue=c.days_overdue(today))
                for c in (found.get(i) for i in dict.fromkeys(case_indexes)) if c is not None]

    def in_stage(self, stage: Optional[CaseStage], overdue: bool, first: dt.date, last: dt.date,
                 after: Optional[str] = None, limit: int = 200) -> tuple[list[api.StagedCase], Optional[str]]:
        """The cases in ``stage`` (any stage if None), only those late if ``overdue``, registered
        on local days [first, last], by registration time then index, after the cursor
        ``<ISO time>|<index>``: the stage index's month entries read by ``_id``, ordered by the
        times they hold, and only as many candidates verified (each case read by ``_id``) as
        fill ``limit``. The next page's cursor, or None."""
        stages = [stage] if stage else list(CaseStage)
        if overdue:
            stages = [s for s in stages if s in TERM_RUNS]
        months, day = [], first - dt.timedelta(days=1)  # the UTC months around the local days
        while day <= last + dt.timedelta(days=1):
            months.append(f"{day:%Y-%m}")
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append(f"{last + dt.timedelta(days=1):%Y-%m}")
        keys = [f"{s.value}|{m}" for s in stages for m in dict.fromkeys(months)]
        since = member_order(after) if after else None
        today = self._local_date(self.clock())
        # overdue: only those the list index has due before today (a superset of the late ones),
        # so the cases read are about the page's, not every running case of the months
        late = self.lists.late_indexes(today) if overdue else None
        candidates = sorted({o for o in map(member_order, self.repo.staged(keys))
                             if first <= self._local_date(o[0]) <= last and (since is None or o > since)
                             and (late is None or o[1] in late)})
        found, more = verified_page(candidates, self.repo.get_many,
                                    lambda _, c: c.stage in stages and (not overdue or c.days_overdue(today)), limit)
        rows = [api.StagedCase(case_index=c.case_index, registered_at=c.registered_at, stage=c.stage,
                               stage_label=self.stage_set(c).internal(c.stage), due_date=c.due_date,
                               days_overdue=c.days_overdue(today)) for _, c in found]
        return rows, (f"{found[-1][0][0].isoformat()}|{found[-1][0][1]}" if more else None)

    def _suspended_on(self, case: Case, today: dt.date) -> dt.date:
        """The day its term stopped; for a case suspended before that was kept, the local date
        of its last suspension in the history."""
        if case.suspended_on is not None:
            return case.suspended_on
        last = next((h for h in reversed(case.history) if h.stage in TERM_STOPPED), None)
        return self._local_date(last.at) if last else today

    def _local_date(self, moment: dt.datetime) -> dt.date:
        """The administration's date at ``moment`` (terms count in local days)."""
        return moment.astimezone(self.tz).date()

    # -- deadlines -------------------------------------------------------------------
    def watch_deadlines(self, limit: int = 1000) -> int:
        """Announce every case whose due date has passed without an answer: a CaseOverdue
        event from the case's outbox and a warning in the log (for alerting), once per case
        and due date (a later extension can make it overdue again). Replicas may watch at
        the same time: the case's compare-and-set lets one of them announce it."""
        now = self.clock()
        today = self._local_date(now)
        announced = 0
        for late in self.lists.every_overdue(today):  # the list index: no scan
            if announced >= limit:
                break
            if not late.newly_overdue(today):
                continue
            found = self.repo.get(late.case_index)
            if found is None:
                continue
            case, version = found
            days = case.newly_overdue(today)
            if not days:
                continue
            case.overdue_for = case.due_date
            body = CaseOverdue(case_index=case.case_index, subject=case.subject, kind=case.kind, stage=case.stage,
                               due_date=case.due_date, days_overdue=days, seen_at=now)
            event = OutboxMessage(topics.CASES_OVERDUE, case.case_index,
                                  Envelope.wrap(body, source="status", correlation_id=case.case_index,
                                                trace=TraceContext(**self.trace())))
            if self.repo.save(case, version, [event]):
                announced += 1
                logs.event(log, "case_overdue", logging.WARNING, case_index=case.case_index,
                           due_date=case.due_date.isoformat(), days_overdue=days, stage=case.stage.value)
        return announced

    def overdue(self, after: Optional[str] = None, limit: int = 200) -> tuple[list[api.OverdueCase], Optional[str]]:
        """For officials: a page of the cases running late, the longest overdue first (by due
        date, then index), after the cursor ``<due date>|<index>``; the next page's cursor, or None."""
        today = self._local_date(self.clock())
        found, after = self.lists.overdue(today, after, limit)
        return [api.OverdueCase(case_index=c.case_index, subject=c.subject, kind=c.kind, stage=c.stage,
                                stage_label=self.stage_set(c).internal(c.stage), due_date=c.due_date,
                                days_overdue=c.days_overdue(today), official=wire_official(c.official))
                for c in found], after

    def lookup(self, request: CaseLookupRequest, client: str = "") -> CaseView:
        """A citizen's lookup; failures count against the index and the client."""
        return self._citizen_view(self.check_access(request, client))

    def lookup_with_official(self, request: CaseLookupRequest,
                             client: str = "") -> tuple[CaseView, Optional[WireOfficial]]:
        """The citizen's lookup and the official responsible for the case (the Charter: the
        status page names them with a phone and an email), or None before it is assigned."""
        case = self.check_access(request, client)
        return self._citizen_view(case), wire_official(case.official)

    def check_access(self, request: CaseLookupRequest, client: str = "") -> Case:
        """The case the index and access code open; failures count against the index and the client
        (TooManyAttempts past a limit, CaseNotFound when they do not match)."""
        index = request.registration_index.strip()
        self.guard.check(index, client)
        found = self.repo.get(index)
        if found is None or not verify_access_code(request.access_code, found[0].access_code_hash, self.keys):
            self.guard.failed(index, client)
            logs.event(log, "case_lookup_failed", case_index=index[:100])
            raise CaseNotFound("Няма преписка с този индекс и код за достъп.")
        return found[0]

    def _citizen_view(self, case: Case) -> CaseView:
        """What the citizen reads: the public labels of the case's own stage set."""
        labels = self.stage_set(case)
        return CaseView(case_index=case.case_index, subject=case.subject, kind=case.kind,
                        registered_at=case.registered_at, stage=case.stage, stage_label=labels.public(case.stage),
                        due_date=case.due_date,
                        history=[StageEntry(stage=h.stage, at=h.at, reason=h.reason, due_date=h.due_date,
                                            stage_label=labels.public(h.stage)) for h in case.history])

    def _summaries(self, cases: list[Case]) -> list[api.CaseSummary]:
        return [api.CaseSummary(case_index=c.case_index, subject=c.subject, kind=c.kind, stage=c.stage,
                                stage_label=self.stage_set(c).internal(c.stage), due_date=c.due_date,
                                official=wire_official(c.official))
                for c in cases]


def wire_official(official: Optional[Official]) -> Optional[WireOfficial]:
    return WireOfficial(**vars(official)) if official else None

