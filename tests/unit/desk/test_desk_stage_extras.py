"""Issue 14: the case page offers the new stages, and passes an extension's legal ground and an
appeal's authority and date on to status (which checks them)."""
from desk.adapters.memory import FakeServices
from desk.domain import labels
from desk.domain.people import Person
from desk.service_layer.workspace import Workspace
from delovod_proto.vocabulary import CaseStage

STOYAN = Person("stoyan", "Стоян Георгиев", "official")


def test_every_stage_has_an_internal_label_and_the_new_ones_an_action():
    assert set(labels.STAGES) == set(CaseStage)
    for stage in (CaseStage.AWAITING_CITIZEN, CaseStage.RECONSIDERATION_REQUESTED, CaseStage.APPEALED):
        assert labels.STAGE_ACTIONS[stage]
    assert {"zdoi_30_1", "zdoi_31_1", "apk_57"} <= set(labels.LEGAL_GROUNDS)


def test_the_ground_and_the_appeal_reach_status():
    services = FakeServices(change_stage={"case_index": "X", "stage": "appealed", "due_date": None})
    outcome = Workspace(services).change_stage(STOYAN, "X", "appealed", "", "",
                                               {"legal_ground": "", "appeal_authority": "Административен съд – Пловдив",
                                                "appealed_on": "2026-12-18"})
    assert outcome.ok
    assert services.calls[-1][2] == {"case_index": "X", "stage": "appealed", "reason": None,
                                     "appeal_authority": "Административен съд – Пловдив", "appealed_on": "2026-12-18"}


def test_an_appeal_date_that_is_no_date_names_its_field():
    outcome = Workspace(FakeServices()).change_stage(STOYAN, "X", "appealed", "", "",
                                                     {"appeal_authority": "Съд", "appealed_on": "18.12.2026"})
    assert not outcome.ok and [e.field for e in outcome.errors] == ["appealed_on"]
