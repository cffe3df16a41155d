"""The operator's status backfill on FerretDB: cases opened before the stage and list indexes
existed get into every index status keeps, once, however often it runs."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import CaseStage
from servicekit import mongo
from status import stage_index_backfill
from status.adapters.mongo_repository import ALIAS, CaseDoc, MongoCaseRepository
from status.domain.case import Actor, Official
from status.service_layer.case_lists import CaseLists
from tests.contract.test_other_ports import case

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc


@pytest.fixture
def old_cases(test_db):
    """Three cases whose index entries were never written (opened before the indexes existed)."""
    mongo.connect(ALIAS, test_db)
    mongo.ensure_indexes(CaseDoc)
    repo = MongoCaseRepository()
    for n in (1, 2, 3):
        c = case(f"К-{n}/01.02.2026")
        assert repo.create(c, [])
        if n < 3:
            c, version = repo.get(c.case_index)
            c.assign(Official("stoyan", "Стоян Георгиев"), dt.datetime(2026, 2, 2, tzinfo=UTC), Actor("i", "И"))
            assert repo.save(c, version, [])
    db = CaseDoc._get_collection().database
    db.drop_collection("stage_index")
    db.drop_collection("list_index")
    assert repo.listed(["official|stoyan"]) == set() and repo.due_months() == set()
    return repo


def test_the_backfill_fills_the_stage_and_list_indexes_once(old_cases, test_db, monkeypatch, capsys):
    monkeypatch.setenv("DELOVOD_STATUS_MONGO_URI", test_db)
    assert stage_index_backfill.main([]) == 0
    assert stage_index_backfill.main([]) == 0  # again: nothing doubles
    assert "stage and list index backfill: 3 cases (idempotent)" in capsys.readouterr().out
    repo = MongoCaseRepository()
    assert {m.partition("|")[2] for m in repo.staged(["assigned|2026-02"])} == {"К-1/01.02.2026", "К-2/01.02.2026"}
    assert repo.listed(["official|stoyan"]) == {"2026-03-03|К-1/01.02.2026", "2026-03-03|К-2/01.02.2026"}
    assert repo.due_months() == {"2026-03"}
    late, _ = CaseLists(repo).overdue(dt.date(2026, 3, 4))
    assert [c.case_index for c in late] == ["К-1/01.02.2026", "К-2/01.02.2026", "К-3/01.02.2026"]
    assert all(c.stage in (CaseStage.ASSIGNED, CaseStage.REGISTERED) for c in late)


def test_the_backfill_adds_a_batch_of_members_to_each_entry_at_once(old_cases):
    """Batches of 2 of the 3 cases: two updates per entry, the same indexes as one by one."""
    assert old_cases.backfill_indexes(batch=2) == 3
    assert {m.partition("|")[2] for m in old_cases.staged(["assigned|2026-02", "registered|2026-02"])} == {
        "К-1/01.02.2026", "К-2/01.02.2026", "К-3/01.02.2026"}
    assert old_cases.listed(["official|stoyan"]) == {"2026-03-03|К-1/01.02.2026", "2026-03-03|К-2/01.02.2026"}
    assert len(old_cases.listed(["due|2026-03"])) == 3 and old_cases.due_months() == {"2026-03"}
