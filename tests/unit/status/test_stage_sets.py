"""Issue 14 item 1: stage sets per kind and catalogue service, kept by admins as versions and
bound to a case at registration. Each rule of a set is refused in Bulgarian, next to its field;
a case keeps the stages and labels of the version in force when it was registered."""
import datetime as dt

import pytest

from delovod_proto.rpc import CaseLookupRequest
from delovod_proto.vocabulary import CaseStage, DocumentKind
from status.adapters.memory import InMemoryCaseRepository
from status.adapters.memory_stage_sets import InMemoryStageSetRepository
from status.domain import stage_sets as rules
from status.domain.case import LABELS_BG, StageChangeRefused
from status.domain.stage_sets import StageLabels, StageSetRefused
from status.service_layer.stage_sets import StageSetNotFound, StageSets, StaleVersion
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered

NOW = [dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone.utc)]
CASE = "ЖЛБ-1/25.11.2026"


def labels(*stages, public=None):
    return {s: StageLabels((public or {}).get(s, LABELS_BG[s]), f"вътр. {s.value}") for s in stages}


BASIC = (CaseStage.REGISTERED, CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.CLOSED)


def refused(kind, stages, transitions=None, reason="Решение № 1"):
    with pytest.raises(StageSetRefused) as exc:
        rules.check(kind, stages, transitions or {}, reason)
    return {e["field"]: e["message"] for e in exc.value.errors}


# -- the rules -----------------------------------------------------------------------------------
def test_the_codes_sets_are_valid_and_are_version_1_of_every_kind():
    for kind in rules.CASE_KINDS:
        first = rules.default_set(kind.value)
        rules.check(kind.value, first.stages, first.transitions, "начален")
        assert first.version == 1 and first.public(CaseStage.ANSWERED) == "Изпратен отговор"
    assert CaseStage.SUSPENDED not in rules.default_set("public_information_request").stages
    assert CaseStage.APPEALED not in rules.default_set("proposal").stages


@pytest.mark.parametrize("missing", rules.REQUIRED)
def test_registered_answered_and_closed_are_in_every_set(missing):
    errors = refused("complaint", labels(*(s for s in BASIC if s != missing)))
    assert errors[f"stages.{missing.value}"] == f"Етап „{LABELS_BG[missing]}“ е задължителен във всеки набор."


def test_a_zdoi_set_may_not_suspend_and_says_which_article():
    errors = refused("public_information_request", labels(*BASIC, CaseStage.SUSPENDED))
    assert errors["stages.suspended"].startswith("Етап „Спрян“ не се прилага за заявление за достъп до обществена "
                                                 "информация: ЗДОИ не познава спиране")
    assert "чл. 29" in errors["stages.suspended"]


def test_a_proposal_set_may_not_appeal():
    errors = refused("proposal", labels(*BASIC, CaseStage.APPEALED))
    assert "АПК чл. 118, ал. 3" in errors["stages.appealed"]


@pytest.mark.parametrize("text, words", [("", "Въведете наименование"), ("   ", "Въведете наименование"),
                                         ("я" * 121, "до 120 знака"), ("два\nреда", "един ред")])
def test_labels_are_non_empty_bounded_lines(text, words):
    stages = labels(*BASIC)
    stages[CaseStage.IN_PROGRESS] = StageLabels(text, "В работа")
    stages[CaseStage.CLOSED] = StageLabels("Приключена", text)
    errors = refused("complaint", stages)
    assert words in errors["stages.in_progress.public_label"] and words in errors["stages.closed.internal_label"]


def test_a_set_only_narrows_the_laws_moves():
    errors = refused("complaint", labels(*BASIC), {CaseStage.REGISTERED: frozenset({CaseStage.CLOSED,
                                                                                      CaseStage.APPEALED})})
    assert "законът не позволява преход към „Обжалван“" in errors["transitions.registered"]


def test_every_stage_is_reachable_from_registration():
    # answered only from in progress, and in progress never reached: both unreachable
    narrowed = {CaseStage.REGISTERED: frozenset({CaseStage.CLOSED})}
    errors = refused("complaint", labels(*BASIC), narrowed)
    assert errors["stages.answered"] == "Етап „Изпратен отговор“ е недостижим от „Регистриран“ с преходите на набора."
    assert "stages.in_progress" in errors and "stages.closed" not in errors


