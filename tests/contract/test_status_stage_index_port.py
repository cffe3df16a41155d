"""Contract suite for status's stage index (in memory, and MongoDB on FerretDB): a case is
under its stage's entry from its opening, moves with each compare-and-set (the new entry
before the write, the old one removed after), and a lost compare-and-set never removes it."""
import datetime as dt

from delovod_proto.vocabulary import CaseStage
from tests.contract.test_other_ports import case, cases  # noqa: F401  (the fixture: both backends)

UTC = dt.timezone.utc


def staged(cases, *keys):  # noqa: F811
    """The indexes under the entries; each member is '<registered_at to the ms>|<index>'."""
    members = cases.staged(list(keys))
    assert all(m.startswith("2026-02-01T09:00:00.000Z|") for m in members)
    return {m.partition("|")[2] for m in members}


def test_the_stage_index_follows_each_case(cases):  # noqa: F811
    for n in (1, 2):
        assert cases.create(case(f"К-{n}/01.02.2026"), [])
    assert staged(cases, "registered|2026-02") == {"К-1/01.02.2026", "К-2/01.02.2026"}
    assert staged(cases, "registered|2026-03", "in_progress|2026-02") == set()
    moved, version = cases.get("К-1/01.02.2026")
    moved.move_to(CaseStage.IN_PROGRESS, dt.datetime(2026, 2, 2, tzinfo=UTC), None)
    assert cases.save(moved, version, [])
    assert staged(cases, "registered|2026-02") == {"К-2/01.02.2026"}
    assert staged(cases, "in_progress|2026-02", "registered|2026-02") == {"К-1/01.02.2026", "К-2/01.02.2026"}
    moved.move_to(CaseStage.ANSWERED, dt.datetime(2026, 2, 3, tzinfo=UTC), None)
    assert not cases.save(moved, version, [])  # a stale version: the case stays where it is
    assert "К-1/01.02.2026" in staged(cases, "in_progress|2026-02")
    again, version = cases.get("К-1/01.02.2026")
    again.reissue_code("h2", 1)
    assert cases.save(again, version, [])  # not a move: the entry stays
    assert staged(cases, "in_progress|2026-02") >= {"К-1/01.02.2026"}


def test_a_time_with_microseconds_moves_out_of_its_old_entry(cases):  # noqa: F811
    """The database keeps milliseconds: the member written at opening (from the event's time)
    and the one removed after a move (from the stored time) are the same text."""
    c = case("К-7/01.02.2026")
    c.registered_at = dt.datetime(2026, 2, 1, 9, 0, 0, 123456, tzinfo=UTC)
    assert cases.create(c, [])
    assert cases.staged(["registered|2026-02"]) == {"2026-02-01T09:00:00.123Z|К-7/01.02.2026"}
    moved, version = cases.get("К-7/01.02.2026")
    moved.move_to(CaseStage.IN_PROGRESS, dt.datetime(2026, 2, 2, tzinfo=UTC), None)
    assert cases.save(moved, version, [])
    assert cases.staged(["registered|2026-02"]) == set()
    assert cases.staged(["in_progress|2026-02"]) == {"2026-02-01T09:00:00.123Z|К-7/01.02.2026"}
