"""The operators' page keeps the registry's calendar exceptions: the table (dates dd.mm.yyyy,
kinds in Bulgarian), a row added or removed by sending the whole new table with the version
read (CSRF; the desk's and the registry's errors on the fields, typed values kept; a table
changed meanwhile is 409 with the fresh one), and who changed what in Sofia time."""
import pytest

from desk.adapters.memory import FakeDeadLetters, FakeServices
from desk.service_layer.ports import Refused, Unavailable
from tests.unit.desk.test_desk_operator_page import MARIA, STOYAN, call, desk

SATURDAY = {"date": "2026-12-19", "kind": "working_day", "reason": "РМС № 900 от 20.11.2026"}
DAY_OFF = {"date": "2026-12-28", "kind": "day_off", "reason": "РМС № 808 от 19.11.2025"}
TABLE = {"version": 4, "exceptions": [SATURDAY, DAY_OFF], "official_calendar": "PyPI holidays 0.60",
         "changes": [{"version": 4, "at": "2026-11-25T22:30:00Z", "by": "Иван Петров", "by_id": "ivan",
                      "added": [SATURDAY], "removed": [{**SATURDAY, "reason": "стар текст"}]}]}
STORED = {**TABLE, "version": 5}


def test_the_table_and_who_changed_what_are_shown_in_bulgarian():
    worker, session = desk(FakeServices(calendar=TABLE), FakeDeadLetters())
    status, html = call(worker, session, "operators", "GET", "/operators")
    assert status == 200 and "Изключения в работния календар" in html
    assert "19.12.2026" in html and "Работна събота" in html and "Допълнителен почивен ден" in html
    assert "РМС № 808 от 19.11.2025" in html and 'name="version" value="4"' in html
    assert "26.11.2026 00:30" in html and "Иван Петров" in html  # 22:30 UTC is past midnight in Sofia
    assert "Добавено: 19.12.2026 — Работна събота (РМС № 900 от 20.11.2026)" in html
    assert "Премахнато: 19.12.2026 — Работна събота (стар текст)" in html
    assert html.count(">Премахни</button>") == 2


def test_an_added_working_saturday_sends_the_whole_table_with_the_version_read():
    services = FakeServices(calendar=TABLE, replace_calendar=STORED)
    worker, session = desk(services, FakeDeadLetters())
    status, html = call(worker, session, "add_calendar_exception", "POST", "/operators/calendar", data={
        "csrf": session.csrf, "version": "4", "exception_date": "05.12.2026", "exception_kind": "working_day",
        "exception_reason": " РМС № 950 от 01.12.2026 "})
    assert status == 200 and "Записана е версия 5 на таблицата." in html
    sent = next(c for c in services.calls if c[0] == "replace_calendar")
    assert sent[1] == MARIA and sent[2] == {"version": 4, "exceptions": [
        SATURDAY, DAY_OFF, {"date": "2026-12-05", "kind": "working_day", "reason": "РМС № 950 от 01.12.2026"}]}


def test_a_row_is_removed_by_its_date():
    services = FakeServices(calendar=TABLE, replace_calendar=STORED)
    worker, session = desk(services, FakeDeadLetters())
    status, html = call(worker, session, "remove_calendar_exception", "POST", "/operators/calendar/remove",
                        data={"csrf": session.csrf, "version": "4", "date": "2026-12-19"})
    assert status == 200 and "Записана е версия 5" in html
    assert ("replace_calendar", MARIA, {"version": 4, "exceptions": [DAY_OFF]}) in services.calls


