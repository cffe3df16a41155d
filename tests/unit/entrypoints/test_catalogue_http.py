"""The public catalogue API: a malformed query parameter is the caller's 400, never a 500
(found by the fuzz tier: ``GET /api/v1/services?limit=null`` was a 500)."""
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from catalogue.entrypoints.service import CatalogueService
from tests.unit.entrypoints.conftest import request


class EmptyCatalogue:
    def search(self, *args, **kwargs):
        return []


@pytest.mark.parametrize("query, field", [("limit=null", "limit"), ("limit=0", "limit"), ("eservice=maybe", "eservice"),
                                          ("channel=pigeon", "channel")])
def test_a_malformed_search_parameter_is_400_naming_it(query, field):
    worker = worker_factory(CatalogueService, app=SimpleNamespace(catalogue=EmptyCatalogue()))
    response = worker.list_services(request("GET", "/api/v1/services", query_string=query))
    body = json.loads(response.get_data())
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert [e["field"] for e in body["errors"]] == [field]


def test_a_well_formed_search_answers_the_documented_shape():
    worker = worker_factory(CatalogueService, app=SimpleNamespace(catalogue=EmptyCatalogue()))
    response = worker.list_services(request("GET", "/api/v1/services", query_string="q=скица&limit=5&eservice=true"))
    assert response.status_code == 200 and json.loads(response.get_data()) == {"items": [], "count": 0}


def _catalogue_with_real_search():
    """The service layer's own validation, over an empty catalogue (no index needed to refuse)."""
    from catalogue.adapters.memory_repository import InMemoryServiceRepository
    from catalogue.service_layer.catalogue import Catalogue

    return Catalogue(InMemoryServiceRepository())


@pytest.mark.parametrize("q", ["наследници\u202e", "удостоверение\x07"])
def test_a_query_with_control_or_invisible_characters_is_400_problem_json(q):
    worker = worker_factory(CatalogueService, app=SimpleNamespace(catalogue=_catalogue_with_real_search()))
    response = worker.list_services(request("GET", "/api/v1/services", query_string={"q": q}))
    body = json.loads(response.get_data())
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert body["errors"] and body["detail"].startswith("Търсенето не може да бъде изпълнено")


def test_the_page_answers_an_unreadable_query_with_a_bulgarian_alert_not_a_503():
    from catalogue.entrypoints import page

    response = page.render(_catalogue_with_real_search(), {"q": "наследници\x07"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'role="alert"' in html and "Търсенето не може" in html
    assert 'maxlength="200"' in html
