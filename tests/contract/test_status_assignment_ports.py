"""Contract suite for status's case repositories (in memory, and MongoDB on FerretDB): the
responsible official and the history's who/official/previous due date survive a round trip;
an official's open cases and the cases due in a date range are found alike."""
import datetime as dt

from delovod_proto.vocabulary import CaseStage
from status.domain.case import Actor, Official
from status.service_layer.case_lists import CaseLists
from tests.contract.test_other_ports import case, cases  # noqa: F401  (the fixture: both backends)

UTC = dt.timezone.utc
STOYAN = Official("stoyan", "Стоян Георгиев", "Дирекция „Екология“", "+359 32 656 701", "s.g@plovdiv.bg")
IVANA = Actor("ivana", "Ивана Петрова")


def saved(repo, c):
    _, version = repo.get(c.case_index)
    assert repo.save(c, version, [])
    return repo.get(c.case_index)[0]


def test_the_official_and_who_did_what_survive_a_round_trip(cases):  # noqa: F811
    c = case()
    cases.create(c, [])
    c.assign(STOYAN, dt.datetime(2026, 2, 2, 9, tzinfo=UTC), IVANA, "по компетентност")
    c.move_to(CaseStage.EXTENDED, dt.datetime(2026, 2, 3, 9, tzinfo=UTC), "сложно", due_date=dt.date(2026, 3, 17),
              by=Actor("stoyan", "Стоян Георгиев"))
    got = saved(cases, c)
    assert got == c and got.official == STOYAN
    assert (got.history[1].by, got.history[1].official) == (IVANA, STOYAN)
    assert (got.history[2].due_date, got.history[2].previous_due_date) == (dt.date(2026, 3, 17), dt.date(2026, 3, 3))
    partial = Official("elena", "Елена Маринова")  # a directory entry without phone, mail or unit
    got.assign(partial, dt.datetime(2026, 2, 4, tzinfo=UTC), IVANA)
    assert saved(cases, got).official == partial


def test_an_officials_open_cases_and_those_due_in_a_range(cases):  # noqa: F811
    lists = CaseLists(cases)
    for n, due in ((1, dt.date(2026, 3, 3)), (2, dt.date(2026, 3, 5)), (3, dt.date(2026, 3, 20))):
        c = case(f"К-{n}/01.02.2026")
        c.due_date = due
        cases.create(c, [])
        if n < 3:
            c.assign(STOYAN, dt.datetime(2026, 2, 2, tzinfo=UTC), IVANA)
            saved(cases, c)
    assert [c.case_index for c in lists.assigned("stoyan")[0]] == ["К-1/01.02.2026", "К-2/01.02.2026"]
    assert lists.assigned("elena") == ([], None)
    due, _ = lists.due(dt.date(2026, 3, 3), dt.date(2026, 3, 8))
    assert [c.case_index for c in due] == ["К-1/01.02.2026", "К-2/01.02.2026"]
    closing, version = cases.get("К-2/01.02.2026")
    closing.move_to(CaseStage.ANSWERED, dt.datetime(2026, 2, 5, tzinfo=UTC), None)
    closing.move_to(CaseStage.CLOSED, dt.datetime(2026, 2, 6, tzinfo=UTC), None)
    assert cases.save(closing, version, [])
    assert [c.case_index for c in lists.assigned("stoyan")[0]] == ["К-1/01.02.2026"]
    assert [c.case_index for c in lists.due(dt.date(2026, 3, 3), dt.date(2026, 3, 8))[0]] == ["К-1/01.02.2026"]


def test_many_cases_by_index_in_one_call(cases):  # noqa: F811
    for n in (1, 2):
        cases.create(case(f"К-{n}/01.02.2026"), [])
    assert sorted(c.case_index for c in cases.get_many(["К-2/01.02.2026", "К-9/01.02.2026", "К-1/01.02.2026"])) == [
        "К-1/01.02.2026", "К-2/01.02.2026"]
