"""The journal's settled days and digests, kept in this process for a short while.

A journal page reads day documents and word digests by ``_id``; the desk's users ask the same
past days and months again and again (a page, its next page, the CSV). A day, month or year
that ended more than ``settle`` ago (twice the claim window: every registration of it has been
completed, or the relay's repair has) no longer changes except by a late repair or the
operator's backfill, so its read is kept for ``ttl``:

- this process's own completions drop the periods they wrote at once;
- another replica's completion (or a repair, or the backfill) is seen at most ``ttl`` later:
  nothing here is shared between replicas, and no entry lives longer than ``ttl``;
- today, and any period not settled yet, is always read from the database.

At most ``size`` reads are kept (the least recently used go first). A page's rows (each
registration by its claim) are kept too, up to ``rows`` of them: what the journal shows of a
registration is fixed at its claim (the access code, which a reissue changes, is never read
from here)."""
from __future__ import annotations

import dataclasses

import datetime as dt
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Sequence

from .claims import CLAIM_WINDOW

UTC = dt.timezone.utc


class JournalCache:
    """The repository itself for every call, with its journal reads kept as above."""

    def __init__(self, repo, ttl: dt.timedelta, size: int = 512, rows: int = 5000, settle: dt.timedelta = 2 * CLAIM_WINDOW,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic):
        self._repo, self.ttl_s, self.size, self.rows, self.settle = repo, ttl.total_seconds(), size, rows, settle
        self.clock, self.monotonic = clock, monotonic
        self._kept: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._rows: OrderedDict[tuple, Any] = OrderedDict()  # claim -> the registration as the journal shows it
        self._lock = threading.Lock()
        self._drops = 0  # a read that overlapped a completion's drop is not kept (it may predate the write)

    def __getattr__(self, name):  # every other port method, unchanged
        return getattr(self._repo, name)

    def journal_day(self, register_code: str, day: dt.date):
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), UTC)
        return self._read(("day", register_code, day), end, lambda: self._repo.journal_day(register_code, day))

    def journal_words(self, register_code: str, year: int, month: int):
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        return self._read(("month", register_code, year, month), end,
                          lambda: self._repo.journal_words(register_code, year, month))

    def journal_year_words(self, register_code: str, year: int):
        return self._read(("year", register_code, year), dt.datetime(year + 1, 1, 1, tzinfo=UTC),
                          lambda: self._repo.journal_year_words(register_code, year))

    def journal_row(self, register_code: str, year: int, number: int, seq: int):
        """Kept without a time limit (what the journal shows of a registration never changes
        after its claim), until ``rows`` others were asked after it; a claim not found is
        not kept (it may be completed a moment later)."""
        key = (register_code, year, number, seq)
        with self._lock:
            if key in self._rows:
                self._rows.move_to_end(key)
                return self._rows[key]
        found = self._repo.journal_row(register_code, year, number, seq)
        if found is not None:
            # a copy without the access code's hash (it changes on a reissue, and no journal
            # reader needs it): nothing cached can be used to check a code
            found = dataclasses.replace(found, access_code_hash="")
            with self._lock:
                self._rows[key] = found
                while len(self._rows) > self.rows:
                    self._rows.popitem(last=False)
        return found

    def complete(self, registrations: Sequence) -> None:
        try:
            self._repo.complete(registrations)
        finally:  # written, or maybe half-written: read them again either way
            self._drop(registrations)

    def _read(self, key: tuple, end: dt.datetime, read: Callable[[], Any]):
        if self.clock() - end < self.settle:
            return read()
        now = self.monotonic()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] > now:
                self._kept.move_to_end(key)
                return kept[1]
            drops = self._drops
        value = read()
        with self._lock:
            if drops != self._drops:
                return value
            self._kept[key] = (now + self.ttl_s, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def _drop(self, registrations: Sequence) -> None:
        with self._lock:
            self._drops += 1
            for r in registrations:
                at = r.registered_at.astimezone(UTC)
                for key in (("day", r.register_code, at.date()), ("month", r.register_code, at.year, at.month),
                            ("year", r.register_code, at.year)):
                    self._kept.pop(key, None)
