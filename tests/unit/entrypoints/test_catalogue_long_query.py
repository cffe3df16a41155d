"""A search pasted full (10,000 characters) is the caller's 400 problem+json naming ``q``, in
Bulgarian; a request line beyond even the catalogue's limit is a problem+json 414 in
Bulgarian, never eventlet's bare English 414. Real eventlet server on loopback."""
import http.client as http_client
import json
from urllib.parse import quote

import pytest
from nameko.containers import ServiceContainer
from nameko.web.handlers import http
from nameko.web.server import WebServer

from catalogue.entrypoints.http_server import REQUEST_LINE_LIMIT, CatalogueHttp
from delovod_proto.api.catalogue import ServicesQuery
from servicekit.http import handle_problems, json_response
from servicekit.parse import params
from servicekit.service import NoDelayHttp


class Plain:
    name = "catalogue_long_query_plain"
    http_server = NoDelayHttp()

    @http("GET", "/api/v1/services")
    @handle_problems
    def search(self, request):
        params(ServicesQuery, request)  # what the catalogue's search route validates first
        return json_response({"items": [], "count": 0})


class Catalogue(Plain):
    name = "catalogue_long_query_probe"
    http_server = CatalogueHttp()


def get(service_cls, query: str):
    container = ServiceContainer(service_cls, {"WEB_SERVER_ADDRESS": "127.0.0.1:0"})
    container.start()
    try:
        address = container.shared_extensions[WebServer]._sock.getsockname()[:2]
        connection = http_client.HTTPConnection(*address, timeout=10)
        connection.request("GET", f"/api/v1/services?q={quote(query)}")
        response = connection.getresponse()
        status, content_type, body = response.status, response.getheader("Content-Type") or "", response.read()
        connection.close()
        return status, content_type, body
    finally:
        container.kill()


@pytest.mark.parametrize("letter", ["а", "a"])  # Cyrillic: 6 bytes a letter once percent-encoded
def test_a_ten_thousand_character_search_is_a_400_naming_q(letter):
    status, content_type, body = get(Catalogue, letter * 10_000)
    problem = json.loads(body)
    assert (status, content_type) == (400, "application/problem+json")
    assert [e["field"] for e in problem["errors"]] == ["q"] and problem["detail"].startswith("Параметрите")


def test_a_request_line_over_the_limit_is_a_bulgarian_problem_414():
    status, content_type, body = get(Catalogue, "a" * (REQUEST_LINE_LIMIT + 10))
    problem = json.loads(body)
    assert (status, content_type, problem["status"]) == (414, "application/problem+json", 414)
    assert "Съкратете" in problem["detail"]


def test_without_the_catalogue_server_eventlet_answers_bare():
    """What the catalogue's server replaces (if eventlet changes this, the test says so)."""
    status, content_type, body = get(Plain, "a" * 10_000)
    assert status == 414 and "problem+json" not in content_type
