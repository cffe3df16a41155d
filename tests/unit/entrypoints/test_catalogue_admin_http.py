"""The catalogue's admin API: staff tokens, a new version per change, errors in Bulgarian."""
import datetime as dt
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.entrypoints.service import CatalogueService
from catalogue.service_layer.catalogue import Catalogue
from tests.unit.catalogue.test_catalogue_card import FULL
from tests.unit.entrypoints.conftest import bearer, request

TODAY = dt.date(2026, 12, 2)
PATH = "/api/v1/admin/services/T-full/versions"


@pytest.fixture
def worker(settings):
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: TODAY, index_ttl_s=0)
    cat.import_rows([FULL], valid_from=dt.date(2026, 1, 1))
    return worker_factory(CatalogueService, app=SimpleNamespace(catalogue=cat, settings=settings))


def edit_body(cents=300, valid_from="2027-01-01", reason="Решение на ОбС № 12/2026"):
    card = json.loads(json.dumps(FULL))
    card["variants"][0]["fee_cents"] = cents
    return json.dumps({"service": card, "valid_from": valid_from, "reason": reason})


def post(worker, body, headers):
    response = worker.edit_service(request("POST", PATH, data=body, headers=headers,
                                           content_type="application/json"), "T-full")
    return response.status_code, json.loads(response.get_data())


@pytest.mark.parametrize("headers, status", [({}, 401), (bearer("clerk"), 403), (bearer("official"), 403)])
def test_only_an_admin_changes_the_catalogue(worker, headers, status):
    code, body = post(worker, edit_body(), headers)
    assert code == status and body["detail"]


def test_an_admins_change_is_a_new_version_with_who_and_why(worker):
    code, body = post(worker, edit_body(), bearer("admin"))
    assert code == 201, body
    assert (body["service"]["version"], body["service"]["valid_from"]) == (2, "2027-01-01")
    assert (body["service"]["changed_by"], body["service"]["change_reason"]) == ("Admin", "Решение на ОбС № 12/2026")
    assert [c["field"] for c in body["changes"]] == ["variants"]
    listed = worker.service_versions(request("GET", PATH, headers=bearer("clerk")), "T-full")
    items = json.loads(listed.get_data())["items"]
    assert [(i["version"], i["changed_by"]) for i in items] == [(1, None), (2, "Admin")]


@pytest.mark.parametrize("body, field", [
    (edit_body(valid_from="2026-11-30"), "valid_from"),
    (edit_body(cents=-1), "service.variants.0.fee_cents"),
    (edit_body(reason=""), "reason"),
    ("{}", "service"),
])
def test_a_change_that_cannot_be_made_is_422_naming_the_field(worker, body, field):
    code, answer = post(worker, body, bearer("admin"))
    assert code == 422 and field in [e["field"] for e in answer["errors"]], answer


def test_versions_of_an_unknown_service_are_404(worker):
    response = worker.service_versions(request("GET", "/api/v1/admin/services/NOPE/versions",
                                               headers=bearer("admin")), "NOPE")
    assert response.status_code == 404 and "NOPE" in json.loads(response.get_data())["detail"]
