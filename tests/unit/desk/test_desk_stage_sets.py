"""Admins keep the stage sets in the desk (issue 14 item 1): the list, a set's versions (valid
from, who, why), the form (a checkbox per stage, its public and internal label, the reason);
status's refusals next to the fields with what was typed kept; a stale form says so; no one
else may; the case page offers only the moves of the case's own stage set."""
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from desk.adapters.memory import FakeServices
from desk.domain.people import Person
from desk.service_layer.ports import Refused
from tests.unit.desk.test_desk_case_pages import call, desk, text

MARIA = Person("maria", "Мария Иванова", "admin")
IVAN = Person("ivan", "Иван Служителев", "official")
STAGES = [{"stage": s, "public_label": p, "internal_label": i} for s, p, i in (
    ("registered", "Регистриран", "Регистриран"), ("in_progress", "В процес на разглеждане", "В работа"),
    ("answered", "Изпратен отговор", "Отговорен"), ("closed", "Приключен", "Приключен"))]
V1 = {"key": "complaint", "kind": "complaint", "service_code": None, "version": 1,
      "valid_from": "2000-01-01T00:00:00Z", "stages": STAGES, "transitions": [], "author": None,
      "reason": "Начален набор", "created_at": None}
V2 = {**V1, "version": 2, "valid_from": "2026-12-02T09:00:00Z", "author": "Мария Иванова",
      "reason": "По-ясни думи", "created_at": "2026-12-02T09:00:00Z",
      "stages": [{**s, "public_label": "Работим по нея"} if s["stage"] == "in_progress" else s for s in STAGES]}


def on_set(worker, session, handler, method, path, key="complaint", **kwargs):
    environ = EnvironBuilder(method=method, path=path, headers={"Cookie": f"desk_session={session.id}",
                                                                "Host": "localhost", "Origin": "http://localhost"},
                             **kwargs).get_environ()
    response = getattr(worker, handler)(Request(environ), key=key)
    return response.status_code, response.get_data(as_text=True)


def form(session, **changes):
    data = MultiDict([("csrf", session.csrf), ("based_on", "1"), ("reason", "По-ясни думи")]
                     + [("stages", s["stage"]) for s in STAGES]
                     + [(f"public_{s['stage']}", s["public_label"]) for s in STAGES]
                     + [(f"internal_{s['stage']}", s["internal_label"]) for s in STAGES])
    for k, v in changes.items():
        data.setlist(k, v if isinstance(v, list) else [v])
    return data


def test_the_admin_sees_the_sets_and_a_sets_versions():
    services = FakeServices(stage_sets=[V2], stage_set_versions=[V1, V2])
    worker, session = desk(services, person=MARIA)
    status, html, _ = call(worker, session, "stage_sets", "GET", "/stage-sets")
    assert status == 200 and 'href="/stage-sets/complaint"' in html and "Жалба" in text(html)
    assert '<a class="desk-nav__link" href="/stage-sets">Етапи</a>' in html
    status, html = on_set(worker, session, "stage_set", "GET", "/stage-sets/complaint")
    page = text(html)
    assert status == 200
    assert "2 02.12.2026 11:00 Регистриран, Работим по нея, Изпратен отговор, Приключен Мария Иванова" in page
    assert "1 01.01.2000 02:00" in page and "първоначален набор" in page
    assert 'name="public_in_progress"' in html and 'value="Работим по нея"' in html
    assert 'id="use_suspended" name="stages" type="checkbox" value="suspended">' in html  # not used
    assert 'name="based_on" value="2"' in html


def test_a_new_version_is_sent_as_the_admin_with_the_form_as_typed():
    services = FakeServices(stage_set_versions=[V1], create_stage_set_version=V2)
    worker, session = desk(services, person=MARIA)
    status, html = on_set(worker, session, "edit_stage_set", "POST", "/stage-sets/complaint/versions",
                          data=form(session, public_in_progress=" Работим по нея ", stages=[
                              "registered", "in_progress", "answered", "closed", "bogus"]))
    assert status == 200 and "Записана е версия 2" in text(html)
    [(_, person, key, edit)] = [c for c in services.calls if c[0] == "create_stage_set_version"]
    assert (person, key, edit["based_on"], edit["reason"], edit["valid_from"]) == (
        MARIA, "complaint", 1, "По-ясни думи", None)
    assert [s["stage"] for s in edit["stages"]] == ["registered", "in_progress", "answered", "closed"]
    assert edit["stages"][1]["public_label"] == "Работим по нея"


