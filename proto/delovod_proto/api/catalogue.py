"""The public catalogue of administrative services: search, one service as valid on a day."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from ..base import WireModel
from ..vocabulary import ServiceVariant, TermUnit
from .common import Health, Operation, Ready, Reply

Channel = Literal["counter", "post", "eportal", "ssev"]


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
    fee_cents: Optional[int] = Field(None, ge=0, description="Euro cents; None: the source gives no fee")
    fee_source_text: Optional[str] = Field(None, description="The fee as the official source words it, when it is not a plain amount")


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


class ServiceDetail(WireModel):
    """A service as the national register (ИИСДА) describes it, in the version valid on the day asked."""

    code: str = Field(description="Catalogue service code")
    register_id: Optional[str] = Field(None, description="The service's id in the national Register of administrative services, if known")
    register_id_verified: bool = Field(description="True when register_id was checked against the national register")
    municipality: str = Field(description="The municipality that provides the service")
    name: str = Field(description="The service's name")
    description: Optional[str] = Field(None, description="What the service is, as the source describes it")
    legal_basis: list[LegalBasisView] = Field(description="Acts and articles the service rests on")
    who_may_apply: Optional[str] = Field(None, description="Who may apply, as the source words it")
    required_documents: list[RequiredDocumentView] = Field(description="What the applicant hands in")
    variants: list[VariantView] = Field(description="Terms and fees per variant")
    unit: UnitView = Field(description="The unit that provides the service")
    request_channels: list[Channel] = Field(description="Ways a request is accepted")
    result_channels: list[Channel] = Field(description="Ways the result is handed over")
    validity: Optional[str] = Field(None, description="How long the result is valid, as the source words it")
    appeal: AppealView = Field(description="How a refusal is appealed")
    eservice: bool = Field(description="Offered electronically")
    eservice_url: Optional[str] = Field(None, description="Where to apply electronically")
    source: SourceView = Field(description="Where this version was read from")
    version: int = Field(ge=1, description="This version's number")
    valid_from: dt.date = Field(description="First day this version applies")


class CataloguePageQuery(WireModel):
    q: str = Field("", max_length=200, description="Words of the name or code, as typed")
    unit: str = Field("", max_length=300, description="Responsible unit, as chosen")
    eservice: str = Field("", max_length=10, description="Any value: only electronic services")


HTML = {"type": "string"}

OPERATIONS = (
    Operation("GET", "/api/v1/services", "searchServices", "Search the catalogue",
              {200: Reply("The services found", ServiceSearch)}, query=ServicesQuery, errors=(400,)),
    Operation("GET", "/api/v1/services/{code}", "getService", "One service, in the version valid on a day",
              {200: Reply("The service", ServiceDetail)}, path_params=ServiceCodePath, query=ServiceAtQuery,
              errors=(400, 404)),
    Operation("GET", "/", "cataloguePage", "The public catalogue page (Bulgarian)",
              {200: Reply("The page", media="text/html", schema=HTML),
               400: Reply("The page with a Bulgarian alert: a search it cannot run (too long, control characters)",
                          media="text/html", schema=HTML)},
              query=CataloguePageQuery, problems=False),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
