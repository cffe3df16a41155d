"""The status service's API: a citizen's lookup (no login) and the officials' stage changes."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from pydantic import Field

from ..base import WireModel
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


class OverdueCases(WireModel):
    """The cases past their due date without an answer, the longest overdue first."""

    items: list[OverdueCase] = Field(description="The overdue cases, the longest overdue first")


HTML = {"type": "string"}


class LookupForm(WireModel):
    """The lookup page's form, sent by POST so that the code never enters a URL. The page
    answers whatever was typed with a Bulgarian message, so nothing here is enforced."""

    index: str = Field("", max_length=100, description="Registration index as typed")
    code: str = Field("", max_length=100, description="The 8-digit access code as typed")


def _page(description: str, headers: tuple = ()) -> Reply:
    return Reply(description, media="text/html", schema=HTML, headers=headers)

OPERATIONS = (
    Operation("GET", "/api/v1/cases/lookup", "lookupCase", "A citizen's lookup by index and access code",
              {200: Reply("The case as the citizen may see it", CaseView, headers=(NO_STORE,))},
              query=LookupQuery, errors=(400, 404, 429)),
    Operation("POST", "/api/v1/cases/stage", "changeStage", "Officials move a case to a stage",
              {200: Reply("The case after the change", StageChanged)}, roles=("official", "admin"),
              body=StageChange, errors=(404, 409, 422)),
    Operation("GET", "/api/v1/cases/overdue", "overdueCases", "Officials: the cases past their due date",
              {200: Reply("The late cases", OverdueCases)}, roles=("official", "admin")),
    Operation("GET", "/", "lookupPage", "The citizens' lookup page (Bulgarian): the form, the index from "
              "a QR code or e-mail link filled in", {200: _page("The page")}, problems=False),
    Operation("POST", "/", "lookupPageSubmit", "The citizens' lookup, answered with the page itself",
              {200: _page("The case, or a Bulgarian message about what was typed"),
               400: _page("A form the server cannot read"),
               403: _page("A form sent from another site (refused, not counted)"),
               413: _page("A form too large to read"),
               429: _page("Too many failed lookups: when to try again", headers=(RETRY_AFTER,))},
              body=LookupForm, body_media="application/x-www-form-urlencoded", problems=False),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
