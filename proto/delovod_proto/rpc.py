"""RPC requests, responses and typed errors between services (over nameko/AMQP)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Literal, Optional

from pydantic import Field, model_validator

from .base import WireModel
from .vocabulary import CaseStage, ServiceVariant, TermUnit


class Term(WireModel):
    """A statutory term: a value and its unit."""

    value: int = Field(gt=0, description="How many units")
    unit: TermUnit = Field(description="Calendar days, working days, months, ...")


class GetServiceTermRequest(WireModel):
    """catalogue.get_service_term: the term of a service valid on a date."""

    code: str = Field(min_length=1, max_length=50, description="Catalogue service code")
    at: dt.date = Field(description="Date the version must be valid on (registration date)")
    variant: ServiceVariant = Field(ServiceVariant.ORDINARY, description="Service variant (ordinary, fast, express)")


class ServiceTermResponse(WireModel):
    """The version of a service valid on the requested date, reduced to what a case needs."""

    code: str = Field(description="Catalogue service code")
    version: int = Field(description="Catalogue version valid on the requested date (bound to the case)")
    valid_from: dt.date = Field(description="First day that version applies")
    name: str = Field(description="The service's name in that version")
    variant: ServiceVariant = Field(description="The variant whose term and fee these are")
    term: Optional[Term] = Field(None, description="None when the official source gives no term")
    fee_cents: Optional[int] = Field(None, ge=0, description="Fee in euro cents; null when the source gives none")
    responsible_unit: Optional[str] = Field(None, description="Administrative unit that provides the service")
    legal_basis: list[str] = Field(default_factory=list, description="Acts and articles the service rests on")
    appeal_authority: Optional[str] = Field(None, description="Who hears an appeal of the answer (the card's field); "
                                                              "null: the catalogue does not say")
    appeal_term: Optional[str] = Field(None, description="By when the answer can be appealed, as the card words it; "
                                                         "null: the catalogue does not say")


class CaseLookupRequest(WireModel):
    """status.lookup: a citizen's lookup by index and access code (no login)."""

    registration_index: str = Field(min_length=3, max_length=100, description="The index printed on the citizen's receipt")
    access_code: str = Field(pattern=r"^\d{8}$", description="The 8-digit access code printed on the receipt")


class StageEntry(WireModel):
    """One step in a case's history."""

    stage: CaseStage = Field(description="The stage entered")
    at: dt.datetime = Field(description="When (UTC)")
    reason: Optional[str] = Field(None, description="Why (Bulgarian), when the official gave a reason")
    due_date: Optional[dt.date] = Field(None, description="The new due date, when this step moved it")
    stage_label: Optional[str] = Field(None, description="The stage's public label (Bulgarian) in the case's "
                                       "stage set version; null from older servers")


class ResumeTermRequest(WireModel):
    """registry.resume_term: the due date of a case whose proceedings were suspended on
    ``suspended_on`` and resume on ``resumed_on``: the term does not run meanwhile."""

    due_date: dt.date = Field(description="The due date in force when the case was suspended")
    term_end: Optional[dt.date] = Field(None, description="Its last day by count, before a move off a non-working day "
                                                          "(the due date if not known)")
    suspended_on: dt.date = Field(description="The day the case was suspended")
    resumed_on: dt.date = Field(description="The day it resumes (the term counts on from here)")
    unit: Optional[TermUnit] = Field(None, description="Unit of the case's term (calendar days if unknown)")


class SkippedDay(WireModel):
    date: dt.date = Field(description="The day passed over")
    reason: str = Field(description="Why it is not a working day (Bulgarian)")


class ResumedTerm(WireModel):
    """The new due date and how it was computed, on the registry's working calendar."""

    due_date: dt.date = Field(description="The new due date (on a working day)")
    term_end: dt.date = Field(description="The new last day by count, before a move off a non-working day")
    remaining: int = Field(ge=0, description="What was left of the term when it stopped, in ``unit``")
    unit: TermUnit = Field(description="Unit of remaining")
    days_stopped: int = Field(ge=0, description="Calendar days the term stood still")
    skipped: list[SkippedDay] = Field(default_factory=list, description="Non-working days passed over")
    explanation: str = Field(description="How the date was computed, in Bulgarian")


class CountTermRequest(WireModel):
    """registry.count_term: the last day of a term of ``value`` ``unit`` from ``start``, on the
    registry's working calendar (a clarified ЗДОИ request's fresh 14 days, ЗДОИ чл. 29, ал. 2;
    the cap of an extension)."""

    start: dt.date = Field(description="The day the term starts from (not counted)")
    value: int = Field(ge=0, le=3660, description="The term's length in ``unit``")
    unit: TermUnit = Field(description="Unit of the term")
    source: str = Field(max_length=300, description="The legal source, in Bulgarian (for the explanation)")


