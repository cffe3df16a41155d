"""bench/status_cases.py: the benchmark's status cases are the journal's registrations, moved
through the domain's own rules, and stored exactly as status's repository stores a case."""
import datetime as dt

from bench import journal, status_cases
from delovod_proto.vocabulary import CaseStage
from status.adapters.mongo_repository import CaseDoc, _to_domain
from status.domain.case import ALLOWED, TERM_RUNS

N = 3000


def test_one_case_per_registration_with_its_index_time_kind_and_subject():
    registrations = list(journal.registrations(N))
    cases = list(status_cases.cases(N))
    assert [(c.case_index, c.registered_at, c.kind, c.subject) for c in cases] == [
        (r.index, r.registered_at, r.command.kind.value, r.command.subject) for r in registrations]


def test_the_stored_form_reads_back_as_the_same_case():
    for case in list(status_cases.cases(400))[::7]:
        doc = status_cases.stored(case)
        assert doc["_id"] == case.case_index and doc["version"] == 1 and doc["outbox"] == {}
        back = _to_domain(CaseDoc._from_son(doc))
        assert (back.stage, back.due_date, back.official, back.term_end, back.stage_set) == (
            case.stage, case.due_date, case.official, case.term_end, case.stage_set)
        assert [h.stage for h in back.history] == [h.stage for h in case.history]


def test_stages_follow_the_allowed_moves_and_a_few_percent_run_late():
    cases = list(status_cases.cases(N))
    for case in cases:
        stages = [h.stage for h in case.history]
        assert stages[0] == CaseStage.REGISTERED and stages[-1] == case.stage
        assert all(b == a or b in ALLOWED[a] for a, b in zip(stages, stages[1:]))  # an assignment keeps or moves
        assert (case.official is None) == (case.stage == CaseStage.REGISTERED)
        assert case.due_date > case.registered_at.date()
    today = status_cases.AS_OF + dt.timedelta(days=2)
    late = sum(1 for c in cases if c.stage in TERM_RUNS and c.due_date < today)
    assert 0.01 * N < late < 0.06 * N
    closed = sum(1 for c in cases if c.stage == CaseStage.CLOSED)
    assert closed > 0.7 * N
    mine = {c.official.username for c in cases if c.official}
    assert {"stoyan", "elena"} <= mine and len(mine) == status_cases.OFFICIALS_N
