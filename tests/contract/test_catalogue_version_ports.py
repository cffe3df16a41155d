"""Catalogue versions made by operators, on the in-memory fake and on the real FerretDB:
who and why survive the round trip, two writers of one version number are told, and a
change through the service layer binds new days only."""
import datetime as dt
import json

import pytest

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.errors import VersionTaken
from catalogue.domain.model import ServiceContent, ServiceVersion
from catalogue.service_layer.catalogue import Catalogue
from delovod_proto.rpc import GetServiceTermRequest
from tests.contract.conftest import BACKENDS
from tests.unit.catalogue.test_catalogue_card import FULL

CHANGED_AT = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(params=BACKENDS)
def catalogue_repo(request, mongo_alias):
    if request.param == "memory":
        return InMemoryServiceRepository()
    from catalogue.adapters.mongo_repository import ALIAS, MongoServiceRepository, ServiceVersionDoc
    mongo_alias(ALIAS, ServiceVersionDoc)
    return MongoServiceRepository()


def card(fee=153) -> ServiceContent:
    data = json.loads(json.dumps(FULL))
    data["variants"][0]["fee_cents"] = fee
    return ServiceContent.model_validate(data)


def test_who_and_why_of_a_version_survive_the_round_trip(catalogue_repo):
    catalogue_repo.add(ServiceVersion(content=card(), version=1, valid_from=dt.date(2026, 1, 1)))
    catalogue_repo.add(ServiceVersion(content=card(300), version=2, valid_from=dt.date(2027, 1, 1),
                                      changed_by="Мария Иванова", change_reason="Решение № 12", changed_at=CHANGED_AT))
    history = catalogue_repo.history("T-full")
    assert [(v.version, v.changed_by, v.change_reason, v.changed_at) for v in history] == [
        (1, None, None, None), (2, "Мария Иванова", "Решение № 12", CHANGED_AT)]
    assert history[1].content == card(300)  # every field of the card, other sources included
    assert catalogue_repo.history("nope") == []


def test_a_second_writer_of_one_version_number_is_told(catalogue_repo):
    catalogue_repo.add(ServiceVersion(content=card(), version=1, valid_from=dt.date(2026, 1, 1)))
    with pytest.raises(VersionTaken):
        catalogue_repo.add(ServiceVersion(content=card(300), version=1, valid_from=dt.date(2027, 1, 1)))
    assert [v.content.variants[0].fee_cents for v in catalogue_repo.history("T-full")] == [153]


def test_an_operators_change_binds_new_days_only(catalogue_repo):
    today = dt.date(2026, 12, 2)
    cat = Catalogue(catalogue_repo, today=lambda: today, index_ttl_s=0)
    cat.import_rows([FULL], valid_from=dt.date(2026, 1, 1))
    cat.edit("T-full", card(300).model_dump(mode="json"), dt.date(2027, 1, 1), by="Мария", reason="Нова наредба")
    before = cat.service_term(GetServiceTermRequest(code="T-full", at=dt.date(2026, 12, 31)))
    after = cat.service_term(GetServiceTermRequest(code="T-full", at=dt.date(2027, 1, 4)))
    assert (before.version, before.fee_cents, after.version, after.fee_cents) == (1, 153, 2, 300)
    assert [(v.version, v.changed_by) for v in cat.versions("T-full")] == [(1, None), (2, "Мария")]
