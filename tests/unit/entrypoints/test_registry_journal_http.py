"""The registry's journal route: wire names of its filters, masked rows, its 400s and 401."""
import datetime as dt
import json
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from nameko.testing.services import worker_factory

from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.index import DEFAULT_REGISTERS
from registry.entrypoints.service import RegistryService
from registry.service_layer.queries import Queries
from tests.unit.entrypoints.conftest import bearer, request
from tests.unit.registry.test_journal_query import reg


def journal(settings, uploads, query: str, headers=None):
    repo = InMemoryRegistrationRepository()
    for n in range(1, 4):
        reg(repo, n, dt.datetime(2026, 3, 10, 8 + n, tzinfo=dt.timezone.utc), channel="email" if n == 2 else "counter")
    queries = Queries(repo, InMemoryScanStore(), DEFAULT_REGISTERS, ZoneInfo("Europe/Sofia"))
    worker = worker_factory(RegistryService, app=SimpleNamespace(settings=settings, uploads=uploads,
                                                                 registry=SimpleNamespace(queries=queries)))
    response = worker.list_documents(request("GET", "/api/v1/documents", query_string=query,
                                             headers=bearer("official") if headers is None else headers))
    return response, json.loads(response.get_data())


def test_a_page_by_from_to_and_channel_with_masked_personal_numbers(settings, uploads):
    response, body = journal(settings, uploads, "from=2026-03-10&to=2026-03-10&channel=counter&limit=1")
    assert response.status_code == 200
    assert [i["registration_index"] for i in body["items"]] == ["ЖЛБ-1/10.03.2026"] and body["next"]
    assert body["items"][0]["sender"]["personal_number"] != "7501020018"
    assert body["items"][0]["sender"]["personal_number"] == "********18"
    response, body = journal(settings, uploads, f"from=2026-03-10&channel=counter&after={body['next']}")
    assert [i["registration_index"] for i in body["items"]] == ["ЖЛБ-3/10.03.2026"] and body["next"] is None


def test_bad_filters_are_400_naming_the_field(settings, uploads):
    for query, field in (("from=10.03.2026", "from"), ("from=2026-03-10&to=2026-03-01", "to"),
                         ("register=НЯМА", "register"), ("after=%%%", "after"), ("limit=0", "limit")):
        response, body = journal(settings, uploads, query)
        assert response.status_code == 400 and body["errors"][0]["field"] == field, (query, body)
        assert response.mimetype == "application/problem+json"


def test_without_a_token_it_is_401(settings, uploads):
    response, _ = journal(settings, uploads, "", headers={})
    assert response.status_code == 401
