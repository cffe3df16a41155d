"""The public catalogue of administrative services: search, one service as valid on a day."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional

from pydantic import Field

from ..base import WireModel
from ..vocabulary import ServiceVariant, TermUnit
from .common import Health, Operation, Ready, Reply

Channel = Literal["counter", "post", "email", "eportal", "ssev"]
PaymentMethod = Literal["cash", "card", "bank_transfer", "epay", "eportal"]


class ServicesQuery(WireModel):
    q: str = Field("", max_length=200, description="Words of the name or code, Cyrillic or Latin")
    unit: Optional[str] = Field(None, max_length=300, description="Responsible unit")
    eservice: Optional[bool] = Field(None, description="Only services offered electronically (true) or not (false)")
    channel: Optional[Channel] = Field(None, description="Only services that accept requests this way")
    limit: int = Field(50, ge=1, le=500, description="At most this many services in the answer")


class ServiceCodePath(WireModel):
    code: str = Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$", description="Catalogue service code, e.g. '2079'")


class ServiceAtQuery(WireModel):
    at: Optional[dt.date] = Field(None, description="The day the version must be valid on (default: today)")


class TermView(WireModel):
    value: int = Field(gt=0, description="How many units")
    unit: TermUnit = Field(description="Calendar days, working days, months, ...")


class VariantView(WireModel):
    kind: ServiceVariant = Field(description="Ordinary, fast or express")
    term: Optional[TermView] = Field(None, description="None: the source gives no term")
    fee_cents: Optional[int] = Field(None, ge=0, description="Persons' fee in euro cents; None: the source gives no fixed amount (see fee_source_text)")
    fee_company_cents: Optional[int] = Field(None, ge=0, description="Companies' fee in euro cents when the source gives a separate one")
    fee_source_text: Optional[str] = Field(None, description="The fee as the official source words it; a formula or a fee that depends on something is only here, never turned into a number")


class LegalBasisView(WireModel):
    act: str = Field(description="The act, e.g. 'Закон за местните данъци и такси'")
    article: Optional[str] = Field(None, description="Article, paragraph and point, when the source names them")


class RequiredDocumentView(WireModel):
    name: str = Field(description="The document the applicant hands in")
    form_template: Optional[str] = Field(None, description="Link to the form to fill in, when there is one")


class UnitView(WireModel):
    name: str = Field(description="The unit that provides the service")
    contact: Optional[str] = Field(None, description="How to reach the unit, as the source gives it")


class AppealView(WireModel):
    authority: Optional[str] = Field(None, description="Where a refusal can be appealed")
    term: Optional[str] = Field(None, description="Within what time, as the source words it")


class SourceView(WireModel):
    url: str = Field(description="The official page the version was read from")
    read_on: dt.date = Field(description="The day it was read")


class OtherSourceView(WireModel):
    url: str = Field(description="A further official page on the same service")
    read_on: Optional[dt.date] = Field(None, description="The day it was read; None: reported by someone else, not read")
    says: str = Field(description="What it states, in Bulgarian")
    conflict: bool = Field(description="It disagrees with the main source: an operator must decide")


class ServiceSummary(WireModel):
    code: str = Field(description="Catalogue service code")
    name: str = Field(description="The service's name")
    version: int = Field(ge=1, description="The version valid today")
    valid_from: dt.date = Field(description="First day that version applies")
    unit: str = Field(description="The responsible unit's name")
    eservice: bool = Field(description="Offered electronically")
    request_channels: list[Channel] = Field(description="Ways a request is accepted")
    variants: list[VariantView] = Field(description="Terms and fees per variant")


class ServiceSearch(WireModel):
    items: list[ServiceSummary] = Field(description="The services found, best match first")
    count: int = Field(ge=0, description="How many were found (items may be fewer: limit)")


class ServiceCard(WireModel):
    """A service as the national register (ИИСДА) describes it: every field of its card."""

    code: str = Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$", description="Catalogue service code")
    register_id: Optional[str] = Field(None, description="The service's id in the national Register of administrative services, if known")
    register_id_verified: bool = Field(False, description="True when register_id was checked against the national register")
    municipality: str = Field(description="The municipality that provides the service")
    name: str = Field(description="The service's name")
    description: Optional[str] = Field(None, description="What the service is, as the source describes it")
    legal_basis: list[LegalBasisView] = Field(default_factory=list, description="Acts and articles the service rests on")
    who_may_apply: Optional[str] = Field(None, description="Who may apply, as the source words it")
    competent_authority: Optional[str] = Field(None, description="The authority that decides, e.g. 'Кмет на район „Източен“'")
    required_documents: list[RequiredDocumentView] = Field(default_factory=list, description="What the applicant hands in")
    variants: list[VariantView] = Field(default_factory=list, description="Terms and fees per variant")
    unit: UnitView = Field(description="The unit that provides the service")
    request_channels: list[Channel] = Field(default_factory=list, description="Ways a request is accepted (empty: the source names none)")
    result_channels: list[Channel] = Field(default_factory=list, description="Ways the result is handed over (empty: the source names none)")
    payment_methods: list[PaymentMethod] = Field(default_factory=list, description="Ways the fee can be paid (empty: the source names none)")
    validity: Optional[str] = Field(None, description="How long the result is valid, as the source words it")
    appeal: AppealView = Field(default_factory=AppealView, description="How a refusal is appealed")
    eservice: bool = Field(False, description="Offered electronically")
    eservice_url: Optional[str] = Field(None, description="Where to apply electronically (the e-portal's link)")
    source: SourceView = Field(description="Where this version was read from")
    other_sources: list[OtherSourceView] = Field(default_factory=list, description="Further official sources; conflicts marked")


class ServiceDetail(ServiceCard):
    """A service in the version valid on the day asked."""

    version: int = Field(ge=1, description="This version's number")
    valid_from: dt.date = Field(description="First day this version applies")
    changed_by: Optional[str] = Field(None, description="The operator who made this version (None: an import)")
    change_reason: Optional[str] = Field(None, description="Why this version was made, as the operator wrote it")


class ServiceEdit(WireModel):
    """An operator's change: the whole new card, the day it applies from and why."""

    service: ServiceCard = Field(description="The service as it is to read from valid_from on (every field)")
    valid_from: dt.date = Field(description="First day the new version applies: today or later")
    reason: str = Field(min_length=3, max_length=1000, description="Why, in the operator's words (kept with the version)")


