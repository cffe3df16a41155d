"""The status service's staff API for the desk: a case with its history, the assignment to an
official (recorded with who did it), the officials' lists; and the citizen's page naming the
responsible official. Staff only; bad input a Bulgarian problem+json."""
import datetime as dt
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from status.adapters.memory import InMemoryCaseRepository
from status.entrypoints.service import StatusService
from status.service_layer.guard import LookupGuard
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered
from tests.unit.entrypoints.conftest import bearer, request

CASE = "ЖЛБ-1/25.11.2026"
STOYAN = {"username": "stoyan", "name": "Стоян Георгиев", "unit": "Дирекция „Екология“",
          "phone": "+359 32 656 701", "email": "s.georgiev@plovdiv.bg"}


@pytest.fixture
def worker(settings):
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, guard=LookupGuard(clock=lambda: 0.0))
    tracker.on_document_registered(registered(CASE))
    settings.trusted_proxies, settings.trusted_proxy_networks = 0, ""
    return worker_factory(StatusService, app=SimpleNamespace(settings=settings, tracker=tracker, outbox=None))


def call(handler, method, path, role="clerk", headers=None, **kwargs):
    headers = {**(bearer(role) if role else {}), **(headers or {})}
    response = handler(request(method, path, headers=headers, **kwargs))
    body = response.get_data(as_text=True)
    return response, (json.loads(body) if response.mimetype.endswith("json") else body)


def assign(worker, body, role="clerk"):
    return call(worker.assign, "POST", "/api/v1/cases/assign", role, data=json.dumps(body),
                content_type="application/json")


def test_a_clerk_assigns_and_the_history_says_who_did_it(worker):
    response, answer = assign(worker, {"case_index": CASE, "official": STOYAN, "reason": "по компетентност"})
    assert response.status_code == 200 and answer["stage"] == "assigned" and answer["official"]["name"] == STOYAN["name"]
    response, view = call(worker.staff_case, "GET", "/api/v1/cases/by-index", query_string={"index": CASE})
    assert response.status_code == 200 and view["official"] == STOYAN
    step = view["history"][-1]
    assert step["by"] == {"username": "clerk-1", "name": "Clerk"} and step["reason"] == "по компетентност"
    assert step["official"]["username"] == "stoyan" and step["stage_label"] == "Възложен"
    worker.relay.assert_called_with(CASE)


def test_a_stage_change_records_the_official_who_made_it(worker):
    call(worker.change_stage, "POST", "/api/v1/cases/stage", "official",
         data=json.dumps({"case_index": CASE, "stage": "in_progress"}), content_type="application/json")
    _, view = call(worker.staff_case, "GET", "/api/v1/cases/by-index", query_string={"index": CASE})
    assert view["history"][-1]["by"] == {"username": "official-1", "name": "Official"}


@pytest.mark.parametrize("body, status, field", [
    ({"case_index": CASE}, 422, "official"),
    ({"case_index": CASE, "official": {"name": "Без акаунт"}}, 422, "official.username"),
    ({"case_index": "НЯМА-1/2026", "official": STOYAN}, 404, None),
])
def test_a_bad_assignment_is_a_bulgarian_problem(worker, body, status, field):
    response, problem = assign(worker, body)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert any("\u0400" <= ch <= "\u04ff" for ch in problem["detail"])
    if field:
        assert field in [e["field"] for e in problem["errors"]]


def test_assigning_the_same_official_again_is_a_conflict(worker):
    assign(worker, {"case_index": CASE, "official": STOYAN})
    response, problem = assign(worker, {"case_index": CASE, "official": STOYAN})
    assert response.status_code == 409 and "вече е разпределена" in problem["detail"]


def test_the_staff_api_wants_a_staff_token(worker):
    response, problem = call(worker.staff_case, "GET", "/api/v1/cases/by-index", role=None,
                             query_string={"index": CASE})
    assert response.status_code == 401
    response, problem = call(worker.staff_case, "GET", "/api/v1/cases/by-index", query_string={"index": "x"})
    assert response.status_code == 400 and problem["errors"][0]["field"] == "index"
    response, problem = call(worker.staff_case, "GET", "/api/v1/cases/by-index", query_string={"index": "НЯМА-1"})
    assert response.status_code == 404 and problem["detail"] == "Няма преписка с индекс НЯМА-1."


def test_the_lists_of_an_official_and_of_the_week(worker):
    assign(worker, {"case_index": CASE, "official": STOYAN})
    response, mine = call(worker.assigned, "GET", "/api/v1/cases/assigned", query_string={"official": "stoyan"})
    assert response.status_code == 200 and [c["case_index"] for c in mine["items"]] == [CASE]
    assert mine["items"][0]["official"]["phone"] == "+359 32 656 701"
    response, due = call(worker.due, "GET", "/api/v1/cases/due", query_string={"until": "2099-12-31"})
    assert response.status_code == 200 and isinstance(due["items"], list)
    response, problem = call(worker.due, "GET", "/api/v1/cases/due", query_string={"until": "31.12.2026"})
    assert response.status_code == 400 and problem["errors"][0]["field"] == "until"


