"""Every field of the national register's card: in the model, the seeds, the API and the page;
a fee that is a formula stays text; companies' fees; sources that disagree are marked."""
import datetime as dt
import json

import pytest
from pydantic import ValidationError

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.changes import coverage
from catalogue.domain.model import ServiceContent, ServiceVersion, Variant, is_formula
from catalogue.entrypoints import page, views
from catalogue.importer import coverage_report, read_rows
from catalogue.service_layer.catalogue import Catalogue
from catalogue.settings import SEED_DIR
from tests.unit.catalogue.test_catalogue import DAY, SEED

FULL = {
    "code": "T-full", "register_id": "2016", "register_id_verified": True, "municipality": "Пловдив",
    "name": "Издаване на удостоверение за наследници", "description": "Удостоверение за наследниците на починал.",
    "legal_basis": [{"act": "Закон за гражданската регистрация", "article": "чл. 24, ал. 1"}],
    "who_may_apply": "Наследник или упълномощено лице", "competent_authority": "Кмет на район „Източен“",
    "required_documents": [{"name": "Заявление по образец", "form_template": "https://example.bg/zayavlenie.docx"}],
    "variants": [{"kind": "ordinary", "term": {"value": 7, "unit": "working_days"}, "fee_cents": 153,
                  "fee_company_cents": 307, "fee_source_text": "ФЛ 3 лв.; ЮЛ 6 лв."},
                 {"kind": "fast", "term": {"value": 3, "unit": "working_days"}, "fee_cents": None,
                  "fee_company_cents": None, "fee_source_text": "5 лева плюс таксата на общината по акта за смърт"}],
    "unit": {"name": "Район „Източен“ – ГРАО", "contact": "032/123 456"},
    "request_channels": ["counter", "post", "email", "eportal"], "result_channels": ["counter", "email"],
    "payment_methods": ["cash", "card", "bank_transfer"], "validity": "Безсрочно",
    "appeal": {"authority": "Административен съд – Пловдив", "term": "14 дни от съобщаването"},
    "eservice": True, "eservice_url": "https://eportal.example.bg/2016",
    "source": {"url": "https://iztochen-plovdiv.bg/uslugi/", "read_on": "2026-11-25"},
    "other_sources": [{"url": "https://www.plovdiv.bg/uslugi/", "read_on": None,
                       "says": "Таксата там е 5 лв.", "conflict": True}],
}


def seeds():
    for path in sorted(SEED_DIR.glob("*.json")):
        yield from ((path.name, r) for r in read_rows(path))


def test_a_fee_that_is_a_formula_is_refused_as_a_number():
    with pytest.raises(ValidationError, match="формула"):
        Variant(kind="ordinary", fee_cents=256, fee_source_text="5 лева плюс таксата на съответната община")
    assert Variant(kind="ordinary", fee_source_text="40.00 лв. + 5.00 лв.").fee_cents is None


def test_no_seed_stores_a_formula_as_a_number():
    wrong = [(name, r["code"], v["fee_source_text"]) for name, r in seeds() for v in r.get("variants", [])
             if v.get("fee_cents") is not None and v.get("fee_source_text") and is_formula(v["fee_source_text"])]
    assert wrong == []
    pleven = {r["code"]: r for name, r in seeds() if name == "pleven.json"}["PLE-naslednici-kompleksna"]
    assert pleven["variants"][0]["fee_cents"] is None and "плюс" in pleven["variants"][0]["fee_source_text"]


def test_a_source_with_a_companies_fee_has_it_in_its_own_field():
    split = [(r["code"], v) for _, r in seeds() for v in r.get("variants", []) if "ЮЛ" in (v.get("fee_source_text") or "")]
    assert split and all(v.get("fee_company_cents") for _, v in split), split
    belene = {c: v for c, v in split if c == "2014"}
    assert belene and all(v["fee_company_cents"] > v["fee_cents"] for v in belene.values())


def test_plovdiv_has_the_placement_permit_once_with_both_districts_as_sources():
    rows = read_rows(SEED)
    codes = [r["code"] for r in rows]
    assert "PLV-SEV-razreshenie-postavyane" not in codes and codes.count("1989") == 1
    permit = next(r for r in rows if r["code"] == "1989")
    assert [o["url"] for o in permit["other_sources"]] and "severen.bg" in permit["other_sources"][0]["url"]
    register_ids = [r["register_id"] for r in rows if r.get("register_id")]
    assert len(register_ids) == len(set(register_ids))


def test_the_2119_fee_disagreement_is_marked_for_an_operator_not_resolved():
    facts = next(r for r in read_rows(SEED) if r.get("register_id") == "2119")
    assert facts["variants"][0]["fee_source_text"].endswith("30.00 лв.")  # what the district's page says
    conflict = [o for o in facts["other_sources"] if o["conflict"]]
    assert conflict and "100 лв" in conflict[0]["says"] and conflict[0]["read_on"] is None


