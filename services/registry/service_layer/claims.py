"""The claim scheduler: gives each registration the next number of its series, gap-free.

A *series* is what numbers are counted in: a register's numbers in a year, or one case's
follow-up sequences. A *claim* is the insert of the registration document under
``<register>:<year>:<number>:<seq>``, the registration's single atomic commit
(docs/registration-index.md, step 4, and "Why there is no gap").

In one process, claims of a series are made one batch at a time: whoever holds the
series' lock claims for every registration queued meanwhile (up to ``max_batch``), with
consecutive numbers in one ordered insert, each document still its own commit. Across
processes only the unique ``_id`` decides: a number another replica took costs a retry.
The next number is one past this process's last claim in the series, or one past the
stored hint when it has none; after a collision it forgets its own and starts from the
hint, which the repository raised past the taken number.

The per-series state (lock, queue, registrations in flight) exists only while a
registration of the series is in flight, and the memory of last numbers keeps only the
current and the previous year of each register: a process that runs for years holds
what its registrations in progress need, not one entry per case ever followed up.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from typing import Callable, Iterator, NamedTuple, Optional

from servicekit.outbox import OutboxMessage

from ..domain.index import Register
from ..domain.registration import Registration
from .errors import ClaimTimedOut, Overloaded
from .ports import ClaimStore, IndexTaken, SubmissionTaken

MAX_CLAIM_ATTEMPTS = 100
MAX_CLAIM_BATCH = 50
# A registration must claim its number within this time of announcing its uploads; the
# outbox relay deletes the uploads of announcements older than twice this.
CLAIM_WINDOW = dt.timedelta(minutes=5)

Slot = tuple[int, int, int]  # (year, number, seq)


@dataclasses.dataclass(frozen=True)
class Draft:
    """A registration before its claim: everything but its number."""

    registration: Registration  # year, number, seq and index still empty
    register: Register
    case: Optional[Registration]  # the case a follow-up joins
    local: dt.datetime  # registered_at in the administration's time zone

    @property
    def series(self) -> tuple:
        """(register code, year) for a case; (register code, case index) for a follow-up."""
        return (self.registration.register_code, self.case.case_index if self.case else self.local.year)

    def numbered(self, slot: Slot) -> Registration:
        """The registration as it would be with that (year, number, seq): its index and the
        index-derived keys of its scans."""
        year, number, seq = slot
        case = self.case
        index = self.register.format(number, self.local.date(), seq,
                                     case.registered_at.astimezone(self.local.tzinfo).date() if case else None)
        return dataclasses.replace(self.registration, year=year, number=number, seq=seq, index=index,
                                   case_index=case.case_index if case else index).with_scan_keys()


class Claimed(NamedTuple):
    registration: Registration
    events: list[OutboxMessage]  # stored with it, in its outbox


class _Ticket:
    """A draft queued for its claim; settled with the claim or the error."""

    def __init__(self, draft: Draft):
        self.draft = draft
        self.done, self.result, self.error = False, None, None

    def settle(self, result: Optional[Claimed] = None, error: Optional[BaseException] = None) -> None:
        self.done, self.result, self.error = True, result, error


class _Series:
    """One series' state in this process, while any of its registrations is in flight."""

    __slots__ = ("lock", "queue", "users")

    def __init__(self):
        self.lock, self.queue, self.users = threading.Lock(), [], 0


