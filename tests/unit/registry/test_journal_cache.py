"""The journal's settled days and digests kept in the process: read once within the TTL, never
for a period that has not settled, dropped by this process's own completion, bounded; and every
filter pages alike with and without it."""
import datetime as dt
import itertools
import uuid
from zoneinfo import ZoneInfo

import pytest

from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.index import DEFAULT_REGISTERS
from registry.domain.registration import Registration
from registry.service_layer.journal_cache import JournalCache
from registry.service_layer.queries import JournalFilter, Queries
from tests.helpers import command

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=UTC)


def reg(number, at, register="complaints", prefix="ЖЛБ", **overrides):
    return Registration(uuid.uuid4(), register, at.year, number, 0, f"{prefix}-{number}/{at:%d.%m.%Y}",
                        f"{prefix}-{number}/{at:%d.%m.%Y}", at, command(**overrides), "h", "clerk")


class Counted(InMemoryRegistrationRepository):
    def __init__(self):
        super().__init__()
        self.reads = []

    def journal_day(self, code, day):
        self.reads.append(("day", code, day))
        return super().journal_day(code, day)

    def journal_words(self, code, year, month):
        self.reads.append(("month", code, year, month))
        return super().journal_words(code, year, month)

    def journal_year_words(self, code, year):
        self.reads.append(("year", code, year))
        return super().journal_year_words(code, year)


@pytest.fixture
def clocks():
    return {"now": NOW, "mono": 0.0}


@pytest.fixture
def cached(clocks):
    repo = Counted()
    return repo, JournalCache(repo, dt.timedelta(seconds=60), size=3, clock=lambda: clocks["now"],
                              monotonic=lambda: clocks["mono"])


def complete(cache, r):
    cache.claim(r, [])
    cache.complete([r])


def test_a_settled_day_is_read_once_within_the_ttl(cached, clocks):
    repo, cache = cached
    complete(cache, reg(1, dt.datetime(2026, 3, 10, 9, tzinfo=UTC)))
    for _ in range(3):
        assert [e.number for e in cache.journal_day("complaints", dt.date(2026, 3, 10))] == [1]
    assert len(repo.reads) == 1
    clocks["mono"] += 61
    cache.journal_day("complaints", dt.date(2026, 3, 10))
    assert len(repo.reads) == 2  # another replica's late write shows after the TTL at the latest


def test_today_and_periods_not_settled_are_always_read(cached, clocks):
    repo, cache = cached
    clocks["now"] = dt.datetime(2026, 4, 1, 0, 5, tzinfo=UTC)  # March ended 5 minutes ago: not settled
    for _ in range(2):
        cache.journal_day("complaints", dt.date(2026, 4, 1))
        cache.journal_day("complaints", dt.date(2026, 3, 31))
        cache.journal_words("complaints", 2026, 3)
        cache.journal_year_words("complaints", 2026)
    assert len(repo.reads) == 8
    clocks["now"] += dt.timedelta(minutes=10)  # now it has
    cache.journal_words("complaints", 2026, 3)
    cache.journal_words("complaints", 2026, 3)
    assert len(repo.reads) == 9


def test_this_processs_completion_drops_its_day_month_and_year_at_once(cached):
    repo, cache = cached
    at = dt.datetime(2026, 3, 10, 9, tzinfo=UTC)
    complete(cache, reg(1, at, subject="Гладстон"))
    assert len(cache.journal_day("complaints", at.date())) == 1
    assert "gladston" in cache.journal_words("complaints", 2026, 3)
    assert "gladston" in cache.journal_year_words("complaints", 2026)
    complete(cache, reg(2, at, subject="Тротоар"))  # a late completion into a settled day
    assert len(cache.journal_day("complaints", at.date())) == 2
    assert "trotoar" in cache.journal_words("complaints", 2026, 3)
    assert "trotoar" in cache.journal_year_words("complaints", 2026)