def test_status_refusals_are_shown_next_to_the_fields_with_the_typed_values_kept():
    refusal = Refused(422, "Наборът от етапи не може да бъде записан.", [
        {"field": "stages.answered", "message": "Етап „Изпратен отговор“ е задължителен във всеки набор."},
        {"field": "stages.in_progress.public_label", "message": "Въведете наименование на етап."},
        {"field": "reason", "message": "Посочете причината за промяната."}])
    services = FakeServices(stage_set_versions=[V1], create_stage_set_version=refusal)
    worker, session = desk(services, person=MARIA)
    status, html = on_set(worker, session, "edit_stage_set", "POST", "/stage-sets/complaint/versions",
                          data=form(session, stages=["registered", "in_progress", "closed"], public_in_progress="",
                                    internal_closed="Архив", reason=""))
    assert status == 422
    assert '<p id="stage_answered-error" class="govuk-error-message">' in html
    assert '<p id="public_in_progress-error" class="govuk-error-message">' in html
    assert '<p id="reason-error" class="govuk-error-message">' in html
    assert 'value="Архив"' in html  # typed, kept
    assert 'id="use_answered" name="stages" type="checkbox" value="answered">' in html  # unchecked, kept


def test_a_stale_form_is_told_and_goes_over_the_newest_next_time():
    services = FakeServices(stage_set_versions=[V1, V2],
                            create_stage_set_version=Refused(409, "Наборът е променен междувременно"))
    worker, session = desk(services, person=MARIA)
    status, html = on_set(worker, session, "edit_stage_set", "POST", "/stage-sets/complaint/versions",
                          data=form(session, public_registered="Приета"))
    assert status == 409 and "променен след отварянето на формата" in text(html)
    assert 'name="based_on" value="2"' in html and 'value="Приета"' in html


def test_a_service_without_its_own_set_opens_on_service_applications():
    start = {**V1, "key": "service_application", "kind": "service_application", "version": 3}

    def versions(person, key):
        if key == "service:2091":
            raise Refused(404, "Няма набор")
        return [start]
    services = FakeServices(create_stage_set_version={**V1, "key": "service:2091", "version": 1})
    services.stage_set_versions = versions
    worker, session = desk(services, person=MARIA)
    status, html = on_set(worker, session, "stage_set", "GET", "/stage-sets/service:2091", key="service:2091")
    assert status == 200 and "още няма свой набор" in text(html) and 'name="based_on" value="0"' in html
    on_set(worker, session, "edit_stage_set", "POST", "/stage-sets/service:2091/versions", key="service:2091",
           data=form(session, based_on="0"))
    [(_, _, key, edit)] = [c for c in services.calls if c[0] == "create_stage_set_version"]
    assert (key, edit["based_on"], edit["kind"]) == ("service:2091", 0, "service_application")


def test_no_one_but_an_admin():
    services = FakeServices(stage_sets=[V1], stage_set_versions=[V1])
    worker, session = desk(services, person=IVAN)
    status, html, _ = call(worker, session, "stage_sets", "GET", "/stage-sets")
    assert status == 403 and 'href="/stage-sets"' not in html
    status, _ = on_set(worker, session, "edit_stage_set", "POST", "/stage-sets/complaint/versions",
                       data=form(session))
    assert status == 403 and not [c for c in services.calls if c[0] == "create_stage_set_version"]


def test_a_forged_form_is_refused():
    services = FakeServices(stage_set_versions=[V1])
    worker, session = desk(services, person=MARIA)
    status, _ = on_set(worker, session, "edit_stage_set", "POST", "/stage-sets/complaint/versions",
                       data=form(session, csrf="forged"))
    assert status == 403 and not [c for c in services.calls if c[0] == "create_stage_set_version"]


def test_the_case_page_offers_only_the_moves_of_the_cases_stage_set():
    from tests.unit.desk.test_desk_case_pages import CASE, DOC, HISTORY

    narrowed = {**HISTORY, "next_stages": ["answered"], "stage_set": {"key": "complaint", "version": 2}}
    worker, session = desk(FakeServices(document=DOC, case_history=narrowed), person=IVAN)
    status, html, _ = call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})
    assert status == 200 and 'id="stage-answered"' in html
    assert 'id="stage-suspended"' not in html and 'id="stage-in_progress"' not in html
    # from an older status (no stage set named): every action, status's refusal says why
    worker, session = desk(FakeServices(document=DOC, case_history=HISTORY), person=IVAN)
    assert 'id="stage-suspended"' in call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})[1]
