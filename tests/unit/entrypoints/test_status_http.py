"""The status service's officials' API: a malformed body is 422 with field errors; a bug
inside is a logged 500, never a 422 that blames the caller."""
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from status.entrypoints.service import StatusService
from tests.unit.entrypoints.conftest import bearer, request


class BrokenTracker:
    def __init__(self, error):
        self.error = error

    def change_stage(self, *args, **kwargs):
        raise self.error


def change_stage(settings, tracker, body):
    worker = worker_factory(StatusService, app=SimpleNamespace(settings=settings, tracker=tracker, outbox=None))
    response = worker.change_stage(request("POST", "/api/v1/cases/stage", headers=bearer("official"),
                                           data=body if isinstance(body, (str, bytes)) else json.dumps(body),
                                           content_type="application/json"))
    return response, json.loads(response.get_data())


GOOD = {"case_index": "ЖЛБ-1/25.11.2026", "stage": "in_progress", "reason": None}


@pytest.mark.parametrize("error", [KeyError("stage_history"), ValueError("bad state"), TypeError("oops")])
def test_an_internal_error_is_a_logged_500_not_a_422(settings, caplog, error):
    response, body = change_stage(settings, BrokenTracker(error), GOOD)
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)


@pytest.mark.parametrize("body, field", [
    ({"stage": "in_progress"}, "case_index"),
    ({**GOOD, "stage": "nowhere"}, "stage"),
    ({**GOOD, "stage": "extended", "due_date": "31.12.2026"}, "due_date"),
    ({**GOOD, "extra": 1}, "extra"),
])
def test_a_malformed_body_is_422_naming_the_field_in_bulgarian(settings, body, field):
    response, problem = change_stage(settings, BrokenTracker(AssertionError("not reached")), body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert all(any("\u0400" <= ch <= "\u04ff" for ch in e["message"]) for e in problem["errors"])


@pytest.mark.parametrize("body", ["not json", "[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_no_json_object_is_422(settings, body):
    response, problem = change_stage(settings, BrokenTracker(AssertionError("not reached")), body)
    assert response.status_code == 422 and problem["errors"]
