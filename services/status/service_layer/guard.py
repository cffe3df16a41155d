"""Limits guessing of access codes on the public lookup: an 8-digit code is only as
strong as the number of tries allowed. Failures are counted per case index and client
address together, per client address, and per case index from everywhere; past a limit the
lookup answers 429 until enough time has passed. The limit per index alone is high (100 in
15 minutes: guessing one code of 10^8 would take years) and the one per index and client
low, so that one person's typos, or someone who knows an index and keeps guessing, lock that
case for them and not for its citizen; the client is the one the ingress saw (settings:
``trusted_proxies``), not the ingress itself.

The counts live in a store shared by every replica (MongoDB in production), so running
more replicas does not multiply the tries an attacker gets. Counting is a sliding-window
estimate over two fixed windows (the current count plus the previous window's count
weighted by how much of it still overlaps the sliding window): two small counters per
key, incremented with one atomic ``$inc``, instead of a log of every failure. It is
defence in depth, not a substitute for a rate limit at the ingress.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable, Protocol


class TooManyAttempts(Exception):
    """Too many failed lookups; ``retry_after_s`` says when to try again."""

    def __init__(self, retry_after_s: int):
        super().__init__("Твърде много неуспешни опити. Опитайте отново по-късно.")
        self.retry_after_s = retry_after_s


class AbstractAttemptStore(Protocol):
    def counts(self, ids: list[str]) -> dict[str, int]:
        """Failure counts by counter id (absent ids count 0)."""

    def add(self, ids: list[str], expires_at: float) -> None:
        """Add one failure to each counter; they may be forgotten after ``expires_at`` (epoch s)."""


class InMemoryAttemptStore:
    """One process's counters (tests, a single replica)."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self.clock = clock

    def counts(self, ids: list[str]) -> dict[str, int]:
        with self._lock:
            return {i: self._counts[i][0] for i in ids if i in self._counts}

    def add(self, ids: list[str], expires_at: float) -> None:
        with self._lock:
            now = self.clock()
            for key in [k for k, (_, exp) in self._counts.items() if exp < now]:
                del self._counts[key]
            for i in ids:
                self._counts[i] = (self._counts.get(i, (0, 0.0))[0] + 1, expires_at)


class LookupGuard:
    def __init__(self, per_index: int = 100, per_client: int = 30, window_s: float = 900.0,
                 clock: Callable[[], float] = time.time, store: AbstractAttemptStore | None = None,
                 per_index_and_client: int = 10):
        self.limits = {"index": per_index, "client": per_client, "pair": per_index_and_client}
        self.window_s, self.clock = window_s, clock
        self.store = store or InMemoryAttemptStore(clock)

    def check(self, index: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` if either key has used up its failures."""
        now = self.clock()
        window, into = divmod(now, self.window_s)
        keys = self._keys(index, client)
        ids = [self._id(kind, key, w) for kind, key in keys for w in (window, window - 1)]
        counts = self.store.counts(ids)
        for kind, key in keys:
            current, previous = (counts.get(self._id(kind, key, w), 0) for w in (window, window - 1))
            if current + previous * (1 - into / self.window_s) >= self.limits[kind]:
                raise TooManyAttempts(math.ceil(self.window_s - into) + 1)

    def failed(self, index: str, client: str) -> None:
        now = self.clock()
        window = now // self.window_s
        self.store.add([self._id(kind, key, window) for kind, key in self._keys(index, client)],
                       expires_at=(window + 2) * self.window_s)

    def sweep(self) -> None:
        """Forget expired counters, where the store keeps them until told (the database)."""
        sweep = getattr(self.store, "sweep", None)
        if sweep is not None:
            sweep(self.clock())

    @staticmethod
    def _keys(index: str, client: str) -> list[tuple[str, str]]:
        """No client (an RPC caller such as the portal, which authenticates its users):
        only the index is limited."""
        return [("index", index)] + ([("client", client), ("pair", f"{client} {index}")] if client else [])

    @staticmethod
    def _id(kind: str, key: str, window: float) -> str:
        return f"{kind}:{int(window)}:{key}"
