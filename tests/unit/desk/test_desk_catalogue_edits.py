"""Operators change the catalogue in the desk (issue 15, item 4): an admin finds a service,
opens it with its versions (valid from, who, why) and makes a new version valid from a date with
a reason, through the catalogue's API as themselves; what the catalogue refuses comes back on
the form's fields in Bulgarian with the typed values kept; no one else may."""
import copy

import pytest

from desk.adapters.memory import FakeServices
from desk.domain.card_form import CardForm, cents
from desk.domain.people import Person
from desk.service_layer.catalogue import CHANGED_MEANWHILE, CatalogueEdits
from desk.service_layer.ports import Refused, Unavailable
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.unit.desk.test_desk_case_pages import call, desk, text

MARIA = Person("maria", "Мария Иванова", "admin")
CODE = "2016"
CARD = {"code": CODE, "register_id": "2016", "register_id_verified": True, "municipality": "Пловдив",
        "name": "Издаване на удостоверение за наследници", "description": "Удостоверение за наследниците.",
        "legal_basis": [{"act": "Закон за гражданската регистрация", "article": "чл. 24"},
                        {"act": "Закон за местните данъци и такси", "article": None}],
        "who_may_apply": "Наследник или упълномощено лице", "competent_authority": "Кмет на район „Източен“",
        "required_documents": [{"name": "Заявление по образец", "form_template": "https://plovdiv.bg/f/1.pdf"},
                               {"name": "Пълномощно", "form_template": None}],
        "variants": [{"kind": "ordinary", "term": {"value": 7, "unit": "working_days"}, "fee_cents": 153,
                      "fee_company_cents": None, "fee_source_text": "3.00 лв."},
                     {"kind": "express", "term": {"value": 1, "unit": "working_days"}, "fee_cents": None,
                      "fee_company_cents": None, "fee_source_text": "5 лв. плюс таксата на другата община"}],
        "unit": {"name": "Район „Източен“", "contact": None}, "request_channels": ["counter", "post"],
        "result_channels": ["counter"], "payment_methods": ["cash"], "validity": "6 месеца",
        "appeal": {"authority": "Административен съд – Пловдив", "term": "14 дни"}, "eservice": False,
        "eservice_url": None, "source": {"url": "https://iztochen-plovdiv.bg/uslugi", "read_on": "2026-11-20"},
        "other_sources": [], "version": 2, "valid_from": "2026-12-01", "changed_by": None, "change_reason": None}
VERSIONS = [{"version": 1, "valid_from": "2026-01-01", "published": True, "name": "Удостоверение за наследници",
             "changed_by": None, "change_reason": None, "changed_at": None},
            {"version": 2, "valid_from": "2026-12-01", "published": True, "name": CARD["name"],
             "changed_by": "Мария Иванова", "change_reason": "Нова наредба за таксите",
             "changed_at": "2026-11-28T09:15:00Z"}]
EDITED = {"service": {**CARD, "name": "Удостоверение за наследници (ново)", "version": 3, "valid_from": "2027-01-01",
                      "changed_by": "Мария Иванова", "change_reason": "Ново наименование"}, "changes": []}


def catalogue(**answers) -> FakeServices:
    return FakeServices(**{"catalogue_versions": VERSIONS, "catalogue_service": CARD, **answers})


def form(**changes) -> dict:
    """The form as the page fills it in for CARD, with ``changes`` typed over it."""
    values = CardForm.from_card(CARD, "2027-01-01").values
    data = {k: v for k, v in values.items() if not isinstance(v, list)}
    data.update({k: v for k, v in values.items() if isinstance(v, list)})
    data.update({"reason": "Ново наименование", **changes})
    return data


def on_service(worker, session, handler, method, path, **kwargs):
    """``call`` for a route with the service's code in its path (nameko passes it as ``code``)."""
    environ = EnvironBuilder(method=method, path=path, headers={"Cookie": f"desk_session={session.id}",
                                                                "Host": "localhost", "Origin": "http://localhost"},
                             **kwargs).get_environ()
    response = getattr(worker, handler)(Request(environ), code=CODE)
    return response.status_code, response.get_data(as_text=True), response