class CountedTerm(WireModel):
    """A term's last day and how it was computed."""

    due_date: dt.date = Field(description="The last day (on a working day)")
    term_end: dt.date = Field(description="The last day by count, before a move off a non-working day")
    skipped: list[SkippedDay] = Field(default_factory=list, description="Non-working days passed over")
    explanation: str = Field(description="How the date was computed, in Bulgarian")


class CaseView(WireModel):
    """What a citizen may see of a case (no personal data)."""

    case_index: str = Field(description="Index of the case")
    subject: str = Field(description="What the case is about")
    kind: str = Field(description="The document kind that opened the case")
    registered_at: dt.datetime = Field(description="Moment of registration (UTC)")
    stage: CaseStage = Field(description="The stage the case is in now")
    stage_label: str = Field(description="Bulgarian label of the stage")
    due_date: Optional[dt.date] = Field(None, description="The due date in force; null when no term applies")
    history: list[StageEntry] = Field(description="Every stage the case went through, oldest first")


# -- a citizen's change of contact (status's page asks, notifications keeps and sends the code) --
CHANGEABLE_CHANNELS = Literal["email", "sms"]  # a new address proven by a code sent to it


class ContactChangeRequest(WireModel):
    """notifications.start_contact_change: after status has checked the case's index and access
    code, the citizen asks that letters go to a new email address or mobile phone; a code is sent
    there (and only there), and nothing changes until it is typed back."""

    case_index: str = Field(min_length=3, max_length=100, description="Index of the case")
    channel: CHANGEABLE_CHANNELS = Field(description="email: ``address`` is an email address; sms: a mobile "
                                                     "number. It becomes the preferred channel once confirmed")
    address: str = Field(min_length=3, max_length=254, description="The new address, normalised by the caller "
                                                                   "(an email address, or a number in E.164)")

    @model_validator(mode="after")
    def _address_fits_channel(self):
        if self.channel == "sms" and not re.fullmatch(r"\+[1-9]\d{7,14}", self.address):
            raise ValueError("an SMS address is a number in E.164")
        if self.channel == "email" and "@" not in self.address:
            raise ValueError("an email address has an @")
        return self


class ContactChangeStarted(WireModel):
    """What became of the request. sent: a new code is on its way (any earlier code of the case no
    longer counts); already_sent: the same address was asked for a moment ago and its code still
    stands (nothing is sent twice); too_soon: another address was asked for a moment ago, wait
    ``retry_after_s``; same_address: letters already go there, nothing to confirm."""

    result: Literal["sent", "already_sent", "too_soon", "same_address"] = Field(description="See above")
    channel: CHANGEABLE_CHANNELS = Field(description="The channel of the new address")
    masked_address: str = Field(description="The new address, masked (\"iv***@example.bg\", \"+35988*****56\")")
    sends_at: Optional[dt.datetime] = Field(None, description="When the code goes out (UTC): later than now for "
                                                              "an SMS asked for in quiet hours (21:00-08:00)")
    expires_at: Optional[dt.datetime] = Field(None, description="Until when the code can be typed (UTC)")
    deferred: bool = Field(False, description="The code waits for 08:00: no SMS goes out in quiet hours (21:00-08:00)")
    retry_after_s: Optional[int] = Field(None, ge=1, description="too_soon: seconds until a new code can be asked for")


class ContactChangeConfirmation(WireModel):
    """notifications.confirm_contact_change: the code the citizen typed (status has checked the
    index and access code again)."""

    case_index: str = Field(min_length=3, max_length=100, description="Index of the case")
    code: str = Field(pattern=r"^\d{6}$", description="The 6-digit code sent to the new address")


class ContactChangeOutcome(WireModel):
    """confirmed: letters go to the new address from now on, and the old one is told; wrong_code:
    ``attempts_left`` more tries; locked: no tries left; expired, used, none (no change started,
    or a later one replaced it): start again."""

    result: Literal["confirmed", "wrong_code", "locked", "expired", "used", "none"] = Field(description="See above")
    attempts_left: Optional[int] = Field(None, ge=0, description="wrong_code: tries left for this code")
    channel: Optional[CHANGEABLE_CHANNELS] = Field(None, description="The new address's channel")
    masked_address: Optional[str] = Field(None, description="The new address, masked")
    changed_at: Optional[dt.datetime] = Field(None, description="confirmed: when (UTC)")


class ServiceNotFound(LookupError):
    """No catalogue service with that code is valid on the requested date."""


class CaseNotFound(LookupError):
    """No case with that index, or the access code does not match (never say which)."""


TYPED_ERRORS = (ServiceNotFound, CaseNotFound)


RPC_MODELS = (GetServiceTermRequest, ServiceTermResponse, CaseLookupRequest, CaseView, ResumeTermRequest, ResumedTerm,
              CountTermRequest, CountedTerm, ContactChangeRequest, ContactChangeStarted, ContactChangeConfirmation,
              ContactChangeOutcome)
