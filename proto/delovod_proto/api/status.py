"""The status service's API: a citizen's lookup (no login) and the officials' stage changes."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

from pydantic import Field

from ..base import WireModel
from ..events import Official
from ..rpc import CaseView
from ..vocabulary import CaseStage
from .common import NO_STORE, RETRY_AFTER, Health, Operation, Ready, Reply


class LookupQuery(WireModel):
    """A citizen's lookup: the registration index and the access code from the receipt."""

    index: str = Field(min_length=3, max_length=100, description="Registration index, e.g. 'ЖЛБ-12/25.11.2026'")
    code: str = Field(pattern=r"^\d{8}$", description="The 8-digit access code")


class StageChange(WireModel):
    """An official moves a case to a stage (the allowed moves: status's domain)."""

    case_index: str = Field(min_length=3, max_length=100, description="Index of the case to move")
    stage: CaseStage = Field(description="The stage it moves to")
    reason: Optional[str] = Field(None, max_length=2000, description="Shown to the citizen; required for a "
                                                                    "suspension and an extension")
    due_date: Optional[dt.date] = Field(None, description="The new due date of an extension (YYYY-MM-DD)")
    legal_ground: Optional[str] = Field(None, max_length=40, description="An extension's legal ground, one the case's "
                                        "kind allows (e.g. 'zdoi_30_1': ЗДОИ чл. 30, ал. 1, up to 10 days more); "
                                        "required for a public information request")
    appeal_authority: Optional[str] = Field(None, max_length=300, description="An appeal: the authority it is "
                                            "lodged with (e.g. 'Административен съд – Пловдив')")
    appealed_on: Optional[dt.date] = Field(None, description="An appeal: the day it was lodged (YYYY-MM-DD)")


class StageChanged(WireModel):
    case_index: str = Field(description="Index of the case")
    stage: CaseStage = Field(description="The stage it is in now")
    due_date: Optional[dt.date] = Field(None, description="The due date in force after the change")


class OverdueCase(WireModel):
    case_index: str = Field(description="Index of the case")
    subject: str = Field(description="What the case is about")
    kind: str = Field(description="The document kind that opened the case")
    stage: CaseStage = Field(description="The stage it is stuck in")
    stage_label: str = Field(description="Bulgarian label of the stage")
    due_date: dt.date = Field(description="The due date that passed")
    days_overdue: int = Field(ge=1, description="Calendar days since the due date")
    official: Optional[Official] = Field(None, description="The responsible official and their unit, if assigned")


class OverdueCases(WireModel):
    """A page of the cases past their due date without an answer, the longest overdue first."""

    items: list[OverdueCase] = Field(description="The overdue cases, by due date (the longest overdue first), "
                                                 "then index")
    next: Optional[str] = Field(None, description="Pass as 'after' for the next page; null on the last page")


LIST_CURSOR = r"^\d{4}-\d\d-\d\d\|.{1,100}$"


class ListPage(WireModel):
    """Where a page of an officials' list starts and how long it is."""

    after: Optional[str] = Field(None, pattern=LIST_CURSOR,
                                 description="'<due date>|<case index>' of the last case already seen (the "
                                             "previous page's 'next'; 9999-12-31 stands for no due date)")
    limit: int = Field(200, ge=1, le=200, description="Cases per page")


class OverdueQuery(ListPage):
    """A page of the cases running late."""


class CaseIndexQuery(WireModel):
    index: str = Field(min_length=3, max_length=100, description="Index of the case, e.g. 'ЖЛБ-12/25.11.2026'")


class StaffMember(WireModel):
    """Who made a change, as their staff token named them."""

    username: str = Field(description="Directory account")
    name: str = Field(description="Full name")


class HistoryStep(WireModel):
    """One change of a case, as staff see it: what, when, why, the due date it moved, who."""

    stage: CaseStage = Field(description="The stage after the change")
    stage_label: str = Field(description="Bulgarian label of that stage")
    at: dt.datetime = Field(description="When (UTC)")
    reason: Optional[str] = Field(None, description="Why (shown to the citizen)")
    due_date: Optional[dt.date] = Field(None, description="The new due date, when the change moved it")
    previous_due_date: Optional[dt.date] = Field(None, description="The due date it replaced, when the change moved it")
    by: Optional[StaffMember] = Field(None, description="Who made the change; null for the registration itself "
                                                        "(the registry's audit names the clerk) and for old entries")
    official: Optional[Official] = Field(None, description="The official the change assigned the case to")


