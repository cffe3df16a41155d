"""Registering a letter with one 200 KB PDF scan through the stack's desk (its form, as a
clerk's browser sends it) and through the registry's API (the clerk token of .local/tokens),
for bench/desk.py: the same letter, the same clerks at once, interleaved rounds."""
from __future__ import annotations

import json
import os
import re
import secrets
import time

import requests

from bench.measure import concurrent

REGISTRY = "http://127.0.0.1:8001"
SCAN_BYTES = 200 * 1024
INDEX = re.compile(r'id="registration-index">([^<]+)<')
METADATA = {"kind": "letter", "channel": "post", "subject": "Бенчмарк на деловодството: писмо с един сканиран файл",
            "sender": {"type": "person", "name": "Бенчмарк Тестов", "preferred_channel": "none"}}


def scan() -> bytes:
    return b"%PDF-1.4\n" + os.urandom(SCAN_BYTES - 9)


def register_api(http: requests.Session, token: str) -> str:
    answer = http.post(f"{REGISTRY}/api/v1/documents", timeout=120,
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(12)},
                       data={"metadata": json.dumps(METADATA, ensure_ascii=False)},
                       files=[("scan", ("scan.pdf", scan(), "application/pdf"))])
    if answer.status_code != 201:
        raise RuntimeError(f"registry: {answer.status_code} {answer.text[:300]}")
    return answer.json()["registration_index"]


def register_desk(clerk) -> str:
    """``clerk``: a signed-in bench.desk.User (its session cookie and CSRF token)."""
    sender = METADATA["sender"]
    form = {"csrf": clerk.csrf, "idempotency_key": secrets.token_hex(12), "kind": METADATA["kind"],
            "channel": METADATA["channel"], "subject": METADATA["subject"], "sender_type": sender["type"],
            "sender_name": sender["name"], "preferred_channel": sender["preferred_channel"], "pages": "1"}
    answer = clerk.http.post(f"{clerk.base}/documents", data=form, timeout=120,
                             files=[("scan", ("scan.pdf", scan(), "application/pdf"))])
    found = INDEX.search(answer.text)
    if answer.status_code != 201 or not found:
        raise RuntimeError(f"desk: {answer.status_code} {answer.text[:300]}")
    return found.group(1)


def compare(clerks: list, token: str, n: int, rounds: int, stats) -> dict:
    """``n`` letters a round each way, ``len(clerks)`` at once; rates, ratio, latencies."""
    apis = [requests.Session() for _ in clerks]
    took: dict[str, list[float]] = {"desk": [], "api": []}
    elapsed: dict[str, list[float]] = {"desk": [], "api": []}

    def batch(way: str, count: int) -> None:
        def one(i: int) -> None:
            started = time.perf_counter()
            if way == "desk":
                register_desk(clerks[i % len(clerks)])
            else:
                register_api(apis[i % len(apis)], token)
            took[way].append(time.perf_counter() - started)

        elapsed[way].append(concurrent(count, len(clerks), one)["seconds"])

    try:
        for way in ("desk", "api"):  # warm every connection both ways (not counted)
            batch(way, len(clerks))
            took[way].clear()
            elapsed[way].clear()
        for r in range(rounds):
            for way in (("desk", "api") if r % 2 == 0 else ("api", "desk")):
                batch(way, n)
    finally:
        for s in apis:
            s.close()
    rates = {way: round(n * len(e) / sum(e), 1) for way, e in elapsed.items()}
    return {"clerks_at_once": len(clerks), "per_round": n, "rounds": rounds, "scan_kb": SCAN_BYTES // 1024,
            "per_second": rates, "desk_over_api": round(rates["desk"] / rates["api"], 2),
            "latency": {way: stats(samples) for way, samples in took.items()},
            "per_round_seconds": {way: [round(s, 2) for s in e] for way, e in elapsed.items()}}
