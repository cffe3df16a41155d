"""The incoming journal's query: local days, filters, order and keyset pages (in-memory repository)."""
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.index import DEFAULT_REGISTERS
from registry.domain.registration import Registration
from registry.service_layer.errors import Invalid
from registry.service_layer.queries import JournalFilter, Queries
from tests.helpers import command

SOFIA = ZoneInfo("Europe/Sofia")
UTC = dt.timezone.utc


def reg(repo, number, at, register="complaints", prefix="ЖЛБ", **overrides):
    r = Registration(uuid.uuid4(), register, at.year, number, 0, f"{prefix}-{number}/{at:%d.%m.%Y}",
                     f"{prefix}-{number}/{at:%d.%m.%Y}", at, command(**overrides), "h", "clerk")
    repo.claim(r, [])
    repo.complete([r])
    return r


@pytest.fixture
def repo():
    return InMemoryRegistrationRepository()


@pytest.fixture
def queries(repo):
    return Queries(repo, InMemoryScanStore(), DEFAULT_REGISTERS, SOFIA)


def indexes(page):
    return [r.index for r in page.items]


def test_a_local_day_includes_the_night_before_midnight_utc_and_excludes_the_next(repo, queries):
    reg(repo, 1, dt.datetime(2026, 3, 9, 22, 30, tzinfo=UTC))  # 10.03 00:30 in Sofia
    reg(repo, 2, dt.datetime(2026, 3, 10, 21, 59, tzinfo=UTC))  # 10.03 23:59 in Sofia
    reg(repo, 3, dt.datetime(2026, 3, 10, 22, 0, tzinfo=UTC))  # 11.03 00:00 in Sofia
    page = queries.journal(JournalFilter(dt.date(2026, 3, 10), dt.date(2026, 3, 10)))
    assert [r.number for r in page.items] == [1, 2] and page.next is None


def test_ordered_by_time_then_index_across_registers(repo, queries):
    at = dt.datetime(2026, 3, 10, 9, tzinfo=UTC)
    reg(repo, 2, at)
    reg(repo, 1, at, register="letters", prefix="ВХ", kind="letter")
    reg(repo, 1, at - dt.timedelta(hours=1))
    page = queries.journal(JournalFilter(dt.date(2026, 3, 10), dt.date(2026, 3, 10)))
    assert indexes(page) == ["ЖЛБ-1/10.03.2026", "ВХ-1/10.03.2026", "ЖЛБ-2/10.03.2026"]


def test_pages_follow_each_other_without_gaps_or_repeats_over_days(repo, queries):
    start = dt.datetime(2026, 3, 1, 8, tzinfo=UTC)
    made = [reg(repo, n, start + dt.timedelta(hours=7 * n)) for n in range(1, 40)]
    seen, after = [], None
    while True:
        page = queries.journal(JournalFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), after, limit=7)
        seen += indexes(page)
        assert len(page.items) <= 7
        if page.next is None:
            break
        after = page.next
    assert seen == [r.index for r in made]


def test_filters_register_kind_channel_and_words_in_either_alphabet(repo, queries):
    at = dt.datetime(2026, 3, 10, 9, tzinfo=UTC)
    reg(repo, 1, at, subject="Ремонт на улица", sender={"name": "Иван Георгиев", "preferred_channel": "post",
                                                          "address": "ул. Гладстон 1"})
    reg(repo, 2, at, channel="email")
    reg(repo, 1, at, register="letters", prefix="ВХ", kind="letter")
    day = dict(first=dt.date(2026, 3, 10), last=dt.date(2026, 3, 10))
    assert indexes(queries.journal(JournalFilter(**day, register="ЖЛБ"))) == ["ЖЛБ-1/10.03.2026", "ЖЛБ-2/10.03.2026"]
    assert indexes(queries.journal(JournalFilter(**day, register="letters"))) == ["ВХ-1/10.03.2026"]
    assert indexes(queries.journal(JournalFilter(**day, kind="letter"))) == ["ВХ-1/10.03.2026"]
    assert indexes(queries.journal(JournalFilter(**day, channel="email"))) == ["ЖЛБ-2/10.03.2026"]
    assert indexes(queries.journal(JournalFilter(**day, words="георгиев"))) == ["ЖЛБ-1/10.03.2026"]
    assert indexes(queries.journal(JournalFilter(**day, words="Georgiev remont"))) == ["ЖЛБ-1/10.03.2026"]
    assert indexes(queries.journal(JournalFilter(**day, words="улиц"))) == ["ЖЛБ-1/10.03.2026"]
    assert queries.journal(JournalFilter(**day, words="Петров ремонт")).items == []


@pytest.mark.parametrize("f, after, field", [
    (JournalFilter(dt.date(2026, 3, 10), dt.date(2026, 3, 9)), None, "to"),
    (JournalFilter(dt.date(2025, 1, 1), dt.date(2026, 3, 9)), None, "to"),
    (JournalFilter(dt.date(2026, 3, 10), dt.date(2026, 3, 10), register="НЯМА"), None, "register"),
    (JournalFilter(dt.date(2026, 3, 10), dt.date(2026, 3, 10)), "не-е-курсор", "after"),
])
def test_a_filter_it_cannot_read_is_refused_in_bulgarian(queries, f, after, field):
    with pytest.raises(Invalid) as refused:
        queries.journal(f, after)
    assert refused.value.errors[0]["field"] == field and refused.value.detail


