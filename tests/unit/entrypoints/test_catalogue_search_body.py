"""The search answer assembled from pre-encoded summaries is the documented ServiceSearch,
byte for byte the same document as the pydantic one, and a new version is never served
from an old encoding."""
import datetime as dt
import json

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.entrypoints import views
from catalogue.importer import read_rows
from catalogue.service_layer.catalogue import Catalogue
from delovod_proto.api.catalogue import ServiceSearch
from tests.unit.catalogue.test_catalogue import DAY, SEED
from tests.unit.catalogue.test_catalogue_card import FULL


def test_the_fast_answer_is_the_documented_document():
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=0)
    cat.import_rows(read_rows(SEED), valid_from=DAY)
    for q in ("", "наследници", "skica", "няма такава услуга"):
        found = cat.search(q)
        response = views.search_response(found)
        body = json.loads(response.get_data())
        assert response.mimetype == "application/json" and body == views.search(found), q
        ServiceSearch.model_validate(body)


def test_an_edited_service_is_answered_in_its_new_version():
    today = dt.date(2026, 12, 2)
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: today, index_ttl_s=0)
    cat.import_rows([FULL], valid_from=dt.date(2026, 1, 1))
    before = json.loads(views.search_response(cat.search("наследници")).get_data())["items"][0]
    card = json.loads(json.dumps(FULL))
    card["name"] = "Издаване на удостоверение за наследници (нов текст)"
    cat.edit("T-full", card, today, by="Мария", reason="Ново наименование")
    after = json.loads(views.search_response(cat.search("наследници")).get_data())["items"][0]
    assert (before["version"], after["version"]) == (1, 2) and after["name"].endswith("(нов текст)")
