"""Measuring the registry on its own on a machine that runs everything.

`make up` runs the whole system on this machine's cores. In a deployment the registry's
pods do not share CPU with status and notifications, which consume every registration's
events; here they would. So the registry's numbers are taken with those two processes
paused (SIGSTOP, then SIGCONT; only the processes `make up` started, found under its
honcho), and the whole pipeline's numbers are taken too, with everything running.
After a pause, `wait_drained` waits until both have consumed what arrived meanwhile.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer

ROOT = Path(__file__).resolve().parents[1]
DOWNSTREAM = ("-m status", "-m notifications")
GROUPS = ("status.on_document_registered", "notifications.on_document_registered", "notifications.on_status_changed")


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = _parent(pid)
    return False


def downstream_pids() -> list[int]:
    """The status and notifications processes under the honcho that `make up` started."""
    honcho = int((ROOT / ".local/run/services.pid").read_text())
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if any(marker in cmdline for marker in DOWNSTREAM) and _descends_from(int(entry), honcho):
                pids.append(int(entry))
        except (OSError, ValueError):
            continue
    return pids


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