class StageSetBinding(WireModel):
    key: str = Field(description="The set: a document kind, or 'service:<catalogue code>'")
    version: int = Field(ge=1, description="Its version bound to the case at registration")


class StaffCaseView(WireModel):
    """A case for staff: its stage, due date, responsible official and full history."""

    case_index: str = Field(description="Index of the case")
    subject: str = Field(description="What the case is about")
    kind: str = Field(description="The document kind that opened the case")
    registered_at: dt.datetime = Field(description="When it was registered (UTC)")
    stage: CaseStage = Field(description="The stage it is in")
    stage_label: str = Field(description="Bulgarian label of the stage")
    due_date: Optional[dt.date] = Field(None, description="The due date in force")
    official: Optional[Official] = Field(None, description="The responsible official; null until assigned")
    history: list[HistoryStep] = Field(description="Every change, the oldest first")
    next_stages: list[CaseStage] = Field(default_factory=list, description="The stages the case may move to now, "
                                         "by the law and the case's stage set")
    stage_set: Optional[StageSetBinding] = Field(None, description="The stage set version bound to the case")


class Assignment(WireModel):
    """Staff assign a case to an official of a unit (from the directory)."""

    case_index: str = Field(min_length=3, max_length=100, description="Index of the case")
    official: Official = Field(description="The official who becomes responsible, with their unit and contacts")
    reason: Optional[str] = Field(None, max_length=2000, description="A note kept in the history (optional)")


class Assigned(WireModel):
    case_index: str = Field(description="Index of the case")
    stage: CaseStage = Field(description="The stage it is in after the assignment")
    official: Official = Field(description="The responsible official now")


class AssignedQuery(ListPage):
    official: str = Field(min_length=1, max_length=64, description="Directory account of the official")


class DueQuery(ListPage):
    until: dt.date = Field(description="Last due date to include (YYYY-MM-DD); the list starts today")


class CaseSummary(WireModel):
    case_index: str = Field(description="Index of the case")
    subject: str = Field(description="What the case is about")
    kind: str = Field(description="The document kind that opened the case")
    stage: CaseStage = Field(description="The stage it is in")
    stage_label: str = Field(description="Bulgarian label of the stage")
    due_date: Optional[dt.date] = Field(None, description="The due date in force")
    official: Optional[Official] = Field(None, description="The responsible official, if assigned")


class CaseSummaries(WireModel):
    items: list[CaseSummary] = Field(description="The cases, the soonest due first (those without a due date "
                                                 "last), then by index")
    next: Optional[str] = Field(None, description="Pass as 'after' for the next page; null on the last page")


class StagesQuery(WireModel):
    """The indexes of up to 200 cases (a page of the journal), to show or filter by their stage."""

    indexes: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1, max_length=200,
                                                                               description="Case indexes")


class CaseStageRow(WireModel):
    case_index: str = Field(description="Index of the case")
    stage: CaseStage = Field(description="The stage it is in")
    stage_label: str = Field(description="Bulgarian label of the stage")
    due_date: Optional[dt.date] = Field(None, description="The due date in force")
    days_overdue: int = Field(ge=0, description="Calendar days past the due date while its term runs; 0 if not late")


class CaseStages(WireModel):
    items: list[CaseStageRow] = Field(description="The cases status knows, in the order asked (unknown ones left out)")


STAGED_MAX_DAYS = 366


class StagedQuery(WireModel):
    """The cases in a stage (or running late) registered in a range of local days."""

    stage: Optional[CaseStage] = Field(None, description="Only cases in this stage (any stage if left out)")
    overdue: bool = Field(False, description="Only cases whose term runs and whose due date has passed")
    date_from: dt.date = Field(alias="from", description="First local day of registration")
    date_to: Optional[dt.date] = Field(None, alias="to", description="Last local day (default: the first day); "
                                                                    f"at most {STAGED_MAX_DAYS} days in all")
    after: Optional[str] = Field(None, pattern=r"^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?\|.{1,100}$",
                                 description="'<registered_at>|<case index>' of the last case already seen "
                                             "(the previous page's 'next')")
    limit: int = Field(200, ge=1, le=200, description="Cases per page")


