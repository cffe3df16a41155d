"""Measuring the registry on its own on a machine that runs everything.

`make up` runs the whole system on this machine's cores. In a deployment the registry's
pods do not share CPU with status and notifications, which consume every registration's
events; here they would. So the registry's numbers are taken with those two processes
paused (SIGSTOP, then SIGCONT; only the processes `make up` started, as its supervisord
names them), and the whole pipeline's numbers are taken too, with everything running.
After a pause, `wait_drained` waits until both have consumed what arrived meanwhile.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer

ROOT = Path(__file__).resolve().parents[1]
DOWNSTREAM = ("status", "notifications")
GROUPS = ("status.on_document_registered", "notifications.on_document_registered", "notifications.on_status_changed")


def downstream_pids() -> list[int]:
    """The status and notifications processes that `make up`'s supervisord runs."""
    out = subprocess.run([str(ROOT / ".venv/bin/supervisorctl"), "-c", str(ROOT / "deploy/local/supervisord.conf"), "pid",
                          *(f"services:{name}" for name in DOWNSTREAM)], capture_output=True, text=True, timeout=30)
    return [int(line) for line in out.stdout.split() if line.isdigit() and line != "0"]


@contextlib.contextmanager
def downstream_paused():
    pids = downstream_pids()
    if len(pids) != len(DOWNSTREAM):
        raise RuntimeError(f"expected the status and notifications processes of `make up`, found {pids}")
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def lag(bootstrap: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        total = 0
        for group in GROUPS:
            committed = admin.list_group_offsets(group).get(group, {})
            ends = consumer.end_offsets(list(committed))
            total += sum(max(0, ends[tp] - meta.offset) for tp, meta in committed.items())
        return total
    finally:
        consumer.close()
        admin.close()


def wait_drained(bootstrap: str, timeout_s: float = 300) -> float:
    """Seconds until status and notifications have consumed everything (their lag is 0)."""
    start = time.monotonic()
    while lag(bootstrap) > 0:
        if time.monotonic() - start > timeout_s:
            raise RuntimeError("status and notifications did not catch up in time")
        time.sleep(0.5)
    return round(time.monotonic() - start, 1)
