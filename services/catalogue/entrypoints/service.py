"""Every way into the catalogue: RPC for other services, public HTTP. (The outbox relay:
servicekit.service.)"""
from __future__ import annotations

from nameko.rpc import rpc
from nameko.web.handlers import http

from delovod_proto.api.catalogue import (ADMIN_ROLES, STAFF_ROLES, ServiceAtQuery, ServiceCodePath, ServiceEdit,
                                         ServicesQuery)
from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound
from servicekit.auth import authenticate
from servicekit.http import Problem, handle_problems, json_response
from servicekit.pages import page_errors
from servicekit.parse import json_body, params
from servicekit.providers import App
from servicekit.service import DelovodService

from ..bootstrap import bootstrap
from ..domain.errors import EditRefused, VersionTaken
from ..domain.search import InvalidSearch
from . import page, views
from .http_server import CatalogueHttp


def _at(request) -> ServiceAtQuery:
    return params(ServiceAtQuery, request, detail="Параметърът at трябва да е дата ГГГГ-ММ-ДД.")


class CatalogueService(DelovodService):
    name = "catalogue"

    http_server = CatalogueHttp()  # long search queries get problem+json, not eventlet's bare 414

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
        return views.search_response(found)

    @http("GET", "/api/v1/services/<string:code>")
    @handle_problems
    def service_detail(self, request, code):
        code = params(ServiceCodePath, request, {"code": code}).code
        at = _at(request).at or self.app.catalogue.today()
        try:
            return json_response(views.full(self.app.catalogue.version_at(code, at)))
        except ServiceNotFound as exc:
            raise Problem(404, "Not Found", str(exc))

    @http("POST", "/api/v1/admin/services/<string:code>/versions")
    @handle_problems
    def edit_service(self, request, code):
        """An operator's change: a new version valid from a date, with who and why."""
        principal = authenticate(request, self.app.settings.auth_secret(), ADMIN_ROLES)
        code = params(ServiceCodePath, request, {"code": code}).code
        edit = json_body(ServiceEdit, request, "Промяната на услугата е невалидна.")
        try:
            version, changes = self.app.catalogue.edit(code, edit.service.model_dump(mode="json"), edit.valid_from,
                                                       by=principal.name, reason=edit.reason)
        except ServiceNotFound as exc:
            raise Problem(404, "Not Found", str(exc))
        except EditRefused as exc:
            raise Problem(422, "Unprocessable Content", exc.detail, errors=exc.errors)
        except VersionTaken:
            raise Problem(409, "Conflict", "Друг оператор промени услугата в същия момент; заредете я и опитайте "
                                           "отново.")
        return json_response(views.edited(version, changes), status=201)

    @http("GET", "/api/v1/admin/services/<string:code>/versions")
    @handle_problems
    def service_versions(self, request, code):
        authenticate(request, self.app.settings.auth_secret(), STAFF_ROLES)
        code = params(ServiceCodePath, request, {"code": code}).code
        try:
            return json_response(views.history(code, self.app.catalogue.versions(code)))
        except ServiceNotFound as exc:
            raise Problem(404, "Not Found", str(exc))

    @http("GET", "/")
    @page_errors
    def catalogue_page(self, request):
        return page.render(self.app.catalogue, request.args)
