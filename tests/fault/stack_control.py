"""The running local stack as the fault tier sees it: its supervisord (deploy/local),
killing or pausing one of its processes, and waiting until it is whole again."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import stack  # noqa: E402

SERVICES = stack.SERVICES
SERVERS = {name: port for name, (port, _) in stack.SERVERS.items()}
GROUP = {**{n: "infra" for n in SERVERS}, **{n: "services" for n in SERVICES}}


def supervisor():
    return stack.supervisor()


def pids() -> dict[str, int]:
    return {name.split(":")[1]: p.pid for name, p in supervisor().programs().items()}


def kill(name: str) -> int:
    """kill -9 the program's whole process group (supervisord starts each in its own), as a
    crash would: RabbitMQ's node is a child of its start script, and dies with it."""
    pid = pids()[name]
    os.killpg(pid, signal.SIGKILL)
    return pid


def pause(name: str, seconds: float) -> None:
    pid = pids()[name]
    os.killpg(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.killpg(pid, signal.SIGCONT)


def status_after_kill(name: str, killed: int) -> tuple[str, bool]:
    """What `make status` says of a killed process once it has ended (supervisord has
    reaped it: a process of many threads takes a moment to end, and holds its port until
    then), and whether that is true: "running" only for a new process whose port answers."""
    deadline = time.monotonic() + 10
    while pids().get(name) == killed and time.monotonic() < deadline:
        time.sleep(0.05)
    program = supervisor().programs().get(f"{GROUP[name]}:{name}")
    answering = stack.answers(SERVERS.get(name) or SERVICES[name])
    said = stack.verdict(program, answering)
    return said, said != "running" or (answering and program.pid not in (0, killed))


def whole() -> bool:
    """Every server passes `make status`'s own check and every service's /health says ok.
    Not a bare connect to each port: fakesmsc is a client of bearerbox's SMSC port, and a
    probe connecting there reaches bearerbox's fake-SMSC listener, not fakesmsc (and takes
    the link's place); its check reads bearerbox's status page instead."""
    for check in stack.CHECKS.values():
        try:
            check()
        except Exception:
            return False
    for port in SERVICES.values():
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json().get("status") != "ok":
                return False
        except (requests.RequestException, ValueError):
            return False
    return True


def wait_whole(since: float, timeout_s: float) -> float:
    """Seconds from ``since`` (a monotonic time) until the stack is whole, or AssertionError."""
    deadline = since + timeout_s
    while time.monotonic() < deadline:
        if whole():
            return round(time.monotonic() - since, 1)
        time.sleep(0.25)
    raise AssertionError(f"the stack was not whole again {timeout_s:.0f}s after the fault: "
                         + status_text())


def status_text() -> str:
    out = subprocess.run([sys.executable, str(ROOT / "deploy/local/stack.py"), "status"], capture_output=True,
                         text=True, timeout=60)
    return out.stdout + out.stderr


def status_code() -> int:
    return subprocess.run([sys.executable, str(ROOT / "deploy/local/stack.py"), "status"], capture_output=True,
                          timeout=60).returncode
