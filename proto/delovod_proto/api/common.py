"""What every HTTP API shares: the problem document (RFC 9457) and the operation table
that ``delovod_proto.openapi`` turns into an OpenAPI document."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from ..base import WireModel


class FieldError(WireModel):
    """One refused field of a request."""

    field: str = Field(description="The field, dotted for nested ones (e.g. metadata.sender.email), or a header")
    message: str = Field(description="What is wrong with it, in Bulgarian")


class Problem(BaseModel):
    """An error answer (``application/problem+json``, RFC 9457) with a Bulgarian ``detail``.
    Some problems add members (e.g. ``earlier_index`` on a repeated scan)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str = Field("about:blank", description="A URI naming the problem type")
    title: str = Field(description="The HTTP status's name")
    status: int = Field(ge=400, le=599, description="The HTTP status code")
    detail: str = Field(description="What went wrong and what to do, in Bulgarian")
    instance: str = Field(description="The request's path")
    errors: list[FieldError] = Field(default_factory=list, description="Field-level errors, when fields were wrong")


class Health(WireModel):
    """A liveness answer."""

    status: str = Field(description="Always 'ok' when the process answers")
    service: str = Field(description="The service's name")


class Ready(WireModel):
    """A readiness answer: every server the service depends on answered (else 503 problem+json
    with ``down``, the names of those that did not)."""

    status: str = Field(description="Always 'ready' in a 200 answer")
    service: str = Field(description="The service's name")
    checks: dict[str, str] = Field(description="Each dependency (mongodb, rabbitmq, kafka) and 'ok'")


@dataclass(frozen=True)
class Header:
    """A response or request header."""

    name: str
    description: str
    required: bool = False
    schema: dict = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Reply:
    """A success answer: its model (JSON), or another media type with a plain schema."""

    description: str
    model: Optional[type[BaseModel]] = None
    media: str = "application/json"
    schema: Optional[dict] = None
    headers: tuple[Header, ...] = ()


@dataclass(frozen=True)
class Operation:
    """One HTTP route. ``roles``: the staff roles whose bearer token it accepts (None: public).
    ``errors``: the problem statuses it answers besides 401/403 (from ``roles``) and 500/503
    (any route may fail inside or find a dependency down)."""

    method: str
    path: str
    operation_id: str
    summary: str
    replies: dict[int, Reply]
    roles: Optional[tuple[str, ...]] = None
    query: Optional[type[BaseModel]] = None
    path_params: Optional[type[BaseModel]] = None
    body: Optional[type[BaseModel]] = None
    body_media: str = "application/json"
    body_encoding: Optional[dict] = None
    request_headers: tuple[Header, ...] = ()
    errors: tuple[int, ...] = ()
    problems: bool = True  # False: a page, whose failures are pages too


NO_STORE = Header("Cache-Control", "no-store: the answer carries an access code", required=True)
RETRY_AFTER = Header("Retry-After", "Seconds to wait before trying again", schema={"type": "string", "pattern": r"^\d+$"})
STAFF = ("clerk", "official", "admin")