def test_channels_are_never_assumed():
    content = ServiceContent.model_validate({k: FULL[k] for k in ("code", "municipality", "name", "unit", "source")})
    assert (content.request_channels, content.result_channels, content.payment_methods) == ([], [], [])


def test_unknown_payment_method_is_refused_in_bulgarian():
    with pytest.raises(ValidationError, match="Непознат начин на плащане"):
        ServiceContent.model_validate({**FULL, "payment_methods": ["barter"]})


def test_the_api_detail_carries_every_field_of_the_card():
    v = ServiceVersion(content=ServiceContent.model_validate(FULL), version=2, valid_from=DAY,
                       changed_by="Мария Иванова", change_reason="Нова такса")
    body = views.full(v)
    for field, value in FULL.items():
        assert body[field] == value, field
    assert (body["version"], body["changed_by"], body["change_reason"]) == (2, "Мария Иванова", "Нова такса")


def test_the_page_shows_every_field_and_a_formula_as_its_words():
    v = ServiceVersion(content=ServiceContent.model_validate(FULL), version=1, valid_from=DAY)
    html = page._service(v)
    for text in ("2016", "Удостоверение за наследниците", "Закон за гражданската регистрация, чл. 24, ал. 1",
                 "Наследник или упълномощено лице", "Кмет на район „Източен“", "Заявление по образец",
                 'href="https://example.bg/zayavlenie.docx"', "1,53 €", "3,07 €", "Такса за фирми",
                 "5 лева плюс таксата на общината по акта за смърт", "в брой, с банкова карта, по банков път",
                 "на гише, по пощата, по електронна поща, през електронен портал",
                 'href="https://eportal.example.bg/2016"', "Безсрочно", "Административен съд – Пловдив",
                 "14 дни от съобщаването", "032/123 456", "Несъгласие", "Таксата там е 5 лв.",
                 'href="https://iztochen-plovdiv.bg/uslugi/"', "25.11.2026"):
        assert text in html, text
    assert "2,56" not in html


def test_the_page_says_what_the_source_leaves_out():
    minimal = ServiceContent.model_validate({k: FULL[k] for k in ("code", "municipality", "name", "unit", "source")})
    html = page._service(ServiceVersion(content=minimal, version=1, valid_from=DAY))
    assert html.count(page.MISSING) >= 9 and "Срокове и такси: не са посочени" in html


def test_coverage_counts_each_field_of_the_card():
    full = ServiceContent.model_validate(FULL)
    bare = ServiceContent.model_validate({k: FULL[k] for k in ("code", "municipality", "name", "unit", "source")})
    counts = coverage([full, bare])
    assert counts["source"] == 2 and counts["fee_companies"] == 1 and counts["appeal_term"] == 1
    assert set(counts.values()) <= {1, 2}


def test_the_importer_reports_plovdivs_field_coverage():
    text = coverage_report(read_rows(SEED), "Пловдив")
    rows = read_rows(SEED)
    assert text.startswith(f"Пловдив: {len(rows)} services")
    lines = dict(line.split(None, 1) for line in text.splitlines()[1:-1])
    assert lines["source"] == f"{len(rows)}/{len(rows)}" and "sources in conflict" in text


def test_diff_names_the_fields_an_import_would_change():
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=0)
    cat.import_rows([FULL], valid_from=DAY)
    changed = json.loads(json.dumps(FULL))
    changed["variants"][0]["fee_cents"] = 200
    changed["source"]["read_on"] = "2026-12-01"  # re-read another day: not a change
    other = {**FULL, "code": "T-new", "register_id": None}
    diff = {d.code: d for d in cat.diff([changed, other])}
    assert [c.field for c in diff["T-full"].changes] == ["variants"] and diff["T-full"].status == "changed"
    assert diff["T-new"].status == "new"
    assert len(cat.repo.versions) == 1  # nothing written


def test_an_import_with_one_register_number_twice_is_refused_whole_by_line():
    from catalogue.domain.errors import ImportRejected
    from catalogue.service_layer.catalogue import validate_rows

    rows = [FULL, {**FULL, "code": "T-other"}, {**FULL, "code": "T-third", "register_id": None}]
    with pytest.raises(ImportRejected) as rejected:
        validate_rows(rows, "Пловдив")
    assert [(e.row, e.field) for e in rejected.value.errors] == [(2, "register_id")]
    assert "2016" in rejected.value.errors[0].message and "ред 1" in rejected.value.errors[0].message


def test_the_importers_diff_shows_where_a_long_text_changed():
    from catalogue.importer import diff_report
    from catalogue.service_layer.catalogue import ServiceDiff
    from catalogue.domain.changes import FieldChange

    long = "Удостоверение за наследниците " * 20
    text = diff_report([ServiceDiff("2016", "changed", [FieldChange("description", long, long + "[ново]")])])
    line = text.splitlines()[-1]
    assert "[ново]" in line and len(line) < 400
