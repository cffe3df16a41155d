"""One supervisord for the local stack: start it (or take over the one running), start
programs in it, read their states, shut it down. Talks to supervisord over its unix
control socket with supervisor's own XML-RPC transport (what supervisorctl uses).

Why supervisord: it restarts a process that dies and leaves its siblings running (honcho
stopped them all), and it backs off: a process that dies within ``startsecs`` of its
start waits 1 s, 2 s, 3 s, ... before each next try (circus's flapping plugin waits a
fixed ``retry_in`` instead).
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from supervisor.xmlrpc import Faults, SupervisorTransport

#: supervisord's process states in which the process exists (or is about to).
ALIVE_STATES = ("STARTING", "RUNNING", "BACKOFF")


class SupervisorError(Exception):
    """supervisord could not be started, reached or stopped."""


@dataclass(frozen=True)
class Program:
    name: str  # group:program
    state: str  # STOPPED STARTING RUNNING BACKOFF STOPPING EXITED FATAL UNKNOWN
    pid: int
    since: float  # when it entered a running state (0 if never)


def _alive(pid: int) -> bool:
    """The process exists and has not ended (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] not in "ZX"
    except OSError:
        return False


class Supervisor:
    def __init__(self, conf: Path, socket: Path, pidfile: Path, log: Path, env: dict | None = None):
        self.conf, self.socket, self.pidfile, self.log, self.env = conf, socket, pidfile, log, env

    # -- reading ------------------------------------------------------------------------
    def pid(self) -> int | None:
        """supervisord's pid if that process is alive."""
        try:
            pid = int(self.pidfile.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()  # a stale file may name a reused pid
        except (OSError, ValueError):
            return None
        return pid if b"supervisord" in cmdline else None

    def _rpc(self):
        transport = SupervisorTransport(None, None, serverurl=f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def state(self) -> str | None:
        """supervisord's own state (RUNNING, SHUTDOWN, ...), or None if it does not answer."""
        try:
            return self._rpc().supervisor.getState()["statename"]
        except (OSError, xmlrpc.client.Error):
            return None

    def programs(self) -> dict[str, Program]:
        """Every program's state, by its ``group:name``; empty when supervisord does not answer."""
        try:
            infos = self._rpc().supervisor.getAllProcessInfo()
        except (OSError, xmlrpc.client.Error):
            return {}
        return {f"{i['group']}:{i['name']}": Program(f"{i['group']}:{i['name']}", i["statename"], i["pid"], i["start"])
                for i in infos}

    # -- acting -------------------------------------------------------------------------
    def ensure_running(self, wait_old_s: float = 120, start_s: float = 20) -> str:
        """Take over a supervisord that runs, or start one. One that is shutting down (or no
        longer answers) is waited for first: a new one cannot bind the same socket.
        Returns "took over" or "started"."""
        if self.pid() and self.state() == "RUNNING":
            return "took over"
        self._wait_gone(wait_old_s)
        self.socket.parent.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as out:
            proc = subprocess.Popen(["supervisord", "-c", str(self.conf)], env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + start_s
        while time.monotonic() < deadline:
            if self.state() == "RUNNING":
                return "started"
            if proc.poll() is not None:
                raise SupervisorError(f"supervisord exited ({proc.returncode}); see {self.log}")
            time.sleep(0.1)
        raise SupervisorError(f"supervisord did not answer on {self.socket} in {start_s:.0f}s; see {self.log}")

    def _wait_gone(self, timeout_s: float) -> None:
        """Wait until supervisord's process has ended (it removes its pid file a moment
        before it is gone, so the process itself is watched)."""
        pid = self.pid()
        deadline = time.monotonic() + timeout_s
        while pid and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid and _alive(pid):
            raise SupervisorError(f"the previous supervisord (pid {pid}) is still stopping after {timeout_s:.0f}s")

    def start(self, names: list[str]) -> None:
        """Start these programs (``group:name``) without waiting; one already alive is left as it is."""
        rpc = self._rpc()
        for name in names:
            try:
                rpc.supervisor.startProcess(name, False)
            except xmlrpc.client.Fault as fault:
                if fault.faultCode != Faults.ALREADY_STARTED:
                    raise SupervisorError(f"cannot start {name}: {fault.faultString}") from fault

    def shutdown(self, timeout_s: float = 90) -> int | None:
        """Stop every program and supervisord itself; wait until it is gone. Returns its pid."""
        pid = self.pid()
        if pid is None:
            return None
        try:
            self._rpc().supervisor.shutdown()
        except (OSError, xmlrpc.client.Error):
            os.kill(pid, signal.SIGTERM)  # not answering: the signal asks the same
        try:
            self._wait_gone(timeout_s)
        except SupervisorError:
            os.kill(pid, signal.SIGKILL)
            raise
        return pid
