"""Reading registrations: by index (as issued, or a follow-up in the current form), the
case a registration belongs to, a scan's download address, and the incoming journal."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from servicekit.concurrently import Concurrently, in_turn

from ..domain.index import Register
from ..domain.registration import Registration
from .errors import Invalid, NotFound
from .ports import AbstractRegistrationRepository, AbstractScanStore, JournalEntry, folded_words, journal_words

JOURNAL_MAX_DAYS = 366


@dataclass(frozen=True)
class JournalFilter:
    """Which registrations the journal lists: local days ``first``..``last`` (both included)
    and, optionally, a register, a kind, a channel and words of the sender's name or subject."""

    first: dt.date
    last: dt.date
    register: Optional[str] = None
    kind: Optional[str] = None
    channel: Optional[str] = None
    words: Optional[str] = None


@dataclass(frozen=True)
class JournalPage:
    items: list[Registration]
    next: Optional[str]


def _cursor(entry: JournalEntry) -> str:
    text = f"{entry.registered_at.isoformat()}|{entry.index}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _after(cursor: Optional[str]) -> Optional[tuple[dt.datetime, str]]:
    if not cursor:
        return None
    try:
        at, index = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|", 1)
        moment = dt.datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(at)
        return moment, index
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid("Невалидна стойност на after: подайте полето next от предишната страница.",
                      errors=[{"field": "after", "message": "Невалидна стойност."}])


# Days read at once, in order: two first (a local day spans two UTC days, and a busy day fills a
# page), then twice as many each time up to eight (a quiet range or a rare filter); reading eight
# at once from the start read 48 day documents (760 KB) for a month's first page that needed 12.
FIRST_DAYS_AT_ONCE, DAYS_AT_ONCE = 2, 8
# A search over this many months of a year or more reads the register's year digest (one read)
# instead of its month digests (one per month).
YEAR_DIGEST_MONTHS = 3


def _batches(days: list) -> list[list]:
    out, at, size = [], 0, FIRST_DAYS_AT_ONCE
    while at < len(days):
        out.append(days[at:at + size])
        at, size = at + size, min(2 * size, DAYS_AT_ONCE)
    return out


def _days_having(digest: dict[str, int], words: list[str]) -> int:
    """The days (bit d for day d of the month) on which every word starts one of the words
    of ``digest`` (folded word -> days of the month, as bits)."""
    having = -1
    for w in words:
        having &= _or_all(bits for key, bits in digest.items() if key.startswith(w))
    return having


def _or_all(values) -> int:
    out = 0
    for v in values:
        out |= v
    return out


def _bits(days) -> int:
    return _or_all(1 << d for d in days)


def _per_day(batch: list, read: list) -> list:
    """The entries read for ``batch`` ((day, codes) in order), joined per day."""
    out, at = [], 0
    for _, codes in batch:
        out.append([e for entries in read[at:at + len(codes)] for e in entries])
        at += len(codes)
    return out


def _months(first: dt.date, last: dt.date):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _matches(entry: JournalEntry, f: JournalFilter, words: list[str]) -> bool:
    if (f.kind and entry.kind != f.kind) or (f.channel and entry.channel != f.channel):
        return False
    if not words:
        return True
    text = " " + entry.words
    return all(" " + w in text for w in words)  # each word starts one of the entry's words


