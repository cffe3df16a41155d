"""Failed sign-ins counted in a sliding window per username and client, per username from all
clients together (against guessing one account's password from many addresses; higher, so
that one person mistyping does not lock a colleague out) and per client (against trying many
usernames), as status counts citizens' lookups.

Kept in the process's memory: the desk runs as one process per site, a restart forgiving
at most one window of failures is acceptable, and the directory has its own lockout policy
for the accounts themselves. (Several replicas would move this into the desk's database, as
status does with its lookup attempts.)"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable


class TooManyFailures(Exception):
    def __init__(self, retry_after_s: int):
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


class FailureThrottle:
    def __init__(self, per_username_and_client: int, per_username: int, per_client: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic):
        self.limits = {"user+client": per_username_and_client, "user": per_username, "client": per_client}
        self.window_s, self.clock = window_s, clock
        self._failures: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, username: str, client: str):
        return [("user+client", f"{username.lower()} {client}"), ("user", username.lower()), ("client", client)]

    def _recent(self, key, now: float) -> deque:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def check(self, username: str, client: str) -> None:
        """TooManyFailures when either limit is reached: the directory is not even asked."""
        now = self.clock()
        with self._lock:
            for key in self._keys(username, client):
                failures = self._recent(key, now)
                if len(failures) >= self.limits[key[0]]:
                    raise TooManyFailures(max(1, int(failures[0] + self.window_s - now) + 1))

    def failed(self, username: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(username, client):
                self._recent(key, now).append(now)

    def sweep(self) -> None:
        """Forget keys with no failure left in the window (memory stays bounded)."""
        now = self.clock()
        with self._lock:
            for key in [k for k in self._failures if not self._recent(k, now)]:
                del self._failures[key]
