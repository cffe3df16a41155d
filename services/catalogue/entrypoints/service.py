"""Every way into the catalogue: RPC for other services, public HTTP, the outbox timer."""
from __future__ import annotations

import datetime as dt

from nameko.rpc import rpc
from nameko.timer import timer
from nameko.web.handlers import http

from delovod_proto.rpc import GetServiceTermRequest
from servicekit.http import Problem, handle_problems, json_response
from servicekit.kafka import KafkaPublisher
from servicekit.outbox import relay
from servicekit.pages import page_errors
from servicekit.providers import App
from servicekit.tracing import Tracing

from ..bootstrap import bootstrap
from . import page, views


def _date(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Problem(400, "Bad Request", "Параметърът at трябва да е дата ГГГГ-ММ-ДД.",
                      errors=[{"field": "at", "message": "Невалидна дата."}])


def _bool(value: str | None):
    return None if value in (None, "") else value.lower() in ("1", "true", "yes", "da", "да")


class CatalogueService:
    name = "catalogue"

    app = App(bootstrap)
    publish = KafkaPublisher()
    tracing = Tracing()

    @rpc
    def get_service_term(self, request: dict) -> dict:
        """Term, fee and version of a service valid on a date (raises ServiceNotFound)."""
        return self.app.catalogue.service_term(GetServiceTermRequest.model_validate(request)).model_dump(mode="json")

    @rpc
    def get_service(self, code: str, at: str | None = None) -> dict:
        return views.full(self.app.catalogue.version_at(code, _date(at)))

    @http("GET", "/api/v1/services")
    @handle_problems
    def list_services(self, request):
        a = request.args
        found = self.app.catalogue.search(a.get("q", ""), unit=a.get("unit"), eservice=_bool(a.get("eservice")),
                                          channel=a.get("channel"), limit=min(int(a.get("limit", 50) or 50), 500))
        return json_response({"items": [views.summary(v) for v in found], "count": len(found)})

    @http("GET", "/api/v1/services/<string:code>")
    @handle_problems
    def service_detail(self, request, code):
        from delovod_proto.rpc import ServiceNotFound

        try:
            return json_response(views.full(self.app.catalogue.version_at(code, _date(request.args.get("at")))))
        except ServiceNotFound as exc:
            raise Problem(404, "Not Found", str(exc))

    @http("GET", "/")
    @page_errors
    def catalogue_page(self, request):
        return page.render(self.app.catalogue, request.args)

    @http("GET", "/health")
    def health(self, request):
        return json_response({"status": "ok", "service": self.name})

    @timer(interval=1)
    def relay_outbox(self):
        if self.app.outbox is not None:
            relay(self.app.outbox, self.publish)
