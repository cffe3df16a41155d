"""Timing helpers: throughput and latency percentiles of real operations."""
from __future__ import annotations

import statistics
import time
from typing import Callable

import eventlet


def rate(n: int, op: Callable[[int], object]) -> dict:
    """Run ``op(i)`` n times sequentially; operations per second."""
    start = time.perf_counter()
    for i in range(n):
        op(i)
    elapsed = time.perf_counter() - start
    return {"n": n, "seconds": round(elapsed, 3), "per_second": round(n / elapsed, 1)}


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.50) * 1000, 1), "p99_ms": round(pick(0.99) * 1000, 1),
            "mean_ms": round(statistics.mean(ordered) * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def concurrent(n: int, workers: int, op: Callable[[int], object]) -> dict:
    """n operations by ``workers`` green threads; throughput and latency percentiles."""
    latencies: list[float] = []

    def timed(i):
        t = time.perf_counter()
        op(i)
        latencies.append(time.perf_counter() - t)

    pool = eventlet.GreenPool(workers)
    start = time.perf_counter()
    for i in range(n):
        pool.spawn_n(timed, i)
    pool.waitall()
    elapsed = time.perf_counter() - start
    return {"n": n, "concurrency": workers, "seconds": round(elapsed, 3),
            "per_second": round(n / elapsed, 1), **percentiles(latencies)}