def test_closed_must_be_reachable():
    errors = refused("complaint", labels(*BASIC), {CaseStage.REGISTERED: frozenset({CaseStage.IN_PROGRESS}),
                                                   CaseStage.ANSWERED: frozenset({CaseStage.IN_PROGRESS})})
    assert list(errors) == ["stages.closed"] and "недостижим" in errors["stages.closed"]


def test_a_move_to_a_stage_outside_the_set_is_refused():
    errors = refused("complaint", labels(CaseStage.REGISTERED, CaseStage.ANSWERED, CaseStage.CLOSED),
                     {CaseStage.ANSWERED: frozenset({CaseStage.IN_PROGRESS})})
    assert errors["transitions.answered"] == "Преход към етап, който не е в набора: „В процес на разглеждане“."


def test_a_reason_is_required():
    assert refused("complaint", labels(*BASIC), reason="  ")["reason"].startswith("Посочете причината")


def test_a_follow_up_has_no_set():
    assert "kind" in refused("follow_up", labels(*BASIC))


# -- versions ------------------------------------------------------------------------------------
@pytest.fixture
def sets():
    found = StageSets(InMemoryStageSetRepository(), clock=lambda: NOW[0])
    assert found.seed() == len(rules.CASE_KINDS)
    return found


def test_seeding_is_idempotent(sets):
    assert sets.seed() == 0
    assert [s.version for s in sets.versions("complaint")] == [1]


def test_a_new_version_keeps_who_why_and_from_when(sets):
    made = sets.create("complaint", 1, labels(*BASIC), {}, " Решение № 7 ", "Админ Админов")
    assert (made.version, made.author, made.reason, made.valid_from) == (2, "Админ Админов", "Решение № 7", NOW[0])
    later = sets.create("complaint", 2, labels(*BASIC), {}, "Още", "А", valid_from=dt.date(2026, 12, 1))
    assert later.valid_from == dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.timezone.utc)  # local midnight


def test_a_stale_edit_is_told_the_newest(sets):
    sets.create("complaint", 1, labels(*BASIC), {}, "първа", "А")
    with pytest.raises(StaleVersion) as exc:
        sets.create("complaint", 1, labels(*BASIC), {}, "втора", "Б")
    assert exc.value.latest.version == 2 and exc.value.latest.author == "А"


def test_a_version_from_the_past_is_refused(sets):
    with pytest.raises(StageSetRefused) as exc:
        sets.create("complaint", 1, labels(*BASIC), {}, "първа", "А", valid_from=dt.date(2026, 11, 25))
    assert exc.value.errors[0]["field"] == "valid_from"


def test_unknown_sets(sets):
    with pytest.raises(StageSetNotFound):
        sets.versions("service:2091")
    with pytest.raises(StageSetNotFound):
        sets.create("nonsense", 1, labels(*BASIC), {}, "x", "А")


def test_a_services_own_set_starts_at_version_1_and_wins_over_its_kind(sets):
    made = sets.create("service:2091", 0, labels(*BASIC), {}, "Услугата няма спиране", "А")
    assert (made.key, made.kind, made.version) == ("service:2091", "service_application", 1)
    assert sets.in_force("service_application", "2091", NOW[0]).key == "service:2091"
    assert sets.in_force("service_application", "2092", NOW[0]).key == "service_application"
    assert sets.in_force("service_application", "2091", NOW[0] - dt.timedelta(seconds=1)).key == "service_application"


# -- bound to the case ---------------------------------------------------------------------------
@pytest.fixture
def tracker(sets):
    return StatusTracker(InMemoryCaseRepository(), TEST_KEYS, clock=lambda: NOW[0], stage_sets=sets)


def lookup(tracker, index):
    return tracker.lookup(CaseLookupRequest(registration_index=index, access_code="12345678"))


