"""Survey use cases: issue a case's one-time link when it closes, take the citizen's answer
once (and, when asked, open reconsideration through the tracker's own stage change), and give
officials the results per catalogue service and per unit."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Optional, Protocol

from delovod_proto.api import status as api
from delovod_proto.events import DocumentRegistered
from delovod_proto.rpc import CaseNotFound
from delovod_proto.vocabulary import CaseStage
from servicekit import logs

from ..domain.case import Actor, Case, StageChangeRefused
from ..domain.survey import (VALID_DAYS, Answer, Survey, UnknownLink, UsedLink, check_token, issue, parse_answer,
                             summarize)
from .tracker import ConcurrentChange, StatusTracker

log = logging.getLogger(__name__)
CITIZEN = Actor("citizen", "Гражданинът (чрез анкетата)")


class AbstractSurveyStore(Protocol):
    def note_service(self, case_index: str, service_code: str) -> None:
        """Remember the catalogue service of a case (from its registration)."""

    def service_of(self, case_index: str) -> Optional[str]: ...

    def add(self, survey: Survey) -> None: ...

    def get(self, token_hash: str) -> Optional[Survey]:
        """The survey with its answer, if answered; None for a hash never issued."""

    def record(self, survey: Survey, answer: Answer) -> bool:
        """Keep the answer unless the survey has one already (then False: nothing changes)."""

    def answered(self, limit: int = 10_000) -> list[Survey]:
        """The answered surveys, the latest answer first."""


class Surveys:
    def __init__(self, store: AbstractSurveyStore, tracker: StatusTracker, base_url: str,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 valid_days: int = VALID_DAYS):
        self.store, self.tracker, self.base_url, self.clock = store, tracker, base_url.rstrip("/"), clock
        self.valid_days = valid_days

    def note_registration(self, event: DocumentRegistered) -> None:
        """Keep the catalogue service of a new case (a follow-up document's is not the case's)."""
        if event.service_code and event.case_index == event.registration_index:
            self.store.note_service(event.case_index, event.service_code)

    def link_for(self, case: Case) -> str:
        """Issue the closing case's link (stored before the event that carries it is saved, so
        a link in a letter always exists; a link of a change that then failed is never sent)."""
        unit = case.official.unit if case.official else None
        token, survey = issue(case.case_index, self.store.service_of(case.case_index), unit, self.clock(),
                              self.valid_days)
        self.store.add(survey)
        logs.event(log, "survey_issued", case_index=case.case_index)
        return f"{self.base_url}/{token}"

    def open_survey(self, token: str) -> Survey:
        """The survey the link opens; MalformedLink, UnknownLink, UsedLink or ExpiredLink."""
        survey = self.store.get(check_token(token))
        if survey is None:
            raise UnknownLink("no such survey")
        survey.check_open(self.clock())
        return survey

    def answer(self, token: str, form) -> tuple[Answer, Optional[str]]:
        """Record the citizen's answer once; when they ask for reconsideration, the case moves
        to that stage with their comment as the reason. Returns the answer and, if the stage
        could not be opened (the case is no longer closed), why, in Bulgarian."""
        survey = self.open_survey(token)
        answer = parse_answer(form, self.clock())
        if not self.store.record(survey, answer):
            raise UsedLink("survey already answered")
        logs.event(log, "survey_answered", case_index=survey.case_index, rating=answer.rating,
                   reconsideration=answer.reconsideration)
        if not answer.reconsideration:
            return answer, None
        for attempt in range(3):  # the answer is kept already: a concurrent change of the case is retried
            try:
                self.tracker.change_stage(survey.case_index, CaseStage.RECONSIDERATION_REQUESTED, answer.comment,
                                          by=CITIZEN)
                return answer, None
            except ConcurrentChange as exc:
                error = exc
            except (StageChangeRefused, CaseNotFound) as exc:
                error = exc
                break
        logs.event(log, "reconsideration_not_opened", logging.WARNING, case_index=survey.case_index, error=str(error))
        return answer, str(error)

    def summary(self) -> api.SurveySummary:
        answered = self.store.answered()
        pairs = [(s, s.answer) for s in answered]
        return api.SurveySummary(
            total=len(answered),
            by_service=[_row(r) for r in summarize((s.service_code, a) for s, a in pairs)],
            by_unit=[_row(r) for r in summarize((s.unit, a) for s, a in pairs)])

    def rows(self, limit: int = 10_000) -> list[api.SurveyAnswerRow]:
        return [api.SurveyAnswerRow(case_index=s.case_index, service_code=s.service_code, unit=s.unit,
                                    rating=s.answer.rating, comment=s.answer.comment,
                                    reconsideration=s.answer.reconsideration, answered_at=s.answer.answered_at)
                for s in self.store.answered(limit)]


def _row(row) -> api.SurveyGroup:
    return api.SurveyGroup(key=row.key, count=row.count, average=row.average,
                           reconsideration_share=row.reconsideration_share)
