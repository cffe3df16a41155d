"""The desk's case page, assignment and an official's lists, through its entrypoints with fake
services and an in-memory roster: the stage history as a timeline, the assignment sent to
status with the official's unit and contacts from the directory, Bulgarian errors on the page
(never a stack trace), CSRF, sortable lists and their CSV."""
import csv
import datetime as dt
import io
import re

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from desk.adapters.memory import FakeDirectory, FakeServices, MemoryRoster, MemorySessions
from desk.bootstrap import bootstrap
from desk.domain.people import Official, Person
from desk.domain.worklist import sorted_rows, week_end
from desk.entrypoints.service import DeskService
from desk.service_layer.ports import Refused, Unavailable
from desk.service_layer.workspace import Workspace
from desk.settings import DeskSettings

CASE = "94-00-1/2026"
IVANA = Person("ivana", "Ивана Петрова", "clerk")
STOYAN = Official("stoyan", "Стоян Георгиев", "Дирекция „Екология“", "+359 32 656 701", "s.georgiev@plovdiv.bg")
ELENA = Official("elena", "Елена Маринова", "Дирекция „Строителство“", None, "e.marinova@plovdiv.bg")
DOC = {"registration_index": CASE, "case_index": CASE, "registered_at": "2026-12-01T08:00:00Z",
       "registered_by": "Ивана Петрова", "kind": "complaint", "channel": "counter", "subject": "Шум",
       "sender": {"name": "Гражданин", "personal_number": "75******18"}, "due_date": "2026-12-31", "scans": []}
HISTORY = {"case_index": CASE, "subject": "Шум", "kind": "complaint", "registered_at": "2026-12-01T08:00:00Z",
           "stage": "extended", "stage_label": "Удължен срок", "due_date": "2027-01-14",
           "official": {"username": "stoyan", "name": "Стоян Георгиев", "unit": "Дирекция „Екология“",
                        "phone": "+359 32 656 701", "email": "s.georgiev@plovdiv.bg"},
           "history": [
               {"stage": "registered", "stage_label": "Регистриран", "at": "2026-12-01T08:00:00Z"},
               {"stage": "assigned", "stage_label": "Разпределен на служител", "at": "2026-12-01T09:00:00Z",
                "by": {"username": "ivana", "name": "Ивана Петрова"},
                "official": {"username": "stoyan", "name": "Стоян Георгиев", "unit": "Дирекция „Екология“"}},
               {"stage": "extended", "stage_label": "Удължен срок", "at": "2026-12-02T10:30:00Z",
                "reason": "Нужно е становище на РИОСВ", "due_date": "2027-01-14", "previous_due_date": "2026-12-31",
                "by": {"username": "stoyan", "name": "Стоян Георгиев"}}]}


def desk(services, roster=(STOYAN, ELENA), person=IVANA):
    directory = FakeDirectory({person.uid: ("pw", person)})
    app = bootstrap(DeskSettings(), store=MemorySessions(), directory=directory, services=services,
                    roster=MemoryRoster(roster))
    worker = worker_factory(DeskService, app=app)
    session = app.sessions.sign_in(None, person.uid, "pw", "127.0.0.1")
    return worker, session


def call(worker, session, handler, method, path, **kwargs):
    environ = EnvironBuilder(method=method, path=path, headers={"Cookie": f"desk_session={session.id}",
                                                                "Host": "localhost", "Origin": "http://localhost"},
                             **kwargs).get_environ()
    response = getattr(worker, handler)(Request(environ))
    return response.status_code, response.get_data(as_text=True), response


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_case_page_shows_the_history_as_a_timeline_with_who_why_and_the_due_dates():
    worker, session = desk(FakeServices(document=DOC, case_history=HISTORY))
    status, html, _ = call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})
    assert status == 200
    page = text(html)
    assert "Отговорен служител Стоян Георгиев, Дирекция „Екология“ тел. +359 32 656 701 s.georgiev@plovdiv.bg" in page
    assert "Разпределен на служител 01.12.2026 11:00 · Ивана Петрова Отговорен служител: Стоян Георгиев" in page
    assert ("Удължен срок 02.12.2026 12:30 · Стоян Георгиев Причина: Нужно е становище на РИОСВ "
            "Срок: 31.12.2026 → 14.01.2027") in page
    assert '<optgroup label="Дирекция „Екология“">' in html and 'value="elena"' in html