def post(worker, session, data):
    body = _multidict({k: v for k, v in data.items() if v != "" and k != "csrf"})
    body.add("csrf", data.get("csrf", session.csrf))
    return on_service(worker, session, "edit_catalogue_service", "POST", f"/catalogue/services/{CODE}/versions",
                      data=body)


def edits(services) -> list:
    return [c for c in services.calls if c[0] == "edit_catalogue_service"]


def test_opening_and_saving_a_card_unchanged_sends_the_same_card():
    """The form loses nothing: every field of the card, the formula fee as text, the lists."""
    card = CardForm.from_form(_multidict(form())).card({k: v for k, v in CARD.items()})
    assert {k: v for k, v in card.items() if k in CARD} == {**CARD}


def _multidict(data):
    return MultiDict([(k, c) for k, v in data.items() for c in (v if isinstance(v, list) else [v])])


@pytest.mark.parametrize("typed, amount", [("12,50", 1250), ("12.5", 1250), ("3", 300), ("1 200,00 €", 120000),
                                           ("0,07", 7), ("12 лв", None), ("-1", None), ("1,234", None)])
def test_fees_are_euro_amounts_as_people_type_them(typed, amount):
    assert cents(typed) == amount


def test_the_admin_finds_a_service_and_opens_it_with_its_versions():
    services = catalogue(catalogue_search=[{"code": CODE, "name": CARD["name"], "version": 2,
                                            "valid_from": "2026-12-01", "unit": "Район „Източен“"}])
    worker, session = desk(services, person=MARIA)
    status, html, _ = call(worker, session, "catalogue", "GET", "/catalogue", query_string={"q": " наследници "})
    assert status == 200 and f'href="/catalogue/services/{CODE}"' in html and ("catalogue_search", MARIA, "наследници") in services.calls
    status, html, _ = _open(worker, session)
    page = text(html)
    assert status == 200
    assert "2 01.12.2026 Издаване на удостоверение за наследници Мария Иванова, 28.11.2026 11:15 Нова наредба за таксите" in page
    assert "1 01.01.2026 Удостоверение за наследници внос от източника" in page
    assert 'value="1,53"' in html and "5 лв. плюс таксата на другата община" in html
    assert "Закон за гражданската регистрация | чл. 24\nЗакон за местните данъци и такси</textarea>" in html
    assert 'id="fast_offered" name="fast_offered" type="checkbox" value="1">' in html  # not offered
    assert 'id="request_channels-post" name="request_channels" type="checkbox" value="post" checked' in html
    assert '<a class="desk-nav__link" href="/catalogue">Каталог</a>' in html


def _open(worker, session):
    return on_service(worker, session, "catalogue_service", "GET", f"/catalogue/services/{CODE}")


def test_the_form_opens_on_the_latest_version_even_one_valid_from_a_later_day():
    later = {**VERSIONS[1], "version": 3, "valid_from": "2027-03-01"}
    services = catalogue(catalogue_versions=VERSIONS + [later])
    CatalogueEdits(services).service(MARIA, CODE)
    assert ("catalogue_service", MARIA, CODE, "2027-03-01") in services.calls


def test_a_change_is_a_new_version_made_by_the_admin_with_the_date_and_the_reason():
    services = catalogue(edit_catalogue_service=EDITED)
    worker, session = desk(services, person=MARIA)
    status, html, _ = post(worker, session, form(name="Удостоверение за наследници (ново)", express_fee_company="10",
                                                 valid_from="2027-01-01"))
    assert status == 200 and "Записана е версия 3, валидна от 01.01.2027." in text(html)
    [(_, person, code, edit)] = edits(services)
    assert person == MARIA and code == CODE  # the catalogue's API is called with Мария's own token
    assert edit["valid_from"] == "2027-01-01" and edit["reason"] == "Ново наименование"
    assert edit["service"]["name"] == "Удостоверение за наследници (ново)"
    assert edit["service"]["variants"][1] == {"kind": "express", "term": {"value": 1, "unit": "working_days"},
                                              "fee_cents": None, "fee_company_cents": 1000,
                                              "fee_source_text": "5 лв. плюс таксата на другата община"}
    assert edit["service"]["source"] == CARD["source"] and "version" not in edit["service"]


