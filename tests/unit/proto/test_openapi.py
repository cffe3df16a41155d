"""The OpenAPI documents: valid OpenAPI 3.1, one operation per HTTP route each service
really has, served at /openapi.json as committed, and in step with the domain's models."""
import json
import re

import pytest
from nameko.testing.services import worker_factory
from nameko.web.handlers import HttpRequestHandler
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from catalogue.entrypoints.service import CatalogueService
from delovod_proto import generate, openapi
from delovod_proto.api import catalogue as catalogue_api
from delovod_proto.api import registry as registry_api
from notifications.entrypoints.service import NotificationsService
from registry.entrypoints.service import RegistryService
from status.entrypoints.service import StatusService

SERVICES = {"registry": RegistryService, "status": StatusService, "notifications": NotificationsService,
            "catalogue": CatalogueService}


def routes(service_cls) -> set[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every @http entrypoint of a nameko service class."""
    found = set()
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpRequestHandler):
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)
                found.update((method, path) for method in entrypoint.method.split(","))  # "GET,POST": both
    return found


@pytest.mark.parametrize("service", openapi.SERVICES)
def test_each_document_is_valid_openapi_3_1(service):
    document = openapi.document(service)
    validate(document)
    assert document["openapi"] == "3.1.0"


@pytest.mark.parametrize("service", openapi.SERVICES)
def test_every_route_is_documented_and_nothing_else(service):
    documented = {(method.upper(), path) for path, ops in openapi.document(service)["paths"].items() for method in ops}
    assert routes(SERVICES[service]) - {("GET", "/openapi.json")} == documented


@pytest.mark.parametrize("service", openapi.SERVICES)
def test_each_service_serves_the_committed_document(service):
    worker = worker_factory(SERVICES[service])
    response = worker.openapi_document(Request(EnvironBuilder(path="/openapi.json").get_environ()))
    assert response.status_code == 200 and response.mimetype == "application/json"
    committed = (generate.SCHEMAS / f"openapi-{service}.json").read_text()
    assert json.loads(response.get_data()) == json.loads(committed)


def test_every_error_is_problem_json_and_staff_routes_need_a_bearer_token():
    for service in openapi.SERVICES:
        for path, ops in openapi.document(service)["paths"].items():
            for method, op in ops.items():
                for code, reply in op["responses"].items():
                    if code.startswith(("4", "5")) and "text/html" not in reply["content"]:
                        assert list(reply["content"]) == ["application/problem+json"], (service, method, path, code)
                if "x-roles" in op:
                    assert op["security"] == [{"staffToken": []}] and {"401", "403"} <= set(op["responses"])


def fields(schema: dict, defs: dict) -> dict:
    """Field name -> nested field names, following $refs and Optional[...]."""
    out = {}
    for name, prop in schema.get("properties", {}).items():
        refs = [p["$ref"] for p in (prop, *prop.get("anyOf", ())) if "$ref" in p]
        out[name] = fields(defs[refs[0].split("/")[-1]], defs) if refs else None
    return out


def same_fields(wire, domain) -> None:
    a, b = wire.model_json_schema(), domain.model_json_schema()
    assert fields(a, a.get("$defs", {})) == fields(b, b.get("$defs", {})), (
        f"{wire.__name__} (documented) and {domain.__name__} (what the service parses) differ: update "
        f"delovod_proto.api and run `make proto`")


def test_the_documented_registration_metadata_is_what_the_registry_parses():
    from registry.domain.commands import RegisterDocument

    same_fields(registry_api.DocumentMetadata, RegisterDocument)


def test_the_documented_calendar_edit_is_what_the_registry_parses():
    from registry.entrypoints.views import CalendarEdit

    same_fields(registry_api.CalendarEdit, CalendarEdit)


def test_the_documented_service_is_the_catalogues_content():
    from catalogue.domain.model import ServiceContent

    same_fields(catalogue_api.ServiceCard, ServiceContent)  # the card an operator sends is what is parsed
    detail = catalogue_api.ServiceDetail.model_json_schema()
    content = ServiceContent.model_json_schema()
    assert set(detail["properties"]) - {"version", "valid_from", "changed_by", "change_reason"} == set(content["properties"])