class Queries:
    def __init__(self, repo: AbstractRegistrationRepository, store: AbstractScanStore, registers: dict,
                 tz: ZoneInfo, concurrently: Concurrently = in_turn):
        """``concurrently`` overlaps the journal's independent reads by ``_id`` (days, month
        digests, a page's registrations): each is one small read, and a page needs dozens."""
        self.repo, self.store, self.tz, self.concurrently = repo, store, tz, concurrently
        self.registers: list[Register] = list({r.code: r for r in registers.values()}.values())

    def find(self, index: str) -> Optional[Registration]:
        """By the index as issued (its exact text, whatever form it was issued in), else, for
        a follow-up written in a register's current form, by the claim that form names
        (register, case year, number, sequence) and its date. The second way finds a
        follow-up issued in the old form (no case year) under a text another follow-up
        took first (docs/registration-index.md, "Follow-up indexes")."""
        found = self.repo.by_index(index)
        if found is not None:
            return found
        for register in self.registers:
            parsed = register.parse(index)
            if parsed is None or not parsed.seq or parsed.case_year is None:
                continue
            found = self.repo.by_claim(register.code, parsed.case_year, parsed.number, parsed.seq)
            if found is not None and found.registered_at.astimezone(self.tz).date() == parsed.date:
                return found
        return None

    def get(self, index: str) -> Registration:
        found = self.find(index)
        if found is None:
            raise NotFound(f"Няма регистриран документ с индекс {index}.")
        return found

    def case_of(self, registration: Registration) -> Registration:
        """The case a registration belongs to: itself, or the case its follow-up joined."""
        return registration if registration.case_index == registration.index else self.get(registration.case_index)

    def journal(self, f: JournalFilter, after: Optional[str] = None, limit: int = 50) -> JournalPage:
        """A page of the registrations of ``f``, by registration time then index, after the
        cursor of the page before. Each day of the range is one keyed read per register; the
        other filters are applied to the day's small entries (a page reads days until it is
        full, so a rare filter over a long range reads them all: at most 366 days)."""
        registers = self._journal_registers(f)
        start, end = self._local_midnight(f.first), self._local_midnight(f.last + dt.timedelta(days=1))
        cursor = _after(after)
        words = folded_words(f.words or "")
        found: list[JournalEntry] = []
        first_day = max(start, cursor[0] if cursor else start).astimezone(dt.timezone.utc).date()
        last_day = (end - dt.timedelta(microseconds=1)).astimezone(dt.timezone.utc).date()
        days = list(self._journal_days(registers, first_day, last_day, words))
        for batch in _batches(days):  # a few days at once, in order, until the page is full
            read = self.concurrently(*[lambda code=code, day=day: self.repo.journal_day(code, day)
                                       for day, codes in batch for code in codes])
            for entries in _per_day(batch, read):
                found += sorted((e for e in entries if start <= e.registered_at < end
                                 and (cursor is None or e.order > cursor) and _matches(e, f, words)),
                                key=lambda e: e.order)
            if len(found) > limit:
                break
        page = found[:limit]
        items = self.concurrently(*[lambda e=e: self.repo.journal_row(e.register_code, e.year, e.number, e.seq)
                                    for e in page])
        return JournalPage([r for r in items if r is not None], _cursor(page[-1]) if len(found) > limit else None)

    def journal_rows(self, indexes: list[str], f: JournalFilter) -> list[Registration]:
        """The journal's rows of these registrations (each read by its index, the reads
        overlapped), those passing ``f``'s register, kind, channel and words, in the order
        asked; ``f``'s dates are not applied (the caller chose the registrations)."""
        registers = set(self._journal_registers(f))
        words = folded_words(f.words or "")
        found = self.concurrently(*[lambda i=i: self.repo.by_index(i) for i in dict.fromkeys(indexes)])
        return [r for r in found if r is not None and r.register_code in registers
                and not (f.kind and r.command.kind.value != f.kind)
                and not (f.channel and r.command.channel.value != f.channel)
                and all(" " + w in " " + journal_words(r.command.sender.name, r.command.subject) for w in words)]

    def _journal_days(self, registers: list[str], first: dt.date, last: dt.date, words: list[str]):
        """The UTC days to read, each with the registers to read it in: every day, or, for a
        search by words, only those the word digests say have every word: a register's year
        digest for three months of a year or more, else its month digests (and those where
        the year's digest is missing: registrations completed before it existed)."""
        if not words:
            for n in range((last - first).days + 1):
                yield first + dt.timedelta(days=n), registers
            return
        by_year: dict[int, list[int]] = {}
        for year, month in _months(first, last):
            by_year.setdefault(year, []).append(month)
        wide = [(code, y) for code in registers for y, ms in by_year.items() if len(ms) >= YEAR_DIGEST_MONTHS]
        narrow = [(code, y, m) for code in registers for y, ms in by_year.items() if len(ms) < YEAR_DIGEST_MONTHS
                  for m in ms]
        read = self.concurrently(*[lambda w=w: self.repo.journal_year_words(*w) for w in wide],
                                 *[lambda w=w: self.repo.journal_words(*w) for w in narrow])
        having: dict[tuple[str, int, int], int] = {}  # (register, year, month): days with every word, as bits
        late = []  # the months of the year digests that are missing
        for (code, year), digest in zip(wide, read[:len(wide)]):
            if digest is None:
                late += [(code, year, m) for m in by_year[year]]
                continue
            digest = {k: ms for k, ms in digest.items() if any(k.startswith(w) for w in words)}
            for m in by_year[year]:
                having[(code, year, m)] = _days_having({k: ms.get(m, 0) for k, ms in digest.items()}, words)
        months = list(zip(narrow, read[len(wide):]))
        if late:
            months += zip(late, self.concurrently(*[lambda w=w: self.repo.journal_words(*w) for w in late]))
        for key, digest in months:
            having[key] = _days_having({w: _bits(ds) for w, ds in digest.items()}, words)
        days: dict[dt.date, list[str]] = {}
        for (code, year, month), bits in having.items():
            for d in range(1, 32):
                if bits >> d & 1 and first <= (day := dt.date(year, month, d)) <= last:
                    days.setdefault(day, []).append(code)
        yield from sorted(days.items())

    def _journal_registers(self, f: JournalFilter) -> list[str]:
        if f.last < f.first:
            raise Invalid("Крайната дата е преди началната.", errors=[{"field": "to", "message": "Преди началната дата."}])
        if (f.last - f.first).days >= JOURNAL_MAX_DAYS:
            raise Invalid(f"Изберете период до {JOURNAL_MAX_DAYS} дни.",
                          errors=[{"field": "to", "message": f"Периодът е по-дълъг от {JOURNAL_MAX_DAYS} дни."}])
        if f.register is None:
            return [r.code for r in self.registers]
        named = {name: r.code for r in self.registers for name in (r.code, r.prefix)}  # 'complaints' or 'ЖЛБ'
        if f.register not in named:
            raise Invalid(f"Няма регистър {f.register}.", errors=[{"field": "register", "message": "Няма такъв регистър."}])
        return [named[f.register]]

    def _local_midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.tz)

    def scan_url(self, index: str, n: int, actor: str, expires=dt.timedelta(minutes=5)) -> str:
        """A short-lived download address of the ``n``-th scan (audited)."""
        registration = self.get(index)
        if not 1 <= n <= len(registration.scans):
            raise NotFound(f"Документ {index} няма сканиран файл № {n}.")
        self.repo.audit(actor, "download_scan", index, {"scan": n})
        scan = registration.scans[n - 1]
        key = scan.object_key
        if scan.staging_key and not self.store.exists(key):
            key = scan.staging_key  # not moved yet (moments after the registration, or after a crash)
        return self.store.presigned_url(key, expires)
