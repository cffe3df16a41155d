"""Issue 14, "Bad input": a move the current stage does not allow, a missing reason, an
appeal without its authority, an extension past its legal cap: each a 4xx problem+json with
a Bulgarian detail, from the real tracker behind the HTTP entrypoint."""
import datetime as dt
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from delovod_proto.vocabulary import CaseStage, DocumentKind
from status.adapters.memory import InMemoryCaseRepository
from status.entrypoints.service import StatusService
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered
from tests.unit.entrypoints.conftest import bearer, request
from tests.unit.status.test_stages_by_law import RegistryTerms

INDEX = "ЗДОИ-9/02.12.2026"


@pytest.fixture
def tracker():
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS,
                            clock=lambda: dt.datetime(2026, 12, 3, 10, tzinfo=dt.timezone.utc))
    tracker.on_document_registered(registered(INDEX).model_copy(update={
        "kind": DocumentKind.PUBLIC_INFORMATION_REQUEST, "due_date": dt.date(2026, 12, 16),
        "registered_at": dt.datetime(2026, 12, 2, 9, tzinfo=dt.timezone.utc)}))
    tracker.change_stage(INDEX, CaseStage.IN_PROGRESS, None)
    return tracker


def post(settings, tracker, body):
    worker = worker_factory(StatusService, app=SimpleNamespace(settings=settings, tracker=tracker, outbox=None),
                            terms=RegistryTerms())
    response = worker.change_stage(request("POST", "/api/v1/cases/stage", headers=bearer("official"),
                                           data=json.dumps({"case_index": INDEX, **body}),
                                           content_type="application/json"))
    return response, json.loads(response.get_data())


@pytest.mark.parametrize("body, status, words", [
    ({"stage": "appealed", "appeal_authority": "Административен съд – Пловдив", "appealed_on": "2026-12-03"},
     409, "не може да се премине към „Обжалван“"),
    ({"stage": "reconsideration_requested", "reason": "Моля"}, 409, "не може да се премине"),
    ({"stage": "awaiting_citizen"}, 409, "Посочете причината"),
    ({"stage": "extended", "reason": "Голям обем", "due_date": "2026-12-22"}, 422, "правното основание"),
    ({"stage": "extended", "reason": "Голям обем", "due_date": "2026-12-22", "legal_ground": "apk_121"}, 422,
     "не се прилага"),
    ({"stage": "extended", "reason": "Голям обем", "due_date": "2026-12-30", "legal_ground": "zdoi_30_1"}, 422,
     "най-късно 29.12.2026"),
])
def test_a_refused_move_is_a_bulgarian_problem(settings, tracker, body, status, words):
    response, problem = post(settings, tracker, body)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert words in problem["detail"]
    assert tracker.repo.get(INDEX)[0].stage == CaseStage.IN_PROGRESS  # nothing changed


def test_an_appeal_without_its_authority_is_refused(settings, tracker):
    tracker.change_stage(INDEX, CaseStage.ANSWERED, None)
    response, problem = post(settings, tracker, {"stage": "appealed", "appealed_on": "2026-12-03"})
    assert response.status_code == 409 and "appeal_authority" in problem["detail"]
    response, problem = post(settings, tracker, {"stage": "appealed", "appeal_authority": "Съд",
                                                 "appealed_on": "03.12.2026"})
    assert response.status_code == 422 and [e["field"] for e in problem["errors"]] == ["appealed_on"]
