"""OpenTelemetry set up in one place from the standard ``OTEL_*`` variables.

``OTEL_SERVICE_NAME`` names the service (defaults to the nameko service name);
``OTEL_TRACES_EXPORTER`` is ``otlp`` (default), ``console`` or ``none``; the OTLP/HTTP
exporter reads ``OTEL_EXPORTER_OTLP_ENDPOINT`` and friends itself. Context travels as
W3C ``traceparent`` in nameko context data (AMQP headers) and in Kafka headers.
"""
from __future__ import annotations

import os
from typing import Mapping, Optional

from nameko.extensions import DependencyProvider
from opentelemetry import context as otel_context, trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

_provider: Optional[TracerProvider] = None


def init_tracing(service_name: str) -> TracerProvider:
    """Install the process-wide tracer provider once (idempotent)."""
    global _provider
    if _provider is not None:
        return _provider
    os.environ.setdefault("OTEL_SERVICE_NAME", service_name)
    provider = TracerProvider(resource=Resource.create())
    for name in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(","):
        name = name.strip()
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        elif name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def current_traceparent() -> dict[str, str]:
    """W3C headers of the current span (empty when there is none)."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str]):
    return extract(dict(carrier))


class Tracing(DependencyProvider):
    """Opens one span per nameko worker, parented on the caller's trace context.

    The parent comes from the HTTP request headers, or from the worker's context data
    (RPC headers; our Kafka entrypoint puts the message's ``traceparent`` there). The
    span's own context is written back into the context data so outgoing RPC calls carry it.
    """

    KINDS = {"HttpRequestHandler": SpanKind.SERVER, "Rpc": SpanKind.SERVER,
             "KafkaConsume": SpanKind.CONSUMER}

    def setup(self):
        init_tracing(self.container.service_name)
        self.tracer = trace.get_tracer("delovod.servicekit")
        self.tokens = {}

    def stop(self):
        if _provider is not None:
            _provider.force_flush(5000)

    def worker_setup(self, worker_ctx):
        entry = type(worker_ctx.entrypoint).__name__
        if entry == "Timer":
            return  # housekeeping ticks (outbox relay, dispatch) would drown the traces
        carrier = {k: v for k, v in worker_ctx.data.items() if k in ("traceparent", "tracestate")}
        if entry == "HttpRequestHandler" and worker_ctx.args:
            carrier = {k.lower(): v for k, v in worker_ctx.args[0].headers.items()}
        span = self.tracer.start_span(
            f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}",
            context=context_from(carrier), kind=self.KINDS.get(entry, SpanKind.INTERNAL),
            attributes={"nameko.entrypoint": entry, "nameko.call_id": worker_ctx.call_id})
        token = otel_context.attach(trace.set_span_in_context(span))
        self.tokens[worker_ctx] = (span, token)
        worker_ctx.data.update(current_traceparent())

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        span, token = self.tokens.pop(worker_ctx, (None, None))
        if span is None:
            return
        if exc_info is not None:
            span.record_exception(exc_info[1])
            span.set_status(Status(StatusCode.ERROR, str(exc_info[1])))
        span.end()
        otel_context.detach(token)