def test_the_citizens_page_names_the_responsible_official(worker):
    page = lambda: call(worker.lookup_page, "POST", "/", role=None, data={"index": CASE, "code": "12345678"},
                        headers={"Origin": "http://localhost", "Host": "localhost"})[1]
    assert "още не е разпределена" in page()
    assign(worker, {"case_index": CASE, "official": STOYAN})
    html = page()
    assert "Стоян Георгиев, Дирекция „Екология“" in html
    assert 'href="tel:+35932656701"' in html and "mailto:s.georgiev@plovdiv.bg" in html


def test_the_stages_of_a_journal_page(worker):
    response, answer = call(worker.stages, "POST", "/api/v1/cases/stages", data=json.dumps({"indexes": [CASE, "X-1"]}),
                            content_type="application/json")
    assert response.status_code == 200 and [r["case_index"] for r in answer["items"]] == [CASE]
    assert answer["items"][0]["stage"] == "registered"
    response, problem = call(worker.stages, "POST", "/api/v1/cases/stages", data=json.dumps({"indexes": []}),
                             content_type="application/json")
    assert response.status_code == 422 and problem["errors"][0]["field"] == "indexes"


def test_the_staged_cases_answer_a_bad_cursor_or_range_with_a_400_problem(worker):
    bad = {"stage": "registered", "overdue": "true", "from": "2000-01-01", "after": "0000-00-00T0|0", "limit": "200"}
    response, answer = call(worker.staged, "GET", "/api/v1/cases/staged", query_string=bad)
    assert response.status_code == 400 and [e["field"] for e in answer["errors"]] == ["after"], answer
    response, answer = call(worker.staged, "GET", "/api/v1/cases/staged",
                            query_string={"stage": "registered", "from": "2026-01-01", "to": "2025-01-01"})
    assert response.status_code == 400 and answer["errors"][0]["field"] == "to"
    for edge in ({"from": "9999-12-31"}, {"from": "0001-01-01"}, {"from": "9999-12-01", "to": "9999-12-31"},
                 {"from": "2026-11-01", "after": "9999-12-31T23:59:59.999999+14:00|x"},
                 {"from": "2026-11-01", "after": "2026-11-01T00:00:00|"}):
        response, answer = call(worker.staged, "GET", "/api/v1/cases/staged", query_string={"stage": "closed", **edge})
        assert response.status_code in (200, 400), (edge, answer)
    response, answer = call(worker.staged, "GET", "/api/v1/cases/staged",
                            query_string={"stage": "registered", "from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200 and answer["next"] is None


def test_the_lists_page_by_due_date_then_index_with_a_cursor(worker):
    for n in (2, 3):
        worker.app.tracker.on_document_registered(registered(f"ЖЛБ-{n}/25.11.2026"))
    for n in (1, 2, 3):
        assign(worker, {"case_index": f"ЖЛБ-{n}/25.11.2026", "official": STOYAN})
    response, first = call(worker.assigned, "GET", "/api/v1/cases/assigned",
                           query_string={"official": "stoyan", "limit": "2"})
    assert response.status_code == 200 and [c["case_index"] for c in first["items"]] == [CASE, "ЖЛБ-2/25.11.2026"]
    assert first["next"] == "2026-12-29|ЖЛБ-2/25.11.2026"
    _, second = call(worker.assigned, "GET", "/api/v1/cases/assigned",
                     query_string={"official": "stoyan", "limit": "2", "after": first["next"]})
    assert [c["case_index"] for c in second["items"]] == ["ЖЛБ-3/25.11.2026"] and second["next"] is None
    worker.app.tracker.clock = lambda: dt.datetime(2027, 1, 4, 9, tzinfo=dt.timezone.utc)
    _, late = call(worker.overdue, "GET", "/api/v1/cases/overdue", "official", query_string={"limit": "1"})
    assert [c["case_index"] for c in late["items"]] == [CASE] and late["next"] == f"2026-12-29|{CASE}"
    assert late["items"][0]["official"]["username"] == "stoyan" and late["items"][0]["days_overdue"] == 6


@pytest.mark.parametrize("path, handler, query", [
    ("/api/v1/cases/assigned", "assigned", {"official": "stoyan"}),
    ("/api/v1/cases/due", "due", {"until": "2099-12-31"}),
    ("/api/v1/cases/overdue", "overdue", {})])
@pytest.mark.parametrize("after", ["2026-12-29", "2026-02-30|ЖЛБ-1", "29.12.2026|ЖЛБ-1", "2026-12-29|", "x" * 300])
def test_a_bad_cursor_is_a_bulgarian_problem(worker, path, handler, query, after):
    response, problem = call(getattr(worker, handler), "GET", path, "official", query_string={**query, "after": after})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert problem["detail"].startswith("Невалиден курсор (after)") and problem["errors"][0]["field"] == "after"


def test_a_page_of_more_than_200_is_refused_on_its_field(worker):
    response, problem = call(worker.overdue, "GET", "/api/v1/cases/overdue", "official", query_string={"limit": "201"})
    assert response.status_code == 400 and problem["errors"][0]["field"] == "limit"
