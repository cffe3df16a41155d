"""The local stack's supervisor (deploy/local/supervise.py, supervisord.conf, stack.py):
a real supervisord running toy programs that listen on loopback ports of their own."""
from __future__ import annotations

import configparser
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import stack  # noqa: E402
from supervise import Supervisor  # noqa: E402

TOY = textwrap.dedent("""\
    import signal, socket, sys, time
    port, delay, log, term_s = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    with open(log, "a") as f:
        f.write(f"{time.time()}\\n")
    signal.signal(signal.SIGTERM, lambda *a: (time.sleep(term_s), sys.exit(0)))
    if port < 0:
        sys.exit(1)  # dies at once: a process that cannot start
    time.sleep(delay)  # a slow start: the port answers only after this
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    while True:
        server.accept()[0].close()
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def program(name: str, port: int, tmp: Path, delay: float = 0, term_s: float = 0, startsecs: int = 1,
            command: str = "") -> str:
    command = command or f"{sys.executable} {tmp / 'toy.py'} {port} {delay} {tmp / (name + '.starts')} {term_s}"
    return textwrap.dedent(f"""\
        [program:{name}]
        command = {command}
        autostart = false
        autorestart = true
        startsecs = {startsecs}
        startretries = 100
        stopasgroup = true
        killasgroup = true
        stopwaitsecs = 10
        redirect_stderr = true
        stdout_logfile = {tmp / (name + '.log')}
        """)


@pytest.fixture
def toy(tmp_path):
    """A supervisord of this test's own (unix socket in tmp_path), shut down afterwards."""
    (tmp_path / "toy.py").write_text(TOY)
    made = []

    def make(*programs: str) -> Supervisor:
        sock = tmp_path / "s.sock"
        (tmp_path / "supervisord.conf").write_text(textwrap.dedent(f"""\
            [unix_http_server]
            file = {sock}
            [supervisord]
            nodaemon = true
            silent = true
            logfile = {tmp_path / 'supervisord.log'}
            pidfile = {tmp_path / 'supervisord.pid'}
            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
            [group:toys]
            programs = {','.join(p.split(']')[0].split(':')[1] for p in programs)}
            """) + "\n".join(programs))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        sup = Supervisor(tmp_path / "supervisord.conf", sock, tmp_path / "supervisord.pid", tmp_path / "out.log", env)
        made.append(sup)
        return sup

    yield make
    for sup in made:
        if sup.pid():
            sup.shutdown(timeout_s=30)


def until(probe, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} not within {timeout_s}s")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_a_killed_process_is_restarted_and_its_sibling_keeps_running(toy, tmp_path):
    a, b = free_port(), free_port()
    sup = toy(program("a", a, tmp_path), program("b", b, tmp_path))
    assert sup.ensure_running() == "started"
    sup.start(["toys:a", "toys:b"])
    until(lambda: stack.answers(a) and stack.answers(b), 10, "both answer")
    before = sup.programs()
    os.kill(before["toys:a"].pid, signal.SIGKILL)
    until(lambda: sup.programs()["toys:a"].pid not in (0, before["toys:a"].pid) and stack.answers(a), 10, "a again")
    after = sup.programs()
    assert after["toys:b"].pid == before["toys:b"].pid and after["toys:b"].state == "RUNNING"
    assert len((tmp_path / "b.starts").read_text().split()) == 1


def test_a_process_that_keeps_dying_at_start_is_retried_after_growing_waits(toy, tmp_path):
    # startsecs well above supervisord's 1 s tick, as in supervisord.conf: with startsecs=1 it
    # may see a process that died at once as "stayed up 1 s" and restart it without waiting
    sup = toy(program("broken", -1, tmp_path, startsecs=3))
    sup.ensure_running()
    sup.start(["toys:broken"])
    starts = until(lambda: (s := [float(x) for x in (tmp_path / "broken.starts").read_text().split()]) if (
        tmp_path / "broken.starts").exists() and len((tmp_path / "broken.starts").read_text().split()) >= 4 else None,
        60, "four starts")  # 1 + 2 + 3 s of backoff, plus four starts on a loaded machine
    waits = [b - a for a, b in zip(starts, starts[1:])][:3]
    assert waits[0] >= 0.9 and waits[1] >= 1.9 and waits[2] >= 2.9, waits  # 1 s, 2 s, 3 s: it backs off
    assert sup.programs()["toys:broken"].state == "BACKOFF"
    assert stack.verdict(sup.programs()["toys:broken"], False) == "backoff"


def test_status_does_not_say_running_three_seconds_after_a_kill(toy, tmp_path):
    port = free_port()
    sup = toy(program("slow", port, tmp_path, delay=5))  # like Kafka: some seconds until its port answers
    sup.ensure_running()
    sup.start(["toys:slow"])
    until(lambda: stack.answers(port), 15, "first start")
    assert stack.verdict(sup.programs()["toys:slow"], stack.answers(port)) == "running"
    os.kill(sup.programs()["toys:slow"].pid, signal.SIGKILL)
    time.sleep(3)
    word = stack.verdict(sup.programs()["toys:slow"], stack.answers(port))
    assert word != "running" and word in ("starting", "not answering", "backoff"), word


def test_up_during_a_slow_shutdown_waits_for_it_then_starts_afresh(toy, tmp_path):
    port = free_port()
    sup = toy(program("stubborn", port, tmp_path, term_s=3))  # takes 3 s to stop
    sup.ensure_running()
    sup.start(["toys:stubborn"])
    until(lambda: stack.answers(port), 10, "started")
    old_supervisor, old_program = sup.pid(), sup.programs()["toys:stubborn"].pid
    sup._rpc().supervisor.shutdown()  # `make down` of another shell, still under way
    began = time.monotonic()
    assert sup.ensure_running() == "started"
    assert time.monotonic() - began >= 2  # it waited for the old one to end
    assert sup.pid() != old_supervisor and not alive(old_program)
    sup.start(["toys:stubborn"])
    until(lambda: stack.answers(port), 10, "started again")


def test_up_takes_over_a_running_supervisor(toy, tmp_path):
    sup = toy(program("a", free_port(), tmp_path))
    sup.ensure_running()
    pid = sup.pid()
    assert sup.ensure_running() == "took over" and sup.pid() == pid


def test_down_stops_exactly_the_started_processes_and_their_children(toy, tmp_path):
    port = free_port()
    child_file = tmp_path / "child.pid"
    (tmp_path / "parent.sh").write_text(f"sleep 300 & echo $! > {child_file}\nexec {sys.executable} {tmp_path/'toy.py'} "
                                        f"{port} 0 {tmp_path/'p.starts'} 0\n")
    conf = program("p", port, tmp_path, command=f"/bin/sh {tmp_path / 'parent.sh'}")
    bystander = os.fork()
    if bystander == 0:  # a process of the same user the supervisor did not start
        time.sleep(60)
        os._exit(0)
    try:
        sup = toy(conf)
        sup.ensure_running()
        sup.start(["toys:p"])
        until(lambda: stack.answers(port) and child_file.exists() and child_file.read_text().strip(), 10, "p and child")
        pids = [sup.programs()["toys:p"].pid, int(child_file.read_text()), sup.pid()]
        sup.shutdown(timeout_s=30)
        assert not any(alive(p) for p in pids) and not stack.answers(port)
        assert alive(bystander)
    finally:
        os.kill(bystander, signal.SIGKILL)
        os.waitpid(bystander, 0)


def test_the_checked_in_configuration_restarts_backs_off_and_stays_on_loopback():
    conf = configparser.RawConfigParser()
    conf.read(ROOT / "deploy" / "local" / "supervisord.conf")
    assert "inet_http_server" not in conf and conf["unix_http_server"]["file"].endswith("/.local/run/supervisor.sock")
    programs = {s.split(":")[1]: conf[s] for s in conf.sections() if s.startswith("program:")}
    assert set(programs) == set(stack.SERVERS) | set(stack.SERVICES) | set(stack.RECEIVERS)
    groups = {g: set(conf[f"group:{g}"]["programs"].split(",")) for g in ("infra", "services")}
    assert groups == {"infra": set(stack.SERVERS), "services": set(stack.SERVICES) | set(stack.RECEIVERS)}
    for name, p in programs.items():
        assert p["autostart"] == "false" and p["autorestart"] == "true", name  # stack.py orders the starts
        assert int(p["startsecs"]) >= 3 and int(p["startretries"]) >= 100, name
        assert p["stopasgroup"] == p["killasgroup"] == "true", name
        assert p["stdout_logfile"] == "%(here)s/../../.local/log/%(program_name)s.log", name
    for name in [*stack.SERVICES, *stack.RECEIVERS]:
        assert int(programs[name]["startsecs"]) >= 10, name  # a crash in its first seconds backs off


def test_a_stale_pid_file_does_not_count_as_a_running_supervisor(tmp_path):
    (tmp_path / "supervisord.pid").write_text(str(os.getpid()))  # alive, but not a supervisord
    sup = Supervisor(tmp_path / "c.conf", tmp_path / "s.sock", tmp_path / "supervisord.pid", tmp_path / "o.log")
    assert sup.pid() is None and sup.state() is None and sup.programs() == {}


def test_verdict_says_running_only_when_it_answers():
    from supervise import Program

    assert stack.verdict(Program("x", "RUNNING", 1, 1.0), True) == "running"
    assert stack.verdict(Program("x", "RUNNING", 1, 1.0), False) == "not answering"
    assert stack.verdict(Program("x", "STARTING", 1, 1.0), False) == "starting"
    assert stack.verdict(Program("x", "FATAL", 0, 0), False) == "fatal"
    assert stack.verdict(None, False) == "stopped"


def test_weed_starts_from_a_checkout_under_tmp(tmp_path):
    """A CI clone often lives under /tmp: the private /tmp that deploy/local/weed.sh gives
    SeaweedFS must not hide the checkout (its venv's `weed`, its data dir). Seen: a clean
    clone in /tmp whose S3 never started ("exec: weed: not found", exit 127)."""
    if os.geteuid() != 0:
        pytest.fail("run as root (CI and `make test` do): the private /tmp is only made as root")
    checkout = tmp_path / "clone"
    (checkout / ".venv" / "bin").mkdir(parents=True)
    fake = checkout / ".venv" / "bin" / "weed"
    # by its absolute path, as weed makes its -dir absolute (a hidden checkout fails here)
    fake.write_text('#!/bin/sh\necho "$@" > "$(pwd -P)/.local-args"\n')
    fake.chmod(0o755)
    script = Path(__file__).resolve().parents[2] / "deploy" / "local" / "weed.sh"
    done = subprocess.run(["sh", str(script), "mini", "-dir=.local/data/s3"], cwd=checkout, capture_output=True,
                          text=True, timeout=30, env={**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert (checkout / ".local-args").read_text().split() == ["mini", "-dir=.local/data/s3"]