@pytest.mark.parametrize("answer, note", [
    (Refused(404, "Няма преписка."), "Етапите на преписката още не са известни"),
    (Unavailable("status"), "Услугата за етапите временно не отговаря. Етапите не могат да бъдат показани."),
])
def test_without_status_the_case_page_still_shows_the_registrys_data_and_says_why(answer, note):
    worker, session = desk(FakeServices(document=DOC, case_history=answer))
    status, html, _ = call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})
    assert status == 200 and note in html and "Шум" in html and 'action="/cases/assign"' not in html


def test_an_assignment_goes_to_status_with_the_officials_unit_and_contacts_from_the_directory():
    services = FakeServices(document=DOC, case_history=HISTORY,
                            assign={"case_index": CASE, "stage": "assigned",
                                    "official": {"username": "elena", "name": "Елена Маринова",
                                                 "unit": "Дирекция „Строителство“"}})
    worker, session = desk(services)
    status, html, _ = call(worker, session, "assign", "POST", "/cases/assign",
                           data={"csrf": session.csrf, "case_index": CASE, "official": "elena",
                                 "assign_reason": " по компетентност "})
    assert status == 200
    assert "Преписката е разпределена на Елена Маринова (Дирекция „Строителство“)." in text(html)
    [call_] = [c for c in services.calls if c[0] == "assign"]
    assert call_[1] == IVANA and call_[2] == {
        "case_index": CASE, "reason": "по компетентност",
        "official": {"username": "elena", "name": "Елена Маринова", "unit": "Дирекция „Строителство“",
                     "email": "e.marinova@plovdiv.bg"}}


def test_an_official_not_in_the_directory_is_an_error_on_the_field_and_nothing_is_sent():
    services = FakeServices(document=DOC, case_history=HISTORY)
    worker, session = desk(services)
    status, html, _ = call(worker, session, "assign", "POST", "/cases/assign",
                           data={"csrf": session.csrf, "case_index": CASE, "official": "mallory"})
    assert status == 422 and 'href="#official"' in html and "Изберете служител от списъка." in html
    assert not [c for c in services.calls if c[0] == "assign"]


def test_a_refusal_by_status_is_shown_in_bulgarian_and_a_forged_form_is_refused():
    services = FakeServices(document=DOC, case_history=HISTORY,
                            assign=Refused(409, "Преписката вече е разпределена на Стоян Георгиев."))
    worker, session = desk(services)
    status, html, _ = call(worker, session, "assign", "POST", "/cases/assign",
                           data={"csrf": session.csrf, "case_index": CASE, "official": "stoyan"})
    assert status == 422 and "Преписката не е разпределена. Преписката вече е разпределена на Стоян Георгиев." in html
    status, html, _ = call(worker, session, "assign", "POST", "/cases/assign",
                           data={"csrf": "forged", "case_index": CASE, "official": "elena"})
    assert status == 403 and "Формата не е приета" in html
    assert len([c for c in services.calls if c[0] == "assign"]) == 1
    services.answers["assign"] = Unavailable("status")
    status, html, _ = call(worker, session, "assign", "POST", "/cases/assign",
                           data={"csrf": session.csrf, "case_index": CASE, "official": "elena"})
    assert status == 503 and "Услугата за етапите временно не отговаря. Преписката не е разпределена." in html


def test_an_empty_roster_says_how_it_is_filled():
    worker, session = desk(FakeServices(document=DOC, case_history=HISTORY), roster=())
    _, html, _ = call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})
    assert 'id="no-officials"' in html and "при всеки вход на служител" in html


