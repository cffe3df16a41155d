"""Operators change the catalogue: each change a new version valid from a date, with who and
why; a case keeps the version valid on its registration day."""
import datetime as dt
import json

import pytest

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.errors import EditRefused, VersionTaken
from catalogue.service_layer.catalogue import Catalogue
from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound
from tests.unit.catalogue.test_catalogue_card import FULL

TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def cat():
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: TODAY, index_ttl_s=0)
    cat.import_rows([FULL], valid_from=dt.date(2026, 1, 1))
    return cat


def with_fee(cents: int) -> dict:
    card = json.loads(json.dumps(FULL))
    card["variants"][0]["fee_cents"] = cents
    return card


def test_an_edit_is_a_new_version_from_its_day_with_who_and_why(cat):
    version, changes = cat.edit("T-full", with_fee(300), dt.date(2027, 1, 1), by="Мария Иванова",
                                reason="Решение на ОбС № 12/2026")
    assert (version.version, version.valid_from, version.changed_by) == (2, dt.date(2027, 1, 1), "Мария Иванова")
    assert version.change_reason == "Решение на ОбС № 12/2026" and version.changed_at is not None
    assert [c.field for c in changes] == ["variants"]
    # A case registered before the change keeps the old fee; one registered after gets the new.
    old = cat.service_term(GetServiceTermRequest(code="T-full", at=dt.date(2026, 12, 31)))
    new = cat.service_term(GetServiceTermRequest(code="T-full", at=dt.date(2027, 1, 1)))
    assert (old.version, old.fee_cents, new.version, new.fee_cents) == (1, 153, 2, 300)
    assert [v.version for v in cat.versions("T-full")] == [1, 2]
    assert len(cat.repo.outbox) == 2  # the change is announced like an import


def test_an_edit_from_today_is_served_at_once(cat):
    cat.edit("T-full", with_fee(300), TODAY, by="Мария", reason="Поправка на таксата")
    assert cat.version_at("T-full", TODAY).version == 2
    assert cat.search("наследници")[0].version == 2


@pytest.mark.parametrize("card, valid_from, field", [
    (with_fee(300), dt.date(2026, 12, 1), "valid_from"),  # the past: cases are bound already
    (FULL, dt.date(2027, 1, 1), "service"),  # nothing changed
    ({**with_fee(300), "code": "OTHER"}, dt.date(2027, 1, 1), "service.code"),
    ({**with_fee(300), "municipality": "Плевен"}, dt.date(2027, 1, 1), "service.municipality"),
    ({**with_fee(-5)}, dt.date(2027, 1, 1), "service.variants.0.fee_cents"),
])
def test_an_edit_that_cannot_be_made_is_refused_by_field(cat, card, valid_from, field):
    with pytest.raises(EditRefused) as refused:
        cat.edit("T-full", card, valid_from, by="Мария", reason="Опит")
    assert field in [e["field"] for e in refused.value.errors]
    assert all(e["message"] for e in refused.value.errors)
    assert len(cat.versions("T-full")) == 1


def test_an_edit_of_an_unknown_service_is_not_found(cat):
    with pytest.raises(ServiceNotFound):
        cat.edit("NOPE", {**with_fee(300), "code": "NOPE"}, TODAY, by="Мария", reason="Опит")


def test_two_operators_at_once_the_second_is_told(cat):
    first = cat.repo.latest

    def stale(code):  # the second operator read the service before the first one saved
        return cat.repo.history(code)[0]

    cat.edit("T-full", with_fee(300), TODAY, by="Първи", reason="Първа промяна")
    cat.repo.latest = stale
    with pytest.raises(VersionTaken):
        cat.edit("T-full", with_fee(400), TODAY, by="Втори", reason="Втора промяна")
    cat.repo.latest = first
    assert [v.changed_by for v in cat.versions("T-full")] == [None, "Първи"]


def test_re_importing_the_seed_keeps_an_operators_edit(cat):
    cat.edit("T-full", with_fee(300), TODAY, by="Мария", reason="Решение на ОбС")
    diff = cat.diff([FULL])
    assert [(d.code, d.status) for d in diff] == [("T-full", "kept")]
    report = cat.import_rows([FULL], valid_from=TODAY)
    assert report.kept == ["T-full"] and report.created == []
    assert cat.version_at("T-full", TODAY).content.variants[0].fee_cents == 300
    report = cat.import_rows([FULL], valid_from=TODAY, overwrite_edits=True)
    assert report.created == ["T-full"] and cat.version_at("T-full", TODAY).version == 3
