"""RPC requests, responses and typed errors between services (over nameko/AMQP)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from pydantic import Field

from .base import WireModel
from .vocabulary import CaseStage, ServiceVariant, TermUnit


class Term(WireModel):
    """A statutory term: a value and its unit."""

    value: int = Field(gt=0)
    unit: TermUnit


class GetServiceTermRequest(WireModel):
    """catalogue.get_service_term: the term of a service valid on a date."""

    code: str = Field(min_length=1, max_length=50)
    at: dt.date = Field(description="Date the version must be valid on (registration date)")
    variant: ServiceVariant = ServiceVariant.ORDINARY


class ServiceTermResponse(WireModel):
    """The version of a service valid on the requested date, reduced to what a case needs."""

    code: str
    version: int
    valid_from: dt.date
    name: str
    variant: ServiceVariant
    term: Optional[Term] = Field(None, description="None when the official source gives no term")
    fee_cents: Optional[int] = Field(None, ge=0)
    responsible_unit: Optional[str] = None
    legal_basis: list[str] = Field(default_factory=list)


class CaseLookupRequest(WireModel):
    """status.lookup: a citizen's lookup by index and access code (no login)."""

    registration_index: str = Field(min_length=3, max_length=100)
    access_code: str = Field(pattern=r"^\d{8}$")


class StageEntry(WireModel):
    """One step in a case's history."""

    stage: CaseStage
    at: dt.datetime
    reason: Optional[str] = None
    due_date: Optional[dt.date] = Field(None, description="The new due date, when this step moved it")


class ResumeTermRequest(WireModel):
    """registry.resume_term: the due date of a case whose proceedings were suspended on
    ``suspended_on`` and resume on ``resumed_on``: the term does not run meanwhile."""

    due_date: dt.date = Field(description="The due date in force when the case was suspended")
    term_end: Optional[dt.date] = Field(None, description="Its last day by count, before a move off a non-working day "
                                                          "(the due date if not known)")
    suspended_on: dt.date
    resumed_on: dt.date
    unit: Optional[TermUnit] = Field(None, description="Unit of the case's term (calendar days if unknown)")


class SkippedDay(WireModel):
    date: dt.date
    reason: str = Field(description="Why it is not a working day (Bulgarian)")


class ResumedTerm(WireModel):
    """The new due date and how it was computed, on the registry's working calendar."""

    due_date: dt.date
    term_end: dt.date = Field(description="The new last day by count, before a move off a non-working day")
    remaining: int = Field(ge=0, description="What was left of the term when it stopped, in ``unit``")
    unit: TermUnit
    days_stopped: int = Field(ge=0)
    skipped: list[SkippedDay] = Field(default_factory=list, description="Non-working days passed over")
    explanation: str = Field(description="How the date was computed, in Bulgarian")


class CaseView(WireModel):
    """What a citizen may see of a case (no personal data)."""

    case_index: str
    subject: str
    kind: str
    registered_at: dt.datetime
    stage: CaseStage
    stage_label: str = Field(description="Bulgarian label of the stage")
    due_date: Optional[dt.date] = None
    history: list[StageEntry]


class ServiceNotFound(LookupError):
    """No catalogue service with that code is valid on the requested date."""


class CaseNotFound(LookupError):
    """No case with that index, or the access code does not match (never say which)."""


TYPED_ERRORS = (ServiceNotFound, CaseNotFound)


RPC_MODELS = (GetServiceTermRequest, ServiceTermResponse, CaseLookupRequest, CaseView, ResumeTermRequest, ResumedTerm)