ROWS = [{"case_index": "A-2", "subject": "Бъдещ", "stage": "assigned", "stage_label": "Разпределен на служител",
         "due_date": "2026-12-20", "official": {"name": "Стоян Георгиев", "unit": "Екология"}},
        {"case_index": "A-1", "subject": "=HYPERLINK(1)", "stage": "in_progress", "stage_label": "В процес",
         "due_date": "2026-12-04", "official": {"name": "Стоян Георгиев", "unit": "Екология"}},
        {"case_index": "A-3", "subject": "Без срок", "stage": "assigned", "stage_label": "Разпределен на служител",
         "due_date": None, "official": None}]


def test_the_week_ends_on_sunday_and_lists_sort_with_undated_cases_last():
    assert week_end(dt.date(2026, 12, 2)) == dt.date(2026, 12, 6) and week_end(dt.date(2026, 12, 6)) == dt.date(2026, 12, 6)
    assert [r["case_index"] for r in sorted_rows(ROWS, "due_date", False)] == ["A-1", "A-2", "A-3"]
    assert [r["case_index"] for r in sorted_rows(ROWS, "case_index", True)] == ["A-3", "A-2", "A-1"]
    assert [r["case_index"] for r in sorted_rows(ROWS, "nonsense", False)] == ["A-1", "A-2", "A-3"]


def test_my_cases_asks_status_for_the_signed_in_persons_cases_and_the_week_up_to_sunday():
    services = FakeServices(assigned=ROWS, due=ROWS[:2])
    workspace = Workspace(services)
    workspace.worklist(IVANA, "mine", dt.date(2026, 12, 2))
    workspace.worklist(IVANA, "week", dt.date(2026, 12, 2))
    assert services.calls == [("assigned", IVANA, "ivana", None, 50), ("due", IVANA, "2026-12-06", None, 50)]


def test_the_list_page_sorts_by_a_column_and_exports_csv():
    worker, session = desk(FakeServices(assigned=ROWS))
    status, html, _ = call(worker, session, "my_cases", "GET", "/my", query_string={"sort": "case_index", "desc": "1"})
    assert status == 200 and html.index("A-3") < html.index("A-2") < html.index("A-1")
    assert 'aria-sort="descending"' in html and 'href="/my?list=mine&amp;sort=case_index"' in html
    status, body, response = call(worker, session, "my_cases_csv", "GET", "/my.csv", query_string={"list": "mine"})
    assert status == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Преписка", "Относно", "Етап", "Срок"]
    assert rows[1][:4] == ["A-1", "'=HYPERLINK(1)", "В процес", "04.12.2026"]


def test_a_list_when_status_is_down_is_a_bulgarian_page():
    worker, session = desk(FakeServices(assigned=Unavailable("status")))
    status, html, _ = call(worker, session, "my_cases", "GET", "/my")
    assert status == 503 and "Услугата за етапите временно не отговаря. Списъкът не може да бъде показан." in html


def test_the_overdue_list_shows_each_cases_unit_and_official():
    late = [{"case_index": "A-1", "subject": "Шум", "kind": "complaint", "stage": "assigned",
             "stage_label": "Разпределен на служител", "due_date": "2026-11-30", "days_overdue": 2,
             "official": {"username": "stoyan", "name": "Стоян Георгиев", "unit": "Дирекция „Екология“"}},
            {"case_index": "A-2", "subject": "Яма", "kind": "complaint", "stage": "registered",
             "stage_label": "Регистриран", "due_date": "2026-11-30", "days_overdue": 2, "official": None}]
    worker, session = desk(FakeServices(overdue=late), person=Person("stoyan", "Стоян Георгиев", "official"))
    status, html, _ = call(worker, session, "overdue", "GET", "/overdue")
    page = text(html)
    assert status == 200 and "Дирекция „Екология“ Стоян Георгиев" in page and "Не е разпределена" in page
    status, body, response = call(worker, session, "overdue_csv", "GET", "/overdue.csv")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert status == 200 and response.mimetype == "text/csv" and rows[0][-1] == "Дни след срока"
    assert rows[1] == ["A-1", "Шум", "Разпределен на служител", "30.11.2026", "Стоян Георгиев", "Дирекция „Екология“", "2"]


# -- the letter's preview before a stage change (issue 14: officials see the exact message) ----

