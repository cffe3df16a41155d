"""Where a paper registration's time goes, step by step.

The registry's use case is composed here exactly as the service composes it (its
bootstrap: the same FerretDB, SeaweedFS, green concurrency), in the benchmark's own
process, with a stopwatch around each step of the critical path. In the same round the
same files are PUT raw and registered over HTTP through the running service, so the
difference between the HTTP registration and the in-process one is what the HTTP
entrypoint (request, multipart, token, metadata, answer) costs, with the work after the
previous answer that runs meanwhile in the service's process.

The steps of one registration, in order (services/registry/service_layer/registrar.py):
inspect (type and SHA-256), announce ∥ duplicate check, upload ∥ lookup keys, claim.
What follows the answer (scans moved if needed, audit, hints, the events published) runs
after it, off the clock, as in the service.
"""
from __future__ import annotations

import collections
import statistics
import time
from typing import Callable

from .measure import rate

STEPS = ("inspect", "announce ∥ duplicate check", "upload ∥ lookup keys", "claim")


def _stopwatch(samples: dict, label: str, f: Callable) -> Callable:
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            samples[label].append(time.perf_counter() - start)
    return timed


def _summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"mean_ms": round(statistics.mean(ordered) * 1000, 2), "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2)}


def paper_steps(n: int, scans: Callable[[], bytes], metadata: str, put_raw: Callable[[int, bytes], object],
                register_http: Callable[[bytes], object]) -> dict:
    from registry.bootstrap import bootstrap
    from registry.domain.commands import RegisterDocument
    from registry.entrypoints.completion import Completer
    from registry.settings import RegistrySettings
    from servicekit.kafka import Publisher, make_producer

    app = bootstrap(RegistrySettings())
    registry, producer = app.registry.registrar, make_producer(app.settings.kit.kafka_bootstrap)
    # what the service does after each answer: complete, publish the events, drop their pointers
    completer = Completer(registry.complete, Publisher(producer).many, app.outbox.mark_published)
    samples: dict[str, list[float]] = collections.defaultdict(list)
    inside = {"phase": 0}
    concurrently = registry.concurrently

    def phases(*calls):  # the use case's two concurrent phases, in the order it makes them
        inside["phase"] += 1
        if inside["phase"] > 2:  # complete(), after the answer
            return concurrently(*calls)
        return _stopwatch(samples, STEPS[inside["phase"]], concurrently)(*calls)

    registry.concurrently = phases
    registry._inspect = _stopwatch(samples, "inspect", registry._inspect)
    registry.claims.claim = _stopwatch(samples, "claim", registry.claims.claim)
    registry.store.put = _stopwatch(samples, "the PUT alone (inside its phase)", registry.store.put)
    cmd = RegisterDocument.model_validate_json(metadata)

    def in_process(data: bytes) -> None:
        inside["phase"] = 0
        start = time.perf_counter()
        done = registry.register(cmd, [("s.pdf", data)], "bench", None)
        answered = time.perf_counter()
        samples["register (whole use case)"].append(answered - start)
        completer.run_batch([done])  # after the answer in the service: not on the clerk's clock
        samples["after the answer, one at a time"].append(time.perf_counter() - answered)

    for _ in range(5):
        in_process(scans())  # warm: connections, the register's number in this process
    files = [scans() for _ in range(n)]
    raw = rate(n, lambda i: put_raw(i, files[i]))
    files = [scans() for _ in range(n)]
    samples.clear()
    rate(n, lambda i: in_process(files[i]))
    files = [scans() for _ in range(n)]
    http = rate(n, lambda i: register_http(files[i]))
    producer.close(timeout=5)
    steps = {label: _summary(values) for label, values in samples.items()}
    http_ms, raw_ms = round(1000 / http["per_second"], 2), round(1000 / raw["per_second"], 2)
    direct_ms = steps["register (whole use case)"]["mean_ms"]
    return {
        "n": n,
        "raw_s3_put_ms": raw_ms,
        "registration_over_http_ms": http_ms,
        "registration_in_process_ms": direct_ms,
        "http_entrypoint_and_the_rest_ms": round(http_ms - direct_ms, 2),
        "steps_in_process": steps,
        "ratio_over_http": round(http["per_second"] / raw["per_second"], 3),
        "ratio_in_process": round(raw_ms / direct_ms, 3),
        "what": "the registry's use case composed as the service composes it, in the benchmark's process, "
                "with a stopwatch per step (what follows the answer is done off the clock, as in the service); the "
                "same files PUT raw and registered over HTTP in the same round "
                "(bench/breakdown.py)",
    }
