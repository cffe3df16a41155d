"""Limits guessing of access codes on the public lookup: an 8-digit code is only as
strong as the number of tries allowed. Failures are counted per case index and per
client address in a sliding window; past the limit the lookup answers 429 until the
window has passed. Per process (each replica limits on its own): defence in depth, not
a substitute for a rate limit at the ingress."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable


class TooManyAttempts(Exception):
    """Too many failed lookups; ``retry_after_s`` says when to try again."""

    def __init__(self, retry_after_s: int):
        super().__init__("Твърде много неуспешни опити. Опитайте отново по-късно.")
        self.retry_after_s = retry_after_s


class LookupGuard:
    def __init__(self, per_index: int = 10, per_client: int = 30, window_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limits = {"index": per_index, "client": per_client}
        self.window_s, self.clock = window_s, clock
        self._failures: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, index: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` if either key has used up its failures."""
        now = self.clock()
        with self._lock:
            for kind, key in self._keys(index, client):
                failures = self._recent((kind, key), now)
                if len(failures) >= self.limits[kind]:
                    raise TooManyAttempts(int(failures[0] + self.window_s - now) + 1)

    def failed(self, index: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(index, client):
                self._recent(key, now).append(now)

    @staticmethod
    def _keys(index: str, client: str) -> list[tuple[str, str]]:
        """No client (an RPC caller such as the portal, which authenticates its users):
        only the index is limited."""
        return [("index", index)] + ([("client", client)] if client else [])

    def _recent(self, key: tuple[str, str], now: float) -> deque:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
            failures = self._failures[key]
        return failures