class StagedCase(CaseStageRow):
    registered_at: dt.datetime = Field(description="When the document was registered")


class StagedCases(WireModel):
    items: list[StagedCase] = Field(description="The matching cases, by registration time then index")
    next: Optional[str] = Field(None, description="Pass as 'after' for the next page; null on the last page")


# -- the satisfaction survey (Client Charter) ---------------------------------------------------
class SurveyPath(WireModel):
    token: str = Field(max_length=200, description="The one-time token of the survey link (43 URL-safe characters)")


class SurveyForm(WireModel):
    """The survey page's form. The page answers whatever was sent with a Bulgarian message, so
    nothing here is enforced (the rules: status's domain/survey.py)."""

    rating: str = Field("", max_length=10, description="The rating, 1 to 5")
    comment: str = Field("", max_length=5000, description="A comment (up to 1000 characters are taken)")
    reconsideration: str = Field("", max_length=10, description="'yes' to ask for the decision to be reconsidered")


class SurveyGroup(WireModel):
    key: str = Field(description="The catalogue service code or the unit ('—' when the case had none)")
    count: int = Field(ge=0, description="Answers")
    average: float = Field(ge=0, le=5, description="Average rating, 1 to 5")
    reconsideration_share: float = Field(ge=0, le=1, description="Share of answers asking for reconsideration")


class SurveySummary(WireModel):
    total: int = Field(ge=0, description="The answers counted (the latest 10 000 at most)")
    by_service: list[SurveyGroup] = Field(description="Per catalogue service, the most answered first")
    by_unit: list[SurveyGroup] = Field(description="Per unit of the responsible official, the most answered first")


class SurveyAnswerRow(WireModel):
    case_index: str = Field(description="Index of the case")
    service_code: Optional[str] = Field(None, description="Its catalogue service, if an application")
    unit: Optional[str] = Field(None, description="The unit of its responsible official when it closed")
    rating: int = Field(ge=1, le=5, description="The rating")
    comment: Optional[str] = Field(None, description="The citizen's comment")
    reconsideration: bool = Field(description="Whether they asked for reconsideration")
    answered_at: dt.datetime = Field(description="When (UTC)")


class SurveyAnswers(WireModel):
    items: list[SurveyAnswerRow] = Field(description="The answers, the latest first")


# -- stage sets per kind and catalogue service (issue 14 item 1): admins ----------------------------
STAGE_SET_KEY = r"^(complaint|signal|proposal|letter|service_application|public_information_request|service:[^\s/]{1,100})$"


class StageSetPath(WireModel):
    key: str = Field(pattern=STAGE_SET_KEY, description="The set: a document kind (e.g. 'complaint'), or "
                     "'service:<catalogue code>' for one service's own set")


class StageSetStage(WireModel):
    stage: CaseStage = Field(description="A stage the set uses")
    public_label: str = Field(max_length=500, description="What the citizen reads (status page, letters)")
    internal_label: str = Field(max_length=500, description="What staff read (the desk)")


class StageSetTransition(WireModel):
    stage: CaseStage = Field(description="From this stage")
    to: list[CaseStage] = Field(max_length=20, description="Only to these (a narrowing of the law's moves)")


class StageSetEdit(WireModel):
    """A new version of a stage set (status checks the rules: the stages every set has, what
    the law forbids for the kind, labels, every stage reachable)."""

    based_on: int = Field(ge=0, description="The version the admin edited (0: a service's first set); another "
                          "written since is a 409 with the newest")
    kind: Optional[str] = Field(None, max_length=40, description="The document kind of a service's first set "
                                "(default service_application); ignored otherwise")
    stages: list[StageSetStage] = Field(max_length=20, description="The stages used, with their labels")
    transitions: list[StageSetTransition] = Field(default_factory=list, max_length=20,
                                                  description="Fewer moves than the law's, per stage (optional)")
    reason: str = Field(max_length=2000, description="Why (kept in the versions' history)")
    valid_from: Optional[dt.date] = Field(None, description="From which day (today or later); default: now")


