"""The public catalogue of administrative services: search, one service as valid on a day."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from ..base import WireModel
from ..vocabulary import ServiceVariant, TermUnit
from .common import Health, Operation, Reply

Channel = Literal["counter", "post", "eportal", "ssev"]


class ServicesQuery(WireModel):
    q: str = Field("", max_length=200, description="Words of the name or code, Cyrillic or Latin")
    unit: Optional[str] = Field(None, max_length=300, description="Responsible unit")
    eservice: Optional[bool] = Field(None, description="Only services offered electronically (true) or not (false)")
    channel: Optional[Channel] = Field(None, description="Only services that accept requests this way")
    limit: int = Field(50, ge=1, le=500)


class ServiceCodePath(WireModel):
    code: str = Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")


class ServiceAtQuery(WireModel):
    at: Optional[dt.date] = Field(None, description="The day the version must be valid on (default: today)")


class TermView(WireModel):
    value: int = Field(gt=0)
    unit: TermUnit


class VariantView(WireModel):
    kind: ServiceVariant
    term: Optional[TermView] = Field(None, description="None: the source gives no term")
    fee_cents: Optional[int] = Field(None, ge=0, description="Euro cents; None: the source gives no fee")
    fee_source_text: Optional[str] = None


class LegalBasisView(WireModel):
    act: str
    article: Optional[str] = None


class RequiredDocumentView(WireModel):
    name: str
    form_template: Optional[str] = None


class UnitView(WireModel):
    name: str
    contact: Optional[str] = None


class AppealView(WireModel):
    authority: Optional[str] = None
    term: Optional[str] = None


class SourceView(WireModel):
    url: str
    read_on: dt.date


class ServiceSummary(WireModel):
    code: str
    name: str
    version: int = Field(ge=1)
    valid_from: dt.date
    unit: str = Field(description="The responsible unit's name")
    eservice: bool
    request_channels: list[Channel]
    variants: list[VariantView]


class ServiceSearch(WireModel):
    items: list[ServiceSummary]
    count: int = Field(ge=0)


class ServiceDetail(WireModel):
    """A service as the national register (ИИСДА) describes it, in the version valid on the day asked."""

    code: str
    register_id: Optional[str] = None
    register_id_verified: bool
    municipality: str
    name: str
    description: Optional[str] = None
    legal_basis: list[LegalBasisView]
    who_may_apply: Optional[str] = None
    required_documents: list[RequiredDocumentView]
    variants: list[VariantView]
    unit: UnitView
    request_channels: list[Channel]
    result_channels: list[Channel]
    validity: Optional[str] = None
    appeal: AppealView
    eservice: bool
    eservice_url: Optional[str] = None
    source: SourceView
    version: int = Field(ge=1)
    valid_from: dt.date


class CataloguePageQuery(WireModel):
    q: str = Field("", max_length=200)
    unit: str = Field("", max_length=300)
    eservice: str = Field("", max_length=10, description="Any value: only electronic services")


HTML = {"type": "string"}

OPERATIONS = (
    Operation("GET", "/api/v1/services", "searchServices", "Search the catalogue",
              {200: Reply("The services found", ServiceSearch)}, query=ServicesQuery, errors=(400,)),
    Operation("GET", "/api/v1/services/{code}", "getService", "One service, in the version valid on a day",
              {200: Reply("The service", ServiceDetail)}, path_params=ServiceCodePath, query=ServiceAtQuery,
              errors=(400, 404)),
    Operation("GET", "/", "cataloguePage", "The public catalogue page (Bulgarian)",
              {200: Reply("The page", media="text/html", schema=HTML)}, query=CataloguePageQuery, problems=False),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
)
