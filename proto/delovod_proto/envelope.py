"""The one event envelope every Kafka message is wrapped in."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar, Optional

from pydantic import Field

from .base import WireModel


class TraceContext(WireModel):
    """W3C trace context of the span that produced the event (also sent as Kafka headers)."""

    traceparent: Optional[str] = Field(None, description="W3C traceparent header value")
    tracestate: Optional[str] = Field(None, description="W3C tracestate header value")


class Envelope(WireModel):
    """Metadata around one event; ``data`` holds the event body named by ``event_type``."""

    event_id: uuid.UUID = Field(description="Unique id; consumers deduplicate on it")
    event_type: str = Field(description="Name of the event body model, e.g. DocumentRegistered")
    schema_version: int = Field(ge=1, description="Version of the body model")
    occurred_at: datetime = Field(description="When the fact happened (UTC)")
    source: str = Field(description="Producing service: registry, status, notifications or catalogue")
    correlation_id: str = Field(description="Ties together all events of one business flow (e.g. one registration)")
    trace: TraceContext = Field(default_factory=TraceContext, description="Trace context of the producer")
    data: dict[str, Any] = Field(description="The event body; validate with the model named by event_type")

    @classmethod
    def wrap(cls, body: "EventBody", *, source: str, correlation_id: str,
             event_id: uuid.UUID | None = None, occurred_at: datetime | None = None,
             trace: TraceContext | None = None) -> "Envelope":
        """Wrap an event body in a new envelope."""
        return cls(
            event_id=event_id or uuid.uuid4(),
            event_type=type(body).__name__,
            schema_version=body.SCHEMA_VERSION,
            occurred_at=occurred_at or datetime.now(timezone.utc),
            source=source,
            correlation_id=correlation_id,
            trace=trace or TraceContext(),
            data=body.model_dump(mode="json"),
        )

    def body(self) -> "EventBody":
        """Parse ``data`` into the model named by ``event_type`` (raises on unknown type)."""
        from .events import EVENT_TYPES

        try:
            model = EVENT_TYPES[(self.event_type, self.schema_version)]
        except KeyError:
            raise ValueError(f"unknown event type {self.event_type} v{self.schema_version}")
        return model.model_validate(self.data)


class EventBody(WireModel):
    """Base of every event body; subclasses set ``SCHEMA_VERSION`` and ``TOPIC``."""

    SCHEMA_VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = ""