class FieldChangeView(WireModel):
    field: str = Field(description="The card's field that changed")
    before: Any = Field(None, description="Its value in the version it replaces")
    after: Any = Field(None, description="Its new value")


class ServiceEdited(WireModel):
    service: ServiceDetail = Field(description="The new version")
    changes: list[FieldChangeView] = Field(description="What differs from the version it replaces")


class VersionView(WireModel):
    version: int = Field(ge=1, description="Version number")
    valid_from: dt.date = Field(description="First day it applies")
    published: bool = Field(description="False: a draft, invisible until published")
    name: str = Field(description="The service's name in this version")
    changed_by: Optional[str] = Field(None, description="The operator who made it (None: an import)")
    change_reason: Optional[str] = Field(None, description="Why it was made")
    changed_at: Optional[dt.datetime] = Field(None, description="When it was made (None: an import before this was kept)")


class ServiceVersions(WireModel):
    code: str = Field(description="Catalogue service code")
    items: list[VersionView] = Field(description="Every version, oldest first")


class CataloguePageQuery(WireModel):
    q: str = Field("", max_length=200, description="Words of the name or code, as typed")
    unit: str = Field("", max_length=300, description="Responsible unit, as chosen")
    eservice: str = Field("", max_length=10, description="Any value: only electronic services")


HTML = {"type": "string"}
ADMIN_ROLES = ("admin",)  # a catalogue change moves every later case's fee and term
STAFF_ROLES = ("clerk", "official", "admin")

OPERATIONS = (
    Operation("GET", "/api/v1/services", "searchServices", "Search the catalogue",
              {200: Reply("The services found", ServiceSearch)}, query=ServicesQuery, errors=(400,)),
    Operation("GET", "/api/v1/services/{code}", "getService", "One service, in the version valid on a day",
              {200: Reply("The service", ServiceDetail)}, path_params=ServiceCodePath, query=ServiceAtQuery,
              errors=(400, 404)),
    Operation("POST", "/api/v1/admin/services/{code}/versions", "editService",
              "A new version of a service, valid from a date (staff: admin)",
              {201: Reply("The new version and what changed", ServiceEdited)}, path_params=ServiceCodePath,
              body=ServiceEdit, roles=ADMIN_ROLES, errors=(400, 404, 409, 422)),
    Operation("GET", "/api/v1/admin/services/{code}/versions", "listServiceVersions",
              "Every version of a service, with who made it and why (staff)",
              {200: Reply("The versions", ServiceVersions)}, path_params=ServiceCodePath,
              roles=STAFF_ROLES, errors=(400, 404)),
    Operation("GET", "/", "cataloguePage", "The public catalogue page (Bulgarian)",
              {200: Reply("The page", media="text/html", schema=HTML),
               400: Reply("The page with a Bulgarian alert: a search it cannot run (too long, control characters)",
                          media="text/html", schema=HTML)},
              query=CataloguePageQuery, problems=False),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
