"""Issue 14 item 1: the stages a kind may use are data in one table (status's domain)."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage, DocumentKind
from status.adapters.memory import InMemoryCaseRepository
from status.domain.case import ALLOWED, StageChangeRefused
from status.domain.kinds import STAGES_BY_KIND, stages_of
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered


def test_the_table_is_the_rule():
    assert CaseStage.SUSPENDED not in stages_of("public_information_request")
    assert CaseStage.APPEALED not in stages_of("proposal")
    assert stages_of("complaint") == set(CaseStage) and stages_of("no-such-kind") == set(CaseStage)
    for kind, stages in STAGES_BY_KIND.items():  # every kind can still go from registration to closing
        assert {CaseStage.REGISTERED, CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.CLOSED} <= stages
        assert all(ALLOWED[s] & stages for s in stages if s != CaseStage.CLOSED), kind


@pytest.mark.parametrize("kind, stage, words", [
    (DocumentKind.PUBLIC_INFORMATION_REQUEST, CaseStage.SUSPENDED,
     "Етап „Спрян“ не се прилага за заявление за достъп до обществена информация."),
])
def test_a_stage_the_kind_does_not_use_is_refused(kind, stage, words):
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS)
    tracker.on_document_registered(registered().model_copy(update={"kind": kind}))
    tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.IN_PROGRESS, None)
    with pytest.raises(StageChangeRefused) as refused:
        tracker.change_stage("ЖЛБ-1/25.11.2026", stage, "Причина")
    assert str(refused.value) == words


def test_a_proposal_is_not_appealed():
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS)
    tracker.on_document_registered(registered().model_copy(update={"kind": DocumentKind.PROPOSAL}))
    tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.ANSWERED, None)
    with pytest.raises(StageChangeRefused, match="„Обжалван“ не се прилага за предложение"):
        tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.APPEALED, None, appeal_authority="Съд",
                             appealed_on=dt.date(2026, 11, 26))
