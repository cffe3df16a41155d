"""Stage set versions (issue 14 item 1) on the in-memory fake and on the real FerretDB: every
field survives the round trip, a second writer of one version is told, keys are listed."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage
from status.adapters.memory_stage_sets import InMemoryStageSetRepository
from status.domain import stage_sets as rules
from status.domain.stage_sets import StageLabels, StageSet
from status.service_layer.stage_sets import StageSets, VersionTaken
from tests.contract.conftest import BACKENDS

AT = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(params=BACKENDS)
def stage_set_repo(request, mongo_alias):
    if request.param == "memory":
        return InMemoryStageSetRepository()
    from status.adapters.mongo_stage_sets import ALIAS, MongoStageSetRepository, StageSetDoc
    mongo_alias(ALIAS, StageSetDoc)
    return MongoStageSetRepository()


def a_set(version=2, code=None):
    stages = {CaseStage.REGISTERED: StageLabels("Приета", "Нова"), CaseStage.IN_PROGRESS: StageLabels("Работим", "В работа"),
              CaseStage.ANSWERED: StageLabels("Отговорена", "Отг."), CaseStage.CLOSED: StageLabels("Готово", "Архив")}
    return StageSet("service_application", code, version, AT, stages,
                    {CaseStage.REGISTERED: frozenset({CaseStage.IN_PROGRESS, CaseStage.CLOSED})},
                    "Админ Админов", "Решение № 3", AT)


def test_a_version_survives_the_round_trip(stage_set_repo):
    stage_set_repo.add(rules.default_set("service_application"))
    stage_set_repo.add(a_set())
    assert [s.version for s in stage_set_repo.history("service_application")] == [1, 2]
    assert stage_set_repo.get("service_application", 2) == a_set()
    assert stage_set_repo.get("service_application", 1) == rules.default_set("service_application")
    assert stage_set_repo.get("service_application", 3) is None and stage_set_repo.history("letter") == []


def test_a_second_writer_of_one_version_is_told(stage_set_repo):
    stage_set_repo.add(a_set())
    with pytest.raises(VersionTaken):
        stage_set_repo.add(a_set())


def test_keys_and_seeding(stage_set_repo):
    sets = StageSets(stage_set_repo)
    assert sets.seed() == len(rules.CASE_KINDS) and sets.seed() == 0
    stage_set_repo.add(a_set(1, "2091"))
    assert "service:2091" in stage_set_repo.keys() and "complaint" in stage_set_repo.keys()
    assert sets.latest_of_each()[-1].key == "service:2091"
