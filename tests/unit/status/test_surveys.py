"""The satisfaction survey: a link issued once on closing, taken once, expiring, and the
results per service and unit."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage
from status.adapters.memory import InMemoryCaseRepository
from status.adapters.memory_surveys import InMemorySurveyStore
from status.domain.case import Official
from status.domain.survey import (Answer, ExpiredLink, MalformedLink, SurveyInputError, UnknownLink, UsedLink,
                                  parse_answer, summarize)
from status.service_layer.surveys import Surveys
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered

INDEX = "ЖЛБ-1/25.11.2026"
NOW = dt.datetime(2026, 12, 2, 10, tzinfo=dt.timezone.utc)


@pytest.fixture
def clock():
    return [NOW]


@pytest.fixture
def surveys(clock):
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=lambda: clock[0])
    surveys = Surveys(InMemorySurveyStore(), tracker, "https://status.example.bg/survey/", clock=lambda: clock[0])
    tracker.survey_link = surveys.link_for
    event = registered().model_copy(update={"service_code": "2079"})
    surveys.note_registration(event)
    tracker.on_document_registered(event)
    tracker.assign(INDEX, Official("elena", "Елена Петрова", unit="Отдел „Екология“"))
    return surveys


def close(surveys) -> str:
    surveys.tracker.change_stage(INDEX, CaseStage.ANSWERED, None)
    surveys.tracker.change_stage(INDEX, CaseStage.CLOSED, None)
    return surveys.tracker.repo.outbox[-1].envelope.body().survey_url


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_only_closing_issues_a_link_and_only_its_hash_is_stored(surveys):
    surveys.tracker.change_stage(INDEX, CaseStage.ANSWERED, None)
    assert surveys.tracker.repo.outbox[-1].envelope.body().survey_url is None
    surveys.tracker.change_stage(INDEX, CaseStage.CLOSED, None)
    url = surveys.tracker.repo.outbox[-1].envelope.body().survey_url
    assert url.startswith("https://status.example.bg/survey/") and len(token_of(url)) == 43
    [stored] = surveys.store.surveys.values()
    assert token_of(url) not in repr(stored)
    assert (stored.service_code, stored.unit) == ("2079", "Отдел „Екология“")
    assert stored.expires_at == NOW + dt.timedelta(days=30)


def test_a_link_is_answered_once_and_asks_reconsideration_with_the_comment(surveys):
    token = token_of(close(surveys))
    answer, not_opened = surveys.answer(token, {"rating": "4", "comment": "Моля, преразгледайте.",
                                                "reconsideration": "yes"})
    assert (answer.rating, answer.reconsideration, not_opened) == (4, True, None)
    case = surveys.tracker.repo.get(INDEX)[0]
    assert case.stage == CaseStage.RECONSIDERATION_REQUESTED
    assert (case.history[-1].reason, case.history[-1].by.username) == ("Моля, преразгледайте.", "citizen")
    with pytest.raises(UsedLink):
        surveys.answer(token, {"rating": "5"})
    with pytest.raises(UsedLink):
        surveys.open_survey(token)
    assert len(surveys.store.answered()) == 1


def test_an_expired_forged_or_malformed_link_is_refused(surveys, clock):
    token = token_of(close(surveys))
    with pytest.raises(UnknownLink):
        surveys.open_survey("A" * 43)
    with pytest.raises(MalformedLink):
        surveys.open_survey("../etc")
    clock[0] = NOW + dt.timedelta(days=30)
    with pytest.raises(ExpiredLink):
        surveys.answer(token, {"rating": "3"})
    assert surveys.store.answered() == []


@pytest.mark.parametrize("form, message", [
    ({}, "Изберете оценка от 1 до 5."),
    ({"rating": "6"}, "Изберете оценка от 1 до 5."),
    ({"rating": "0"}, "Изберете оценка от 1 до 5."),
    ({"rating": "3", "comment": "x" * 1001}, "Коментарът е по-дълъг от 1000 знака. Съкратете го."),
    ({"rating": "3", "comment": "a\x00b"}, "управляващи"),
    ({"rating": "3", "comment": "a\u202eb"}, "управляващи"),
    ({"rating": "3", "reconsideration": "yes"}, "напишете в коментара защо"),
])
def test_a_wrong_answer_says_what_to_correct(form, message):
    with pytest.raises(SurveyInputError) as err:
        parse_answer(form, NOW)
    assert message in str(err.value)


def test_a_comment_may_have_lines_and_is_optional():
    assert parse_answer({"rating": "5", "comment": "Добре.\r\nБлагодаря!\t"}, NOW).comment == "Добре.\r\nБлагодаря!"
    assert parse_answer({"rating": "2"}, NOW) == Answer(2, None, False, NOW)


def test_summary_per_group_counts_averages_and_shares():
    answers = [("2079", Answer(4, "x", True, NOW)), ("2079", Answer(5, None, False, NOW)),
               (None, Answer(1, None, False, NOW))]
    rows = summarize(answers)
    assert [(r.key, r.count, r.average, r.reconsideration_share) for r in rows] == [
        ("2079", 2, 4.5, 0.5), ("—", 1, 1.0, 0.0)]


def test_the_summary_for_officials_groups_by_service_and_unit(surveys):
    surveys.answer(token_of(close(surveys)), {"rating": "4", "comment": "Защо?", "reconsideration": "yes"})
    summary = surveys.summary()
    assert summary.total == 1
    assert [(g.key, g.count, g.average) for g in summary.by_service] == [("2079", 1, 4.0)]
    assert [(g.key, g.reconsideration_share) for g in summary.by_unit] == [("Отдел „Екология“", 1.0)]
    [row] = surveys.rows()
    assert (row.case_index, row.rating, row.reconsideration) == (INDEX, 4, True)


def test_a_case_no_longer_closed_keeps_the_answer_and_says_why(surveys):
    token = token_of(close(surveys))
    surveys.tracker.change_stage(INDEX, CaseStage.RECONSIDERATION_REQUESTED, "по телефона")
    answer, not_opened = surveys.answer(token, {"rating": "2", "comment": "Пак", "reconsideration": "yes"})
    assert answer.rating == 2 and not_opened.startswith("От „Поискано преразглеждане“ не може")
    assert len(surveys.store.answered()) == 1


def test_a_concurrent_change_of_the_case_is_retried(surveys, monkeypatch):
    from status.service_layer.tracker import ConcurrentChange

    token = token_of(close(surveys))
    real, calls = surveys.tracker.change_stage, []

    def busy_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConcurrentChange("busy")
        return real(*args, **kwargs)

    monkeypatch.setattr(surveys.tracker, "change_stage", busy_once)
    assert surveys.answer(token, {"rating": "3", "comment": "Защо?", "reconsideration": "yes"})[1] is None
    assert len(calls) == 2 and surveys.tracker.repo.get(INDEX)[0].stage == CaseStage.RECONSIDERATION_REQUESTED