def test_a_read_that_overlapped_a_completion_is_not_kept(cached):
    repo, cache = cached
    at = dt.datetime(2026, 3, 10, 9, tzinfo=UTC)
    read = repo.journal_day
    late = reg(2, at)

    def racing(code, day):  # the completion lands while this read is on its way
        found = read(code, day)
        complete(cache, late)
        return found

    repo.journal_day = racing
    assert cache.journal_day("complaints", at.date()) == []
    repo.journal_day = read
    assert [e.number for e in cache.journal_day("complaints", at.date())] == [2]


def test_at_most_size_reads_are_kept_the_least_recently_used_go(cached):
    repo, cache = cached
    days = [dt.date(2026, 3, d) for d in (1, 2, 3, 4)]
    for day in days + [days[3], days[0]]:
        cache.journal_day("complaints", day)
    assert len(cache._kept) == 3 and [r[2] for r in repo.reads] == days + [days[0]]


def _made(repo):
    start = dt.datetime(2026, 2, 27, 6, tzinfo=UTC)
    registers = [("complaints", "ЖЛБ", "complaint"), ("letters", "ВХ", "letter")]
    subjects = ["Ремонт на улица", "Шум от заведение", "Гладстон тротоар"]
    channels = ["email", "post", "counter"]
    for n in range(1, 121):
        code, prefix, kind = registers[n % 2]
        r = reg(n, start + dt.timedelta(hours=5 * n), code, prefix, kind=kind, channel=channels[n % 3],
                subject=subjects[n % 3],
                sender={"name": ["Мария Петрова", "Иван Георгиев"][n % 2], "email": "m@example.bg",
                        "preferred_channel": "email"})
        repo.claim(r, [])
        repo.complete([r])


FILTERS = [dict(zip(("register", "kind", "channel", "words"), combo)) for combo in itertools.product(
    (None, "ЖЛБ", "letters"), (None, "complaint"), (None, "email"), (None, "Petrova", "гладстон тротоар"))]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items() if v) or "none")
def test_every_filter_pages_alike_with_and_without_the_cache(filters, clocks):
    repo = InMemoryRegistrationRepository()
    _made(repo)
    zone = ZoneInfo("Europe/Sofia")
    plain = Queries(repo, InMemoryScanStore(), DEFAULT_REGISTERS, zone)
    cache = JournalCache(repo, dt.timedelta(seconds=60), clock=lambda: clocks["now"], monotonic=lambda: clocks["mono"])
    kept = Queries(cache, InMemoryScanStore(), DEFAULT_REGISTERS, zone)
    for first, last in ((dt.date(2026, 3, 1), dt.date(2026, 3, 1)), (dt.date(2026, 2, 27), dt.date(2026, 3, 19)),
                        (dt.date(2025, 3, 20), dt.date(2026, 3, 19))):
        f = JournalFilter(first, last, **filters)
        for _ in range(2):  # the second time from the cache
            pages, after = [], None
            while True:
                a, b = plain.journal(f, after, limit=7), kept.journal(f, after, limit=7)
                assert [r.index for r in a.items] == [r.index for r in b.items] and a.next == b.next
                pages.append(a)
                if a.next is None:
                    break
                after = a.next


def test_a_pages_rows_are_kept_by_claim_bounded_and_a_missing_one_is_not(cached):
    repo, cache = cached
    cache.rows = 2
    asked = []
    row = repo.journal_row
    repo.journal_row = lambda *claim: asked.append(claim) or row(*claim)
    assert cache.journal_row("complaints", 2026, 1, 0) is None  # not claimed yet
    made = [reg(n, dt.datetime(2026, 3, 10, 9, n, tzinfo=UTC)) for n in (1, 2, 3)]
    for r in made:
        complete(cache, r)
    for n in (1, 1, 2, 1, 3, 2):
        assert cache.journal_row("complaints", 2026, n, 0).index == made[n - 1].index
    assert [c[2] for c in asked] == [1, 1, 2, 3, 2]  # 1 again once claimed; 2 again after 3 pushed it out
    assert cache.journal_row("complaints", 2026, 3, 0).access_code_hash == ""  # nothing cached checks a code
