"""The registry's typed errors as HTTP and Kafka say them: the service layer knows no
status codes; the entrypoints decide (entrypoints/errors.py)."""
import pytest

from registry.entrypoints.errors import consumer_failure, problem
from registry.service_layer.errors import ClaimTimedOut, Conflict, Invalid, NotFound, Overloaded
from servicekit.errors import Unavailable
from servicekit.http import handle_problems
from servicekit.kafka import PermanentFailure
from tests.unit.entrypoints.conftest import request


@pytest.mark.parametrize("error, status", [(Invalid("x"), 422), (NotFound("x"), 404), (Conflict("x"), 409),
                                           (Overloaded("x"), 503), (ClaimTimedOut("x"), 503)])
def test_each_error_has_its_status(error, status):
    assert problem(error).status == status


def test_a_retryable_refusal_is_a_503_with_retry_after_in_problem_json():
    @handle_problems
    def endpoint(self, req):
        raise problem(ClaimTimedOut("Регистрацията продължи твърде дълго; опитайте отново."))
    response = endpoint(None, request("POST", "/api/v1/documents"))
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_a_conflict_keeps_what_the_clerk_needs():
    p = problem(Conflict("Този файл вече е регистриран с индекс ЖЛБ-1/25.11.2026.",
                         [{"field": "scan", "message": "Вече регистриран."}], {"earlier_index": "ЖЛБ-1/25.11.2026"}))
    assert (p.status, p.title, p.extra, p.errors[0]["field"]) == (409, "Conflict", {"earlier_index": "ЖЛБ-1/25.11.2026"},
                                                                  "scan")


def test_for_the_consumer_a_refusal_is_dead_lettered_and_a_temporary_one_waited_out():
    refused = consumer_failure(Invalid("Липсва прикаченият файл b/k.", [{"field": "attachments", "message": "Липсва."}]))
    assert isinstance(refused, PermanentFailure) and refused.errors == [{"field": "attachments", "message": "Липсва."}]
    for temporary in (Overloaded("x"), ClaimTimedOut("x")):
        assert isinstance(consumer_failure(temporary), Unavailable)