def test_the_catalogues_refusal_is_shown_next_to_the_fields_with_the_typed_values_kept():
    refusal = Refused(422, "Промяната не може да бъде направена.", [
        {"field": "valid_from", "message": "Промяна не може да важи от минала дата."},
        {"field": "service.variants.1", "message": "Таксата е формула: оставете сумата празна."},
        {"field": "service.name", "message": "Текстът е твърде кратък."}])
    services = catalogue(edit_catalogue_service=refusal)
    worker, session = desk(services, person=MARIA)
    status, html, _ = post(worker, session, form(name="Уд", express_fee="5", valid_from="2026-01-01"))
    assert status == 422
    assert "Промяната не е записана. Промяната не може да бъде направена." in html
    assert '<p id="valid_from-error" class="govuk-error-message"><span class="govuk-visually-hidden">Грешка:</span> ' \
           'Промяна не може да важи от минала дата.</p>' in html
    assert 'id="express_fee-error"' in html and "Таксата е формула: оставете сумата празна." in html
    assert 'href="#name"' in html and 'value="Уд"' in html and 'value="5"' in html and 'value="2026-01-01"' in html


@pytest.mark.parametrize("changes, field", [({"reason": ""}, "reason"), ({"ordinary_fee": "12 лв"}, "ordinary_fee"),
                                            ({"ordinary_term_value": "седем"}, "ordinary_term_value"),
                                            ({"valid_from": "1.1.2027"}, "valid_from")])
def test_what_the_desk_can_tell_is_wrong_is_shown_and_nothing_is_sent(changes, field):
    services = catalogue()
    worker, session = desk(services, person=MARIA)
    status, html, _ = post(worker, session, form(**changes))
    assert status == 422 and f'id="{field}-error"' in html and not edits(services)


def test_a_version_saved_meanwhile_stops_the_change():
    services = catalogue()
    worker, session = desk(services, person=MARIA)
    status, html, _ = post(worker, session, form(based_on="1"))
    assert status == 422 and CHANGED_MEANWHILE in html and not edits(services)


def test_a_forged_form_is_refused_and_nothing_is_sent():
    services = catalogue()
    worker, session = desk(services, person=MARIA)
    status, html, _ = post(worker, session, form(csrf="forged"))
    assert status == 403 and "Формата не е приета" in html and not edits(services)


@pytest.mark.parametrize("role", ["clerk", "official"])
def test_no_one_but_an_admin_may_see_or_change_the_catalogue(role):
    services = catalogue(edit_catalogue_service=EDITED)
    worker, session = desk(services, person=Person("x", "Някой", role))
    for status, html, _ in (call(worker, session, "catalogue", "GET", "/catalogue"), _open(worker, session)):
        assert status == 403 and "Ролята ви няма право на това действие." in html
    status, html, _ = post(worker, session, form())
    assert status == 403 and "Ролята ви няма право на това действие." in html and not edits(services)
    status, html, _ = call(worker, session, "home", "GET", "/")
    assert 'href="/catalogue"' not in html


def test_an_unknown_service_and_a_catalogue_that_does_not_answer_get_bulgarian_pages():
    worker, session = desk(catalogue(catalogue_versions=Refused(404, "Няма услуга с код 9999.")), person=MARIA)
    status, html, _ = _open(worker, session)
    assert status == 404 and "Няма услуга с код 9999." in html
    worker, session = desk(catalogue(edit_catalogue_service=Unavailable("catalogue")), person=MARIA)
    status, html, response = post(worker, session, form())
    assert status == 503 and "Каталогът на услугите временно не отговаря. Промяната не е записана." in html
    assert "Ново наименование</textarea>" in html  # the typed reason is kept
    worker, session = desk(catalogue(catalogue_search=Unavailable("catalogue")), person=MARIA)
    status, html, response = call(worker, session, "catalogue", "GET", "/catalogue")
    assert status == 503 and response.headers["Retry-After"] == "60"


def test_a_change_keeps_the_fields_the_form_does_not_show():
    edit = CatalogueEdits(catalogue(edit_catalogue_service=EDITED))
    outcome = edit.edit(MARIA, CODE, CardForm.from_form(_multidict(form(validity=""))))
    assert outcome.ok
    [(_, _, _, sent)] = edits(edit.services)
    kept = copy.deepcopy({k: v for k, v in CARD.items() if k not in ("version", "valid_from", "changed_by",
                                                                      "change_reason")})
    assert sent["service"] == {**kept, "validity": None}