def test_a_case_keeps_its_version_and_a_later_case_gets_the_new_one(tracker, sets):
    before = registered("ЖЛБ-1/25.11.2026")
    tracker.on_document_registered(before)
    sets.create("complaint", 1, labels(*BASIC, public={CaseStage.IN_PROGRESS: "Работим по нея"}),
                {}, "По-ясни думи", "Админ", )
    after = registered("ЖЛБ-2/26.11.2026").model_copy(update={"registered_at": NOW[0] + dt.timedelta(minutes=1)})
    tracker.on_document_registered(after)
    assert tracker.repo.get("ЖЛБ-1/25.11.2026")[0].stage_set == rules.StageSetRef("complaint", 1)
    assert tracker.repo.get("ЖЛБ-2/26.11.2026")[0].stage_set == rules.StageSetRef("complaint", 2)
    for index in ("ЖЛБ-1/25.11.2026", "ЖЛБ-2/26.11.2026"):
        tracker.change_stage(index, CaseStage.IN_PROGRESS, None)
    assert lookup(tracker, "ЖЛБ-1/25.11.2026").stage_label == "В процес на разглеждане"
    view = lookup(tracker, "ЖЛБ-2/26.11.2026")
    assert view.stage_label == "Работим по нея" and view.history[-1].stage_label == "Работим по нея"
    # the desk reads the internal labels and the moves of the case's own version
    staff = tracker.staff_view("ЖЛБ-2/26.11.2026")
    assert staff.stage_label == "вътр. in_progress" and staff.stage_set.version == 2
    assert staff.next_stages == [CaseStage.ANSWERED]  # v2 dropped suspension, extension, waiting
    assert CaseStage.SUSPENDED in tracker.staff_view("ЖЛБ-1/25.11.2026").next_stages
    # the letter's wording comes with the event
    assert tracker.repo.outbox[-1].envelope.body().stage_label == "Работим по нея"
    # and the old case may still be suspended, the new one not
    tracker.change_stage("ЖЛБ-1/25.11.2026", CaseStage.SUSPENDED, "Чакаме становище")
    with pytest.raises(StageChangeRefused, match="Етап „Спрян“ не се прилага"):
        tracker.change_stage("ЖЛБ-2/26.11.2026", CaseStage.SUSPENDED, "Чакаме становище")


def test_a_narrowed_move_is_refused_and_assignment_skips_an_unused_stage(tracker, sets):
    sets.create("complaint", 1, labels(*BASIC), {CaseStage.REGISTERED: frozenset({CaseStage.IN_PROGRESS})},
                "Само през разглеждане", "Админ")
    tracker.on_document_registered(registered().model_copy(update={"registered_at": NOW[0]}))
    with pytest.raises(StageChangeRefused, match="не предвижда този преход"):
        tracker.change_stage(CASE, CaseStage.CLOSED, None)
    from status.domain.case import Official
    assert tracker.assign(CASE, Official("stoyan", "Стоян")).stage == CaseStage.REGISTERED  # no "assigned" in v2


def test_a_case_from_before_stage_sets_reads_version_1(tracker, sets):
    tracker.on_document_registered(registered())
    case, version = tracker.repo.get(CASE)
    case.stage_set = None  # as stored before this change
    tracker.repo.save(case, version, [])
    sets.create("complaint", 1, labels(*BASIC, public={CaseStage.REGISTERED: "Приета"}), {}, "нова", "А")
    assert lookup(tracker, CASE).stage_label == "Регистриран"
    assert tracker.stage_set(tracker.repo.get(CASE)[0]).ref == rules.StageSetRef("complaint", 1)


def test_a_service_applications_case_is_bound_to_its_services_set(tracker, sets):
    sets.create("service:2091", 0, labels(*BASIC, public={CaseStage.REGISTERED: "Заявлението е прието"}), {},
                "своя", "А")
    event = registered().model_copy(update={"kind": DocumentKind.SERVICE_APPLICATION, "service_code": "2091",
                                            "registered_at": NOW[0]})
    tracker.on_document_registered(event)
    assert lookup(tracker, CASE).stage_label == "Заявлението е прието"


def test_a_services_set_binds_only_cases_of_its_own_kind(sets):
    sets.create("service:2091", 0, labels(*BASIC), {}, "Услугата няма спиране", "А")
    assert sets.in_force("service_application", "2091", NOW[0]).key == "service:2091"
    # a complaint naming the service keeps the complaint's set (checked against its own law)
    assert sets.in_force("complaint", "2091", NOW[0]).key == rules.kind_key("complaint")


def test_a_missing_bound_version_is_an_error_not_another_sets_rules(sets):
    with pytest.raises(LookupError):
        sets.bound(rules.StageSetRef("service:9999", 3), "service_application")
    assert sets.bound(None, "complaint").version == 1  # unbound (older) cases: version 1 of their kind