class StageSetView(WireModel):
    key: str = Field(description="The set: a document kind, or 'service:<catalogue code>'")
    kind: str = Field(description="Its document kind (the law's floor of its stages)")
    service_code: Optional[str] = Field(None, description="The catalogue service, for a service's own set")
    version: int = Field(ge=1, description="Version number")
    valid_from: dt.datetime = Field(description="Cases registered from then on are bound to it (UTC)")
    stages: list[StageSetStage] = Field(description="The stages used, in the vocabulary's order")
    transitions: list[StageSetTransition] = Field(description="The narrowed moves (empty: the law's)")
    author: Optional[str] = Field(None, description="The admin who made it; null for version 1 from the code")
    reason: Optional[str] = Field(None, description="Why")
    created_at: Optional[dt.datetime] = Field(None, description="When it was written (UTC)")


class StageSetList(WireModel):
    items: list[StageSetView] = Field(description="The newest version of every set: the kinds, then the services")


class StageSetVersions(WireModel):
    key: str = Field(description="The set")
    items: list[StageSetView] = Field(description="Every version, the oldest first")


class StageSetConflict(WireModel):
    latest: StageSetView = Field(description="The newest version, to edit instead")


HTML = {"type": "string"}


class LookupForm(WireModel):
    """The lookup page's form, sent by POST so that the code never enters a URL. The page
    answers whatever was typed with a Bulgarian message, so nothing here is enforced."""

    index: str = Field("", max_length=100, description="Registration index as typed")
    code: str = Field("", max_length=100, description="The 8-digit access code as typed")


class ContactChangeForm(LookupForm):
    """The case page's "Промяна на данните за връзка": the index and the access code again, the
    channel and the one new address for it (status's domain/contact_form.py checks them)."""

    channel: str = Field("", max_length=10, description="email or sms: how the citizen wants to be told")
    email: str = Field("", max_length=300, description="The new email address (channel email)")
    phone: str = Field("", max_length=100, description="The new mobile number (channel sms)")


class ContactConfirmForm(LookupForm):
    """The code sent to the new address, typed back with the index and the access code again."""

    confirmation: str = Field("", max_length=100, description="The 6-digit code sent to the new address")


def _page(description: str, headers: tuple = ()) -> Reply:
    return Reply(description, media="text/html", schema=HTML, headers=headers)

