"""What every delovod service class shares, written once: the Kafka publisher, tracing,
the background threads (the outbox relay and the app's own loops), ``GET /health`` and
``GET /openapi.json``. A service sets ``name`` and ``app = App(bootstrap)``."""
from __future__ import annotations

from nameko.web.handlers import http

from .http import json_response
from .kafka import KafkaPublisher
from .openapi import ServesOpenApi
from .providers import Background
from .tracing import Tracing


class DelovodService(ServesOpenApi):
    name: str

    publish = KafkaPublisher()
    tracing = Tracing()
    relay = Background()  # injects relay(owner_id=None): send the outbox's events now

    @http("GET", "/health")
    def health(self, request):
        """Liveness: the process answers HTTP (its dependencies have their own timeouts)."""
        return json_response({"status": "ok", "service": self.name})