class ClaimScheduler:
    """``claim(draft) -> Claimed``: the draft's registration with the next free number of
    its series, inserted with ``events(registration)`` in its outbox."""

    def __init__(self, store: ClaimStore, events: Callable[[Registration], list[OutboxMessage]],
                 clock: Callable[[], dt.datetime], claim_window: dt.timedelta = CLAIM_WINDOW,
                 max_attempts: int = MAX_CLAIM_ATTEMPTS, max_batch: int = MAX_CLAIM_BATCH):
        self.store, self.events, self.clock, self.claim_window = store, events, clock, claim_window
        self.max_attempts, self.max_batch = max_attempts, max_batch
        self._guard = threading.Lock()  # guards the two dicts below and every queue
        self._series: dict[tuple, _Series] = {}
        self._last: dict[tuple[str, int], int] = {}  # this process's last claim per register and year

    # -- the port ---------------------------------------------------------------------
    @contextlib.contextmanager
    def in_flight(self, series: tuple) -> Iterator[Optional[Slot]]:
        """Hold a place in ``series`` from before the upload until after the claim. Yields
        the slot the registration will most likely claim if it is alone in its series in
        this process and the process knows the series' last number (its scans can then be
        uploaded straight to that number's keys), else None."""
        with self._use(series) as state:
            alone = state.users == 1
            last = self._last.get(series) if isinstance(series[1], int) else None
            yield (series[1], last + 1, 0) if alone and last else None

    def claim(self, draft: Draft) -> Claimed:
        """Raises :class:`~.errors.ClaimTimedOut` or :class:`~.errors.Overloaded` (retryable),
        ``SubmissionTaken`` (its submission or request is registered already) or the
        database's error; in every case nothing was claimed for it."""
        ticket = _Ticket(draft)
        with self._use(draft.series) as state:
            with self._guard:
                state.queue.append(ticket)
            while not ticket.done:  # more than a batch may be queued ahead of it
                with state.lock:
                    if not ticket.done:
                        with self._guard:
                            batch, state.queue[:] = state.queue[:self.max_batch], state.queue[self.max_batch:]
                        self._claim_batch(batch)
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def forget(self) -> None:
        """Drop the memory of last numbers (as a new process starts): the next claims start
        from the stored hints."""
        with self._guard:
            self._last.clear()

    # -- inside -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _use(self, series: tuple) -> Iterator[_Series]:
        with self._guard:
            state = self._series.setdefault(series, _Series())
            state.users += 1
        try:
            yield state
        finally:
            with self._guard:
                state.users -= 1
                if state.users == 0 and not state.queue:
                    del self._series[series]

    def _remember(self, register_code: str, year: int, number: int) -> None:
        with self._guard:
            self._last[(register_code, year)] = number
            for code, y in [k for k in self._last if k[0] == register_code and k[1] < year - 1]:
                del self._last[(code, y)]

    def _next_slot(self, draft: Draft) -> Slot:
        """One past this process's last claim, or past the hint (which never runs ahead of
        the claims) when this process has none."""
        if draft.case:
            case = draft.case
            return case.year, case.number, self.store.next_seq(case.case_index)
        code, year = draft.registration.register_code, draft.local.year
        last = self._last.get((code, year))
        return year, (last + 1 if last else self.store.next_number(code, year)), 0

    def _claim_batch(self, batch: list[_Ticket]) -> None:
        pending = list(batch)
        try:
            for _ in range(self.max_attempts):
                pending = [t for t in pending if not self._expired(t)]
                if not pending:
                    return
                first = pending[0].draft
                year, number, seq = self._next_slot(first)
                claims = []
                for i, t in enumerate(pending):  # consecutive numbers (or sequences, in a case)
                    slot = (year, number, seq + i) if t.draft.case else (year, number + i, 0)
                    registration = t.draft.numbered(slot)
                    claims.append(Claimed(registration, self.events(registration)))
                added, error = self._insert(claims)
                for t, claimed in zip(pending[:added], claims[:added]):
                    t.settle(result=claimed)
                code = first.registration.register_code
                if added and not first.case:
                    self._remember(code, claims[added - 1].registration.year, claims[added - 1].registration.number)
                if error is None:
                    return
                if isinstance(error, IndexTaken):  # another replica took it: the insert moved the hint past it
                    with self._guard:
                        self._last.pop((code, claims[added].registration.year), None)
                    pending = pending[added:]
                elif isinstance(error, SubmissionTaken):  # registered already; its number stays free
                    pending[added].settle(error=error)
                    pending = pending[added + 1:]
                else:  # the database failed at this one: those before it are claimed, the rest fail with it
                    for t in pending[added:]:
                        t.settle(error=error)
                    return
            for t in pending:
                t.settle(error=Overloaded("Регистърът е претоварен; опитайте отново."))
        except Exception as exc:  # the database failed: every one not claimed yet fails with it
            for t in pending:
                if not t.done:
                    t.settle(error=exc)

    def _insert(self, claims: list[Claimed]) -> tuple[int, Optional[Exception]]:
        if len(claims) > 1:
            return self.store.claim_many(claims)
        try:
            self.store.claim(*claims[0])
            return 1, None
        except (IndexTaken, SubmissionTaken) as exc:
            return 0, exc

    def _expired(self, t: _Ticket) -> bool:
        if self.clock() - t.draft.registration.registered_at > self.claim_window:
            # The relay may treat announcements older than this as abandoned: claim nothing.
            t.settle(error=ClaimTimedOut("Регистрацията продължи твърде дълго; опитайте отново."))
            return True
        return False