OPERATIONS = (
    Operation("GET", "/api/v1/cases/lookup", "lookupCase", "A citizen's lookup by index and access code",
              {200: Reply("The case as the citizen may see it", CaseView, headers=(NO_STORE,))},
              query=LookupQuery, errors=(400, 404, 429)),
    Operation("POST", "/api/v1/cases/stage", "changeStage", "Officials move a case to a stage",
              {200: Reply("The case after the change", StageChanged)}, roles=("official", "admin"),
              body=StageChange, errors=(404, 409, 422)),
    Operation("GET", "/api/v1/cases/overdue", "overdueCases", "Officials: a page of the cases past their due date",
              {200: Reply("The late cases", OverdueCases)}, roles=("official", "admin"), query=OverdueQuery,
              errors=(400,)),
    Operation("GET", "/api/v1/cases/by-index", "staffCaseView", "Staff: a case with its full stage history",
              {200: Reply("The case", StaffCaseView)}, roles=("clerk", "official", "admin"),
              query=CaseIndexQuery, errors=(400, 404)),
    Operation("POST", "/api/v1/cases/assign", "assignCase", "Staff assign a case to an official of a unit",
              {200: Reply("The case after the assignment", Assigned)}, roles=("clerk", "official", "admin"),
              body=Assignment, errors=(404, 409, 422)),
    Operation("GET", "/api/v1/cases/assigned", "assignedCases",
              "Staff: a page of the open cases assigned to an official",
              {200: Reply("The cases, the soonest due first", CaseSummaries)}, roles=("clerk", "official", "admin"),
              query=AssignedQuery, errors=(400,)),
    Operation("GET", "/api/v1/cases/due", "dueCases",
              "Staff: a page of the cases whose term runs and ends from today to a date",
              {200: Reply("The cases, the soonest due first", CaseSummaries)}, roles=("clerk", "official", "admin"),
              query=DueQuery, errors=(400,)),
    Operation("GET", "/api/v1/cases/staged", "stagedCases",
              "Staff: the cases in a stage, or running late, registered in a range of days (by the stage index)",
              {200: Reply("The matching cases", StagedCases)}, roles=("clerk", "official", "admin"),
              query=StagedQuery, errors=(400,)),
    Operation("POST", "/api/v1/cases/stages", "caseStages", "Staff: the stage of each of up to 200 cases",
              {200: Reply("The cases status knows", CaseStages)}, roles=("clerk", "official", "admin"),
              body=StagesQuery, errors=(422,)),
    Operation("GET", "/api/v1/admin/stage-sets", "listStageSets", "Admins: the newest version of every stage set",
              {200: Reply("The sets", StageSetList)}, roles=("admin",)),
    Operation("GET", "/api/v1/admin/stage-sets/{key}/versions", "stageSetVersions",
              "Admins: every version of a stage set (valid from, who, why)",
              {200: Reply("The versions", StageSetVersions)}, path_params=StageSetPath, roles=("admin",),
              errors=(400, 404)),
    Operation("POST", "/api/v1/admin/stage-sets/{key}/versions", "createStageSetVersion",
              "Admins: a new version of a stage set, bound to cases registered from its start",
              {201: Reply("The new version", StageSetView)}, path_params=StageSetPath, body=StageSetEdit,
              roles=("admin",), errors=(400, 404, 409, 422)),
    Operation("GET", "/", "lookupPage", "The citizens' lookup page (Bulgarian): the form, the index from "
              "a QR code or e-mail link filled in", {200: _page("The page")}, problems=False),
    Operation("POST", "/", "lookupPageSubmit", "The citizens' lookup, answered with the page itself",
              {200: _page("The case, or a Bulgarian message about what was typed"),
               400: _page("A form the server cannot read"),
               403: _page("A form sent from another site (refused, not counted)"),
               413: _page("A form too large to read"),
               429: _page("Too many failed lookups: when to try again", headers=(RETRY_AFTER,))},
              body=LookupForm, body_media="application/x-www-form-urlencoded", problems=False),
    Operation("POST", "/contact", "contactChangeSubmit", "A citizen asks that letters go to a new email address "
              "or mobile phone; a code goes there (nothing changes until it comes back)",
              {200: _page("Where the code went and until when, with the form to type it; or that nothing changes"),
               400: _page("A form the server cannot read"), 403: _page("A form sent from another site (refused)"),
               404: _page("The index and access code do not open a case"), 413: _page("A form too large to read"),
               422: _page("What to correct, in Bulgarian"),
               429: _page("Too many failed tries, or a code for another address was asked for a moment ago",
                          headers=(RETRY_AFTER,))},
              body=ContactChangeForm, body_media="application/x-www-form-urlencoded", problems=False),
    Operation("POST", "/contact/confirm", "contactConfirmSubmit", "The code sent to the new address, typed back: the "
              "letters go there from now on, and the old address is told",
              {200: _page("The contact is changed"), 400: _page("A form the server cannot read"),
               403: _page("A form sent from another site (refused)"),
               404: _page("The index and access code do not open a case"), 413: _page("A form too large to read"),
               410: _page("The code expired, was used, was typed wrong too often or was replaced: start again"),
               422: _page("A wrong code (with the tries left) or a malformed one, in Bulgarian"),
               429: _page("Too many failed tries", headers=(RETRY_AFTER,))},
              body=ContactConfirmForm, body_media="application/x-www-form-urlencoded", problems=False),
    Operation("GET", "/api/v1/surveys/summary", "surveySummary", "Officials: survey results per service and unit",
              {200: Reply("The results", SurveySummary)}, roles=("official", "admin")),
    Operation("GET", "/api/v1/surveys", "surveyAnswers", "Officials: every survey answer, the latest first",
              {200: Reply("The answers", SurveyAnswers)}, roles=("official", "admin")),
    Operation("GET", "/survey/{token}", "surveyPage", "The citizen's one-time survey page (Bulgarian)",
              {200: _page("The survey form"), 400: _page("A malformed link"), 404: _page("An unknown link"),
               410: _page("A link used already or expired")}, path_params=SurveyPath, problems=False),
    Operation("POST", "/survey/{token}", "surveyPageSubmit", "The citizen's survey answer, answered with the page",
              {200: _page("Thanks, or a Bulgarian message about what to correct"), 400: _page("A malformed link "
               "or a form the server cannot read"), 403: _page("A form sent from another site (refused)"),
               404: _page("An unknown link"), 410: _page("A link used already or expired"),
               413: _page("A form too large to read")},
              path_params=SurveyPath, body=SurveyForm, body_media="application/x-www-form-urlencoded", problems=False),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
