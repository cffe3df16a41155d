"""The citizen's survey page through status's entrypoint: the form with the citizen pages'
security headers, the answer taken once, Bulgarian pages for a used (410), expired (410),
unknown (404) or malformed (400) link and for a form from another site (403)."""
import datetime as dt
from types import SimpleNamespace

import pytest

from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.adapters.memory_surveys import InMemorySurveyStore
from status.entrypoints.service import StatusService
from status.service_layer.surveys import Surveys
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered
from tests.unit.test_citizen_pages import assert_page_security, request

CASE = "ЖЛБ-1/25.11.2026"
NOW = dt.datetime(2026, 12, 2, 10, tzinfo=dt.timezone.utc)


@pytest.fixture
def clock():
    return [NOW]


@pytest.fixture
def status(clock):
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=lambda: clock[0])
    surveys = Surveys(InMemorySurveyStore(), tracker, "http://127.0.0.1:8002/survey", clock=lambda: clock[0])
    tracker.survey_link = surveys.link_for
    tracker.on_document_registered(registered(CASE))
    tracker.change_stage(CASE, CaseStage.CLOSED, None)
    service = StatusService()
    service.app = SimpleNamespace(tracker=tracker, surveys=surveys)
    service.relayed = []
    service.relay = service.relayed.append
    service.token = tracker.repo.outbox[-1].envelope.body().survey_url.rsplit("/", 1)[1]
    return service


def token(status) -> str:
    return status.token


def page(status, method="GET", t=None, form=None, headers=None):
    t = token(status) if t is None else t
    response = status.survey(request(method, f"/survey/{t}", form=form, headers=headers), t)
    return response.status_code, response.get_data(as_text=True), response


def test_the_form_is_a_secure_accessible_bulgarian_page(status):
    code, html, response = page(status)
    assert code == 200 and '<html lang="bg">' in html
    assert_page_security(response.headers, html)
    assert "<fieldset><legend>Как оценявате обслужването?</legend>" in html
    assert html.count('type="radio"') == 5 and '<label for="reconsideration">Искам преразглеждане</label>' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_an_answer_with_reconsideration_opens_that_stage_once(status):
    form = {"rating": "4", "comment": "Не съм съгласна с отказа.", "reconsideration": "yes"}
    code, html, response = page(status, "POST", form=form)
    assert code == 200 and "Благодарим ви!" in html and "Поискано преразглеждане" in html
    assert_page_security(response.headers, html)
    assert status.app.tracker.repo.get(CASE)[0].stage == CaseStage.RECONSIDERATION_REQUESTED
    assert status.relayed == [CASE]
    again, html, _ = page(status, "POST", form=form)
    assert again == 410 and "Анкетата вече е попълнена" in html
    assert page(status)[0] == 410
    assert len(status.app.surveys.store.answered()) == 1


def test_a_wrong_answer_is_shown_back_with_what_to_correct(status):
    code, html, _ = page(status, "POST", form={"rating": "7", "comment": "<b>x</b>"})
    assert code == 200 and "Изберете оценка от 1 до 5." in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert status.app.surveys.store.answered() == []


def test_expired_unknown_and_malformed_links(status, clock):
    t = token(status)
    assert page(status, t="B" * 43)[0] == 404
    code, html, _ = page(status, t="abc")
    assert code == 400 and "Връзката е непълна" in html
    clock[0] = NOW + dt.timedelta(days=31)
    code, html, _ = page(status, "POST", t=t, form={"rating": "5"})
    assert code == 410 and "Връзката е изтекла" in html


def test_a_form_from_another_site_is_refused_and_not_recorded(status):
    code, html, _ = page(status, "POST", form={"rating": "1"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert code == 403 and "само от страницата на анкетата" in html
    assert status.app.surveys.store.answered() == []