def test_a_search_by_words_reads_only_the_days_the_months_digests_name(repo, queries):
    for n in range(1, 29):
        reg(repo, n, dt.datetime(2026, 2, n, 9, tzinfo=UTC), subject="Ремонт" + (" Гладстон" if n in (5, 20) else ""))
    read = []
    journal_day = repo.journal_day
    repo.journal_day = lambda code, day: read.append((code, day)) or journal_day(code, day)
    page = queries.journal(JournalFilter(dt.date(2026, 2, 1), dt.date(2026, 2, 28), words="gladst"))
    assert [r.number for r in page.items] == [5, 20]
    assert read == [("complaints", dt.date(2026, 2, 5)), ("complaints", dt.date(2026, 2, 20))]


def _counting(repo, *names):
    calls = {name: [] for name in names}
    for name in names:
        real = getattr(repo, name)
        setattr(repo, name, lambda *a, real=real, name=name: calls[name].append(a) or real(*a))
    return calls


def test_a_search_over_months_reads_each_registers_year_digest_once(repo, queries):
    for n, month in enumerate((1, 3, 7, 12), 1):
        reg(repo, n, dt.datetime(2026, month, 31 if month != 3 else 1, 9, tzinfo=UTC),
            subject="Ремонт" + (" Гладстон" if n != 3 else ""))
    reg(repo, 1, dt.datetime(2025, 12, 31, 9, tzinfo=UTC), subject="Гладстон")  # a month of 2025: its month digest
    calls = _counting(repo, "journal_words", "journal_year_words", "journal_day")
    page = queries.journal(JournalFilter(dt.date(2025, 12, 2), dt.date(2026, 12, 1), register="ЖЛБ", words="gladston"))
    assert [r.index for r in page.items] == ["ЖЛБ-1/31.12.2025", "ЖЛБ-1/31.01.2026", "ЖЛБ-2/01.03.2026"]
    assert calls["journal_year_words"] == [("complaints", 2026)] and calls["journal_words"] == [("complaints", 2025, 12)]
    assert [d for _, d in calls["journal_day"]] == [dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 3, 1)]


def test_a_year_without_its_digest_is_searched_by_its_months(repo, queries):
    reg(repo, 1, dt.datetime(2026, 5, 31, 9, tzinfo=UTC), subject="Гладстон")
    reg(repo, 2, dt.datetime(2026, 6, 1, 9, tzinfo=UTC), subject="Ремонт")
    repo.journal_year_words = lambda code, year: None  # completed before the year digests existed
    calls = _counting(repo, "journal_words")
    page = queries.journal(JournalFilter(dt.date(2026, 4, 1), dt.date(2026, 6, 30), register="ЖЛБ", words="Гладстон"))
    assert [r.number for r in page.items] == [1]
    assert calls["journal_words"] == [("complaints", 2026, m) for m in (3, 4, 5, 6)]  # from 31.03 21:00 UTC


def test_a_busy_ranges_first_page_reads_two_days_not_eight(repo, queries):
    start = dt.datetime(2026, 3, 1, 6, tzinfo=UTC)
    for n in range(1, 70):
        reg(repo, n, start + dt.timedelta(minutes=10 * n))
    calls = _counting(repo, "journal_day")
    page = queries.journal(JournalFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31), register="ЖЛБ"))
    assert len(page.items) == 50 and page.next
    assert [d for _, d in calls["journal_day"]] == [dt.date(2026, 2, 28), dt.date(2026, 3, 1)]


def test_rows_by_index_in_the_order_asked_with_the_other_filters(repo, queries):
    at = dt.datetime(2026, 3, 10, 9, tzinfo=UTC)
    reg(repo, 1, at)
    reg(repo, 2, at, channel="email", sender={"name": "Иван Колев", "preferred_channel": "none"})
    reg(repo, 1, at, register="letters", prefix="ВХ", kind="letter")
    every = ["ЖЛБ-2/10.03.2026", "ВХ-1/10.03.2026", "ЖЛБ-9/10.03.2026", "ЖЛБ-1/10.03.2026"]
    day = dt.date(2026, 1, 1)  # the dates are not applied: the caller chose the registrations
    assert [r.index for r in queries.journal_rows(every, JournalFilter(day, day))] == [
        "ЖЛБ-2/10.03.2026", "ВХ-1/10.03.2026", "ЖЛБ-1/10.03.2026"]
    assert [r.index for r in queries.journal_rows(every, JournalFilter(day, day, register="ЖЛБ"))] == [
        "ЖЛБ-2/10.03.2026", "ЖЛБ-1/10.03.2026"]
    assert [r.index for r in queries.journal_rows(every, JournalFilter(day, day, channel="email"))] == [
        "ЖЛБ-2/10.03.2026"]
    assert [r.index for r in queries.journal_rows(every, JournalFilter(day, day, words="petrova"))] == [
        "ВХ-1/10.03.2026", "ЖЛБ-1/10.03.2026"]  # Latin letters find the Cyrillic name, as the journal does
    assert [r.index for r in queries.journal_rows(every, JournalFilter(day, day, kind="letter"))] == [
        "ВХ-1/10.03.2026"]