OFFICIAL_ME = Person("stoyan", "Стоян Георгиев", "official")
LETTER = {"case_index": CASE, "stage": "extended", "channel": "email",
          "subject": f"Преписка {CASE}: срокът за отговор е удължен",
          "body": "Уважаема г-жо Иванова,\n\nНе можем да отговорим в срока <б> по преписка."}


def test_the_preview_shows_the_letter_as_sent_and_changes_nothing():
    services = FakeServices(document=DOC, case_history=HISTORY, preview_letter=LETTER)
    worker, session = desk(services, person=OFFICIAL_ME)
    status, html, _ = call(worker, session, "change_stage", "POST", "/cases/stage",
                           data={"csrf": session.csrf, "case_index": CASE, "stage": "extended",
                                 "reason": "Нужно е становище", "due_date": "2027-01-14", "action": "preview"})
    assert status == 200
    asked = [c for c in services.calls if c[0] == "preview_letter"]
    assert asked and asked[0][2] == {"case_index": CASE, "stage": "extended", "reason": "Нужно е становище",
                                     "due_date": "2027-01-14"}
    assert not [c for c in services.calls if c[0] == "change_stage"]
    page = text(html)
    assert "Писмото до гражданина при тази промяна (по електронна поща)" in page
    assert f"Относно: Преписка {CASE}: срокът за отговор е удължен" in page
    assert "Не можем да отговорим в срока &lt;б&gt; по преписка." in html  # the body is escaped on the page
    assert 'value="2027-01-14"' in html and "Нужно е становище</textarea>" in html  # the form keeps its values


def test_a_preview_that_notifications_refuses_or_cannot_give_is_a_bulgarian_message():
    worker, session = desk(FakeServices(document=DOC, case_history=HISTORY,
                                        preview_letter=Refused(404, "Преписката не е известна на известията.")),
                           person=OFFICIAL_ME)
    status, html, _ = call(worker, session, "change_stage", "POST", "/cases/stage",
                           data={"csrf": session.csrf, "case_index": CASE, "stage": "answered", "action": "preview"})
    assert status == 422 and "Писмото не може да бъде показано. Преписката не е известна на известията." in text(html)
    worker, session = desk(FakeServices(document=DOC, case_history=HISTORY,
                                        preview_letter=Unavailable("notifications")), person=OFFICIAL_ME)
    status, html, _ = call(worker, session, "change_stage", "POST", "/cases/stage",
                           data={"csrf": session.csrf, "case_index": CASE, "stage": "answered", "action": "preview"})
    assert status == 503 and "Услугата за известията временно не отговаря. Писмото не може да бъде показано." in text(html)


# -- each try to reach the citizen, with its outcome (issue 14: channel fallback with proof) ----

ATTEMPTS = [{"notification_id": "evt-1", "channel": "sms", "outcome": "failed", "at": "2026-12-02T12:01:00Z",
             "summary": "SMS съобщение: недоставено на 02.12.2026 в 14:01 ч.", "segments": 2},
            {"notification_id": "evt-1", "channel": "email", "outcome": "sent", "at": "2026-12-02T12:02:00Z",
             "summary": "Имейл: изпратено на 02.12.2026 в 14:02 ч."}]


def test_the_case_page_lists_every_try_to_reach_the_citizen():
    services = FakeServices(document=DOC, case_history=HISTORY, contact_attempts=ATTEMPTS)
    worker, session = desk(services)
    status, html, _ = call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})
    assert status == 200
    assert ("Известия до гражданина SMS съобщение: недоставено на 02.12.2026 в 14:01 ч. (2 части) "
            "Имейл: изпратено на 02.12.2026 в 14:02 ч.") in text(html)
    assert ("contact_attempts", session.person, CASE) in [c[:3] for c in services.calls]


def test_the_case_page_says_when_notifications_cannot_tell_and_still_shows_the_case():
    worker, session = desk(FakeServices(document=DOC, case_history=HISTORY,
                                        contact_attempts=Unavailable("notifications")))
    status, html, _ = call(worker, session, "case", "GET", "/cases", query_string={"index": CASE})
    assert status == 200 and "Стоян Георгиев" in html
    assert "Услугата за известията временно не отговаря. Известията не могат да бъдат показани." in text(html)
