"""The officials' lists (an official's open cases, those due in a range of days, those running
late), read through the list index (docs/decisions.md, "The officials' lists by index"): the
entries' members are ordered and paged before any case is read, and each candidate is then
read by ``_id`` and kept only if the case, as it is now, still belongs there. The index is a
superset of the truth, so stale members (a case reassigned, answered, extended) drop out here."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Iterator, Optional, Protocol

from delovod_proto.vocabulary import CaseStage
from servicekit import logs

from ..domain import lists
from ..domain.case import TERM_RUNS, Case

Order = tuple[dt.date, str]
log = logging.getLogger(__name__)
PAGE_MAX = 200  # cases per page at most (each is read by _id)


class ListIndex(Protocol):
    def listed(self, keys: list[str]) -> set[str]:
        """The members (``<due date>|<index>``) under the list index's entries ``keys``: a superset."""

    def due_months(self) -> set[str]:
        """The months (``yyyy-mm``) that may hold due entries."""

    def get_many(self, case_indexes: list[str]) -> list[Case]: ...


def cursor(order: Order) -> str:
    return f"{order[0].isoformat()}|{order[1]}"


class CaseLists:
    def __init__(self, repo: ListIndex):
        self.repo = repo

    def assigned(self, username: str, after: Optional[str] = None,
                 limit: int = PAGE_MAX) -> tuple[list[Case], Optional[str]]:
        """``username``'s open cases by due date (those without one last) then index."""
        def keep(c: Case) -> bool:
            return c.official is not None and c.official.username == username and c.stage != CaseStage.CLOSED
        return self.page(self.repo.listed([lists.official_key(username)]), keep, after, limit)

    def due(self, first: dt.date, last: dt.date, after: Optional[str] = None,
            limit: int = PAGE_MAX) -> tuple[list[Case], Optional[str]]:
        """The cases whose term runs and whose due date is in [first, last], by due date then index."""
        months = [lists.due_key(m) for m in lists.months_until(self.repo.due_months(), last, first)]
        return self.page(self.repo.listed(months), lambda c: c.stage in TERM_RUNS, after, limit,
                         lambda o: first <= o[0] <= last)

    def overdue(self, today: dt.date, after: Optional[str] = None,
                limit: int = PAGE_MAX) -> tuple[list[Case], Optional[str]]:
        """The cases whose term runs and whose due date is before ``today``, the oldest due first."""
        months = lists.months_until(self.repo.due_months(), today)
        return self.page(self.repo.listed([lists.due_key(m) for m in months]), lambda c: c.days_overdue(today) > 0,
                         after, limit, lambda o: o[0] < today)

    def late_indexes(self, today: dt.date) -> set[str]:
        """The indexes of every case that may be running late (its due entry's member dated
        before ``today``), no case read: a superset, for narrowing another index's candidates."""
        months = lists.months_until(self.repo.due_months(), today)
        return {index for due, index in _orders(self.repo.listed([lists.due_key(m) for m in months])) if due < today}

    def every_overdue(self, today: dt.date) -> Iterator[Case]:
        """Every case running late, a page at a time (the hourly watch)."""
        after = None
        while True:
            page, after = self.overdue(today, after)
            yield from page
            if after is None:
                return

    def page(self, members: set[str], keep: Callable[[Case], bool], after: Optional[str], limit: int,
             within: Callable[[Order], bool] = lambda o: True) -> tuple[list[Case], Optional[str]]:
        """Up to ``limit`` cases of ``members`` after the cursor ``after``, in their order, each read
        by ``_id`` (a page's worth at a time) and kept if its due date is the member's and ``keep``
        says it belongs; the next page's cursor, or None."""
        since = lists.order(after) if after else None
        candidates = sorted(o for o in _orders(members) if within(o) and (since is None or o > since))
        found, more = verified_page(candidates, self.repo.get_many,
                                    lambda order, c: lists.due_of(c) == order[0] and keep(c), limit)
        return [c for _, c in found], (cursor(found[-1][0]) if more else None)


def verified_page(candidates: list, get_many: Callable[[list[str]], list[Case]],
                  keep: Callable[[tuple, Case], bool], limit: int) -> tuple[list[tuple], bool]:
    """The first ``limit`` of ``candidates`` (ordered ``(order key, case index)`` pairs of an
    index, a superset) whose case, read by ``_id`` a page's worth at a time, ``keep`` confirms:
    ((order, case) pairs, whether candidates remain after the last). Shared by the lists and
    the journal's stage filter (tracker.in_stage)."""
    found: list[tuple] = []
    for start in range(0, len(candidates), limit):
        chunk = candidates[start:start + limit]
        read = {c.case_index: c for c in get_many([index for _, index in chunk])}
        for order in chunk:
            c = read.get(order[1])
            if c is not None and keep(order, c):
                found.append((order, c))
                if len(found) == limit:
                    break
        if len(found) == limit:
            break
    return found, len(found) == limit and found[-1][0] < candidates[-1]


def _orders(members: set[str]) -> Iterator[Order]:
    """Each member's (due date, index); one the index should never hold (written by hand, or a
    case index longer than 100 characters) is logged and passed over, not a 500 for every reader."""
    for m in members:
        try:
            yield lists.order(m)
        except ValueError:
            logs.event(log, "list_member_unreadable", logging.WARNING, member=m[:120])
