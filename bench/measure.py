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


def paced(n: int, workers: int, interval_s: float, op: Callable[[int, int], object]) -> dict:
    """``workers`` clients, each starting a request every ``interval_s`` (after the previous
    one ended, if it ran longer), starts spread over the first interval: an offered load of
    workers / interval_s per second, as people who each search and then read, rather than
    a saturating loop. ``op(worker, i)``; n operations in all; latency percentiles."""
    import random

    latencies: list[float] = []
    per_worker = max(1, n // workers)

    def client(w):
        eventlet.sleep(random.uniform(0, interval_s))
        for i in range(per_worker):
            t = time.perf_counter()
            op(w, i)
            took = time.perf_counter() - t
            latencies.append(took)
            eventlet.sleep(max(0.0, interval_s - took))

    pool = eventlet.GreenPool(workers)
    start = time.perf_counter()
    for w in range(workers):
        pool.spawn_n(client, w)
    pool.waitall()
    elapsed = time.perf_counter() - start
    return {"n": len(latencies), "concurrency": workers, "interval_s": interval_s,
            "offered_per_second": round(workers / interval_s, 1), "seconds": round(elapsed, 3),
            **percentiles(latencies)}
