"""What every delovod service class shares, written once: the Kafka publisher, tracing,
the background threads (the outbox relay and the app's own loops), ``GET /health``
(liveness), ``GET /health/ready`` (readiness: the servers named in ``depends_on``),
``GET /openapi.json`` and an HTTP server that does not wait on Nagle. A service sets
``name`` and ``app = App(bootstrap)``."""
from __future__ import annotations

import socket

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from nameko.web.server import WebServer

from .http import Problem, json_response
from .kafka import KafkaPublisher
from .openapi import ServesOpenApi
from .providers import Background
from .readiness import Readiness, problem_detail
from .tracing import Tracing


class NoDelayWebServer(WebServer):
    """nameko's web server with ``TCP_NODELAY`` on its listening socket, which Linux passes
    on to every accepted connection. eventlet's WSGI server writes an answer's headers and
    its body separately; with Nagle on, a body that does not go out in the first segments
    waits for the client's delayed ACK, so on a kept-alive connection every answer over
    about 16 KB took 40 ms more (measured: tests/unit/servicekit/test_http_nodelay.py)."""

    @property
    def sharing_key(self):
        return WebServer  # the one server of the container, which every ``@http`` route shares

    def get_wsgi_app(self):
        from .pages import EveryAnswerHeaders  # werkzeug's own 404/405 pages get headers too

        return EveryAnswerHeaders(super().get_wsgi_app())

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().get_wsgi_server(sock, wsgi_app, **kwargs)


class NoDelayHttp(DependencyProvider):
    """Declare on a service class (``DelovodService`` does; the desk too) to serve its
    ``@http`` routes with :class:`NoDelayWebServer`. nameko binds a service's dependencies
    before its entrypoints, so this server is the shared one they find. Injects nothing."""

    server = NoDelayWebServer()


class DelovodService(ServesOpenApi):
    name: str
    # the servers without which the service cannot work: checked by GET /health/ready
    depends_on: tuple[str, ...] = ("mongodb", "rabbitmq", "kafka")

    http_server = NoDelayHttp()  # TCP_NODELAY on the service's HTTP connections

    publish = KafkaPublisher()
    tracing = Tracing()
    relay = Background()  # injects relay(owner_id=None): send the outbox's events now
    readiness = Readiness()  # injects ready(): {dependency: "ok" | why not}

    @http("GET", "/health")
    def health(self, request):
        """Liveness: the process answers HTTP (its dependencies have their own timeouts)."""
        return json_response({"status": "ok", "service": self.name})

    @http("GET", "/health/ready")
    def ready(self, request):
        """Readiness: each server in ``depends_on`` answers within a short timeout; else 503
        problem+json naming those that do not (``down``), so traffic goes to other pods."""
        checks = self.readiness()
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            problem = Problem(503, "Service Unavailable", problem_detail(down),
                              extra={"service": self.name, "down": down, "checks": checks})
            return problem.response(request.path)
        return json_response({"status": "ready", "service": self.name, "checks": checks})
