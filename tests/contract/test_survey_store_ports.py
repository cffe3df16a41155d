"""Contract suite for status's survey store (in memory, and MongoDB on FerretDB): a survey and
its case's service survive a round trip, an answer is taken once (also by two at once), and the
answered ones come back the latest first."""
import concurrent.futures
import datetime as dt

import pytest

from status.domain.survey import Answer, issue
from tests.contract.conftest import BACKENDS

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 2, 10, 15, 30, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def store(request, mongo_alias):
    if request.param == "memory":
        from status.adapters.memory_surveys import InMemorySurveyStore
        return InMemorySurveyStore()
    from status.adapters.mongo_repository import ALIAS, CaseDoc
    from status.adapters.mongo_surveys import MongoSurveyStore
    mongo_alias(ALIAS, CaseDoc)
    return MongoSurveyStore()


def test_a_survey_and_its_service_survive_a_round_trip(store):
    store.note_service("К-1/02.12.2026", "2079")
    assert store.service_of("К-1/02.12.2026") == "2079" and store.service_of("К-2/02.12.2026") is None
    _, survey = issue("К-1/02.12.2026", "2079", "Дирекция „Екология“", NOW)
    store.add(survey)
    assert store.get(survey.token_hash) == survey
    assert store.get("0" * 64) is None


def test_an_answer_is_taken_once(store):
    _, survey = issue("К-1/02.12.2026", None, None, NOW)
    store.add(survey)
    first, second = Answer(4, "Моля за преразглеждане", True, NOW), Answer(1, None, False, NOW)
    assert store.record(survey, first)
    assert not store.record(survey, second)
    assert store.get(survey.token_hash).answer == first
    assert [s.answer for s in store.answered()] == [first]


def test_two_answers_at_once_record_one(store):
    _, survey = issue("К-1/02.12.2026", None, None, NOW)
    store.add(survey)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda n: store.record(survey, Answer(n % 5 + 1, None, False, NOW)), range(8)))
    assert taken.count(True) == 1 and len(store.answered()) == 1


def test_the_answered_come_back_the_latest_first(store):
    for n in range(3):
        _, survey = issue(f"К-{n}/02.12.2026", "2079", None, NOW)
        store.add(survey)
        store.record(survey, Answer(n + 1, None, False, NOW + dt.timedelta(hours=n)))
    _, open_one = issue("К-9/02.12.2026", None, None, NOW)
    store.add(open_one)
    assert [s.case_index for s in store.answered()] == ["К-2/02.12.2026", "К-1/02.12.2026", "К-0/02.12.2026"]
    assert [s.case_index for s in store.answered(limit=1)] == ["К-2/02.12.2026"]
