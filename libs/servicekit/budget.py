"""A budget of bytes held in memory at once by concurrent requests.

Uploads are read into memory to be checked and stored (scans of up to tens of MB). The
number of concurrent workers alone does not bound memory, because sizes differ by three
orders of magnitude; a request that does not fit waits until enough is returned. The
budget is per process, sized below the pod's memory limit.
"""
from __future__ import annotations

import contextlib
import threading


class ByteBudget:
    def __init__(self, total: int):
        if total <= 0:
            raise ValueError("the budget must be positive")
        self.total = self.free = total
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def hold(self, n: int):
        """Hold ``n`` bytes (at most the whole budget) while the block runs."""
        n = max(0, min(n, self.total))
        with self._cond:
            while self.free < n:
                self._cond.wait()
            self.free -= n
        try:
            yield
        finally:
            with self._cond:
                self.free += n
                self._cond.notify_all()
