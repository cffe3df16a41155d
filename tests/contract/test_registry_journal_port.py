"""The journal's port, alike in memory and on FerretDB: a register's UTC day lists its completed
registrations (once, however often completion runs), and nothing else."""
import datetime as dt
import uuid

from registry.domain.registration import Registration
from tests.contract.test_registry_ports import repo  # noqa: F401 (the fixture: memory and FerretDB)
from tests.helpers import command

UTC = dt.timezone.utc


def reg(number, at, register="t", **overrides):
    return Registration(uuid.uuid4(), register, 2026, number, 0, f"Т-{number}/{at:%d.%m.%Y}", f"Т-{number}/{at:%d.%m.%Y}",
                        at, command(**overrides), "h", "clerk")


def test_a_day_lists_its_completed_registrations_once(repo):  # noqa: F811
    morning, evening = dt.datetime(2026, 2, 1, 8, 15, 30, 123000, tzinfo=UTC), dt.datetime(2026, 2, 1, 23, 59, tzinfo=UTC)
    first, second = reg(1, morning, channel="email", subject="Ремонт на улица"), reg(2, evening)
    later, other, unfinished = reg(3, morning + dt.timedelta(days=1)), reg(1, morning, register="u"), reg(4, morning)
    for r in (first, second, later, other):
        repo.claim(r, [])
        repo.complete([r])
    repo.complete([first, second])  # again (the relay's repair): still once each
    repo.claim(unfinished, [])  # claimed, not completed yet: not in the journal
    day = sorted(repo.journal_day("t", dt.date(2026, 2, 1)), key=lambda e: e.index)
    assert [e.index for e in day] == [first.index, second.index]
    e = day[0]
    assert (e.registered_at, e.register_code, e.year, e.number, e.seq) == (morning, "t", 2026, 1, 0)
    assert (e.kind, e.channel, e.sender_name, e.subject) == ("complaint", "email", "Мария Петрова", "Ремонт на улица")
    assert [x.index for x in repo.journal_day("t", dt.date(2026, 2, 2))] == [later.index]
    assert [x.index for x in repo.journal_day("u", dt.date(2026, 2, 1))] == [other.index]
    assert repo.journal_day("t", dt.date(2026, 1, 31)) == []


def test_a_months_word_digest_names_the_days_of_each_word(repo):  # noqa: F811
    for n, (day, name) in enumerate(((1, "Мария Петрова"), (3, "Иван Петров"), (3, "Мария Петрова")), 1):
        r = reg(n, dt.datetime(2026, 2, day, 9, n, tzinfo=UTC), subject="Ремонт на улица",
                sender={"name": name, "email": "m@example.bg", "preferred_channel": "email"})
        repo.claim(r, [])
        repo.complete([r])
        repo.complete([r])
    digest = repo.journal_words("t", 2026, 2)
    assert digest["maria"] == [1, 3] and digest["petrova"] == [1, 3] and digest["petrov"] == [3]
    assert digest["remont"] == [1, 3] and repo.journal_words("t", 2026, 3) == {}


def test_a_years_word_digest_names_each_words_days_per_month(repo):  # noqa: F811
    assert repo.journal_year_words("t", 2026) is None  # nothing completed in the year: no digest
    for n, (month, day, name) in enumerate(((1, 31, "Мария Петрова"), (3, 1, "Иван Петров"), (3, 2, "Мария Петрова")), 1):
        r = reg(n, dt.datetime(2026, month, day, 9, n, tzinfo=UTC), subject="Ремонт",
                sender={"name": name, "email": "m@example.bg", "preferred_channel": "email"})
        repo.claim(r, [])
        repo.complete([r])
        repo.complete([r])  # again (the relay's repair): the same bits
    digest = repo.journal_year_words("t", 2026)
    assert digest["petrova"] == {1: 1 << 31, 3: 1 << 2} and digest["petrov"] == {3: 1 << 1}
    assert digest["remont"] == {1: 1 << 31, 3: 1 << 1 | 1 << 2} and repo.journal_year_words("t", 2025) is None