@pytest.mark.parametrize("form, field, message", [
    ({"exception_date": "31.02.2026"}, "exception_date", "Въведете дата във вида ДД.ММ.ГГГГ"),
    ({"exception_kind": "holiday"}, "exception_kind", "Изберете вид"),
    ({"exception_reason": "  "}, "exception_reason", "Въведете основанието"),
])
def test_the_desks_own_errors_are_next_to_the_fields_with_the_typed_values_kept(form, field, message):
    services = FakeServices(calendar=TABLE)
    worker, session = desk(services, FakeDeadLetters())
    typed = {"exception_date": "05.12.2026", "exception_kind": "working_day", "exception_reason": "РМС № 950", **form}
    status, html = call(worker, session, "add_calendar_exception", "POST", "/operators/calendar",
                        data={"csrf": session.csrf, "version": "4", **typed})
    assert status == 422 and f'<a href="#{field}">{message}' in html and f'id="{field}-error"' in html
    assert 'value="РМС № 950"' in html or field == "exception_reason"
    assert 'value="05.12.2026"' in html or field == "exception_date"
    assert not any(c[0] == "replace_calendar" for c in services.calls)


def test_the_registrys_refusal_is_shown_as_it_comes_on_its_field():
    refusal = Refused(422, "датата 2026-12-19 е въведена повече от веднъж",
                      [{"field": "exceptions", "message": "датата 2026-12-19 е въведена повече от веднъж"}])
    worker, session = desk(FakeServices(calendar=TABLE, replace_calendar=refusal), FakeDeadLetters())
    status, html = call(worker, session, "add_calendar_exception", "POST", "/operators/calendar", data={
        "csrf": session.csrf, "version": "4", "exception_date": "19.12.2026", "exception_kind": "day_off",
        "exception_reason": "РМС № 950 от 01.12.2026"})
    assert status == 422 and '<a href="#exception_date">датата 2026-12-19 е въведена повече от веднъж' in html
    assert 'value="РМС № 950 от 01.12.2026"' in html and '<option value="day_off" selected' in html


def test_a_table_changed_meanwhile_is_409_with_the_fresh_table():
    fresh = {**TABLE, "version": 6, "exceptions": [DAY_OFF]}
    services = FakeServices(calendar=fresh, replace_calendar=Refused(409, "Таблицата е променена междувременно"))
    worker, session = desk(services, FakeDeadLetters())
    status, html = call(worker, session, "add_calendar_exception", "POST", "/operators/calendar", data={
        "csrf": session.csrf, "version": "4", "exception_date": "05.12.2026", "exception_kind": "working_day",
        "exception_reason": "РМС № 950 от 01.12.2026"})
    assert status == 409 and "Таблицата е променена междувременно; заредете я отново." in html
    assert 'name="version" value="6"' in html and 'value="РМС № 950 от 01.12.2026"' in html
    status, html = call(worker, session, "remove_calendar_exception", "POST", "/operators/calendar/remove",
                        data={"csrf": session.csrf, "version": "4", "date": "2026-12-19"})  # removed meanwhile
    assert status == 409 and "Няма такъв ред в таблицата; заредете я отново." in html


def test_forged_or_not_an_admin_changes_nothing_and_a_registry_down_is_named():
    services = FakeServices(calendar=TABLE, replace_calendar=STORED)
    worker, session = desk(services, FakeDeadLetters())
    status, _ = call(worker, session, "remove_calendar_exception", "POST", "/operators/calendar/remove",
                     data={"csrf": "forged", "version": "4", "date": "2026-12-19"})
    assert status == 403
    worker, session = desk(services, FakeDeadLetters(), STOYAN)
    status, _ = call(worker, session, "add_calendar_exception", "POST", "/operators/calendar", data={
        "csrf": session.csrf, "version": "4", "exception_date": "05.12.2026", "exception_kind": "working_day",
        "exception_reason": "РМС № 950"})
    assert status == 403 and not any(c[0] == "replace_calendar" for c in services.calls)
    worker, session = desk(FakeServices(calendar=Unavailable("registry")), FakeDeadLetters())
    status, html = call(worker, session, "operators", "GET", "/operators")
    assert status == 200 and "Регистърът временно не отговаря." in html and "Ново изключение" not in html
