"""Every way into the catalogue: RPC for other services, public HTTP. (The outbox relay:
servicekit.service.)"""
from __future__ import annotations

from nameko.rpc import rpc
from nameko.web.handlers import http

from delovod_proto.api.catalogue import ServiceAtQuery, ServiceCodePath, ServicesQuery
from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound
from servicekit.http import Problem, handle_problems, json_response
from servicekit.pages import page_errors
from servicekit.parse import params
from servicekit.providers import App
from servicekit.service import DelovodService

from ..bootstrap import bootstrap
from ..domain.search import InvalidSearch
from . import page, views


def _at(request) -> ServiceAtQuery:
    return params(ServiceAtQuery, request, detail="Параметърът at трябва да е дата ГГГГ-ММ-ДД.")


class CatalogueService(DelovodService):
    name = "catalogue"

    app = App(bootstrap)

    @rpc
    def get_service_term(self, request: dict) -> dict:
        """Term, fee and version of a service valid on a date (raises ServiceNotFound)."""
        return self.app.catalogue.service_term(GetServiceTermRequest.model_validate(request)).model_dump(mode="json")

    @http("GET", "/api/v1/services")
    @handle_problems
    def list_services(self, request):
        query = params(ServicesQuery, request)
        try:
            found = self.app.catalogue.search(query.q, unit=query.unit, eservice=query.eservice, channel=query.channel,
                                              limit=query.limit)
        except InvalidSearch as exc:
            raise Problem(400, "Bad Request", exc.detail, errors=exc.errors)
        return json_response(views.search(found))

    @http("GET", "/api/v1/services/<string:code>")
    @handle_problems
    def service_detail(self, request, code):
        code = params(ServiceCodePath, request, {"code": code}).code
        at = _at(request).at or self.app.catalogue.today()
        try:
            return json_response(views.full(self.app.catalogue.version_at(code, at)))
        except ServiceNotFound as exc:
            raise Problem(404, "Not Found", str(exc))

    @http("GET", "/")
    @page_errors
    def catalogue_page(self, request):
        return page.render(self.app.catalogue, request.args)
