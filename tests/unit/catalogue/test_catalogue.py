import datetime as dt
import json
from pathlib import Path

import pytest

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.errors import ImportRejected
from catalogue.domain.search import skeleton
from catalogue.importer import read_rows, write_rows
from catalogue.service_layer.catalogue import Catalogue
from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound

SEED = Path(__file__).resolve().parents[3] / "services" / "catalogue" / "seed" / "plovdiv.json"
DAY = dt.date(2026, 11, 25)


def row(code="T-1", name="Издаване на удостоверение за наследници", **over):
    base = {"code": code, "municipality": "Пловдив", "name": name, "unit": {"name": "Гражданско състояние"},
            "variants": [{"kind": "ordinary", "term": {"value": 7, "unit": "working_days"}, "fee_cents": 511}],
            "source": {"url": "https://example.bg/service", "read_on": "2026-11-25"}}
    base.update(over)
    return base


@pytest.fixture
def cat():
    return Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=0)


def test_seed_is_valid_real_and_sourced(cat):
    rows = read_rows(SEED)
    assert len(rows) >= 25
    report = cat.import_rows(rows, valid_from=DAY)
    assert len(report.created) == len(rows)
    assert all(r["source"]["url"].startswith("http") for r in rows)


def test_latin_and_cyrillic_queries_find_the_heirs_certificate(cat):
    cat.import_rows(read_rows(SEED), valid_from=DAY)
    for q in ("udostoverenie za naslednici", "удостоверение за наследници", "UDOSTOVERENIE NASLEDNITSI"):
        names = [v.content.name.lower() for v in cat.search(q)]
        assert names and "наследници" in names[0], q


def test_skeleton_merges_spellings():
    assert skeleton("наследници") == skeleton("naslednici") == skeleton("naslednitsi")
    assert skeleton("Щъркел") == skeleton("shtarkel")


def test_import_is_idempotent_and_versions_changes(cat):
    assert cat.import_rows([row()], valid_from=dt.date(2026, 1, 1)).created == ["T-1"]
    assert cat.import_rows([row()], valid_from=dt.date(2026, 6, 1)).unchanged == ["T-1"]
    changed = row(variants=[{"kind": "ordinary", "term": {"value": 5, "unit": "working_days"}, "fee_cents": 600}])
    assert cat.import_rows([changed], valid_from=dt.date(2026, 7, 1)).created == ["T-1"]
    old = cat.service_term(GetServiceTermRequest(code="T-1", at=dt.date(2026, 3, 1)))
    new = cat.service_term(GetServiceTermRequest(code="T-1", at=dt.date(2026, 8, 1)))
    assert (old.version, old.term.value, new.version, new.term.value) == (1, 7, 2, 5)
    assert len(cat.repo.outbox) == 2


def test_bad_rows_are_all_reported_and_nothing_imported(cat):
    rows = [row("A"), row("B", variants=[{"kind": "ordinary", "term": {"value": 3}, "fee_cents": -1}]),
            row("A"), {"code": "C"}, row("D", unit={"name": "x" * 400})]
    with pytest.raises(ImportRejected) as err:
        cat.import_rows(rows)
    found = {(e.row, e.field.split(".")[0]) for e in err.value.errors}
    assert {(2, "variants"), (3, "code"), (4, "name"), (4, "unit"), (5, "unit")} <= found
    assert cat.repo.versions == []


def test_unknown_code_is_a_typed_error(cat):
    with pytest.raises(ServiceNotFound):
        cat.service_term(GetServiceTermRequest(code="nope", at=DAY))


def test_version_not_yet_valid_is_invisible(cat):
    cat.import_rows([row()], valid_from=dt.date(2027, 1, 1))
    with pytest.raises(ServiceNotFound):
        cat.service_term(GetServiceTermRequest(code="T-1", at=DAY))


def test_csv_roundtrip(tmp_path, cat):
    out = tmp_path / "c.csv"
    with out.open("w", newline="") as f:
        write_rows([row("X"), row("Y", name="Скица на поземлен имот")], "csv", f)
    rows = read_rows(out)
    assert cat.import_rows(rows, valid_from=DAY).created == ["X", "Y"]
    assert json.loads(json.dumps(rows))[1]["variants"][0]["fee_cents"] == 511


def test_draft_is_invisible_until_published(cat):
    cat.import_rows([row()], valid_from=dt.date(2026, 1, 1))
    changed = row(variants=[{"kind": "ordinary", "term": {"value": 3, "unit": "working_days"}, "fee_cents": 900}])
    cat.import_rows([changed], valid_from=dt.date(2026, 6, 1), draft=True)
    assert cat.service_term(GetServiceTermRequest(code="T-1", at=dt.date(2026, 8, 1))).version == 1
    assert len(cat.repo.outbox) == 1  # a draft announces nothing
    cat.publish("T-1", 2)
    assert cat.service_term(GetServiceTermRequest(code="T-1", at=dt.date(2026, 8, 1))).term.value == 3
    assert len(cat.repo.outbox) == 2
    with pytest.raises(ServiceNotFound):
        cat.publish("T-1", 9)


def test_malformed_file_is_reported_without_importing(tmp_path, capsys):
    from catalogue.importer import main

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["import", str(bad)]) == 1
    assert "Нищо не е внесено" in capsys.readouterr().err


@pytest.mark.parametrize("term,text", [({"value": 1, "unit": "working_days"}, "1 работен ден"),
                                       ({"value": 5, "unit": "working_days"}, "5 работни дни"),
                                       ({"value": 1, "unit": "months"}, "1 месец"),
                                       ({"value": 2, "unit": "months"}, "2 месеца"),
                                       ({"value": 7, "unit": "calendar_days"}, "7 дни")])
def test_a_services_term_is_shown_with_its_noun_in_agreement(cat, term, text):
    from catalogue.entrypoints.page import render

    cat.import_rows([row(variants=[{"kind": "ordinary", "term": term, "fee_cents": 511}])], valid_from=dt.date(2026, 1, 1))
    page = render(cat, {"q": "наследници"}).get_data(as_text=True)
    assert f"<td>{text}</td>" in page
