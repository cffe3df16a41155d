"""The local stack: install what is missing, start real servers and the four services
under honcho, report each as it becomes ready, stop exactly what was started.

    python deploy/local/stack.py up | down | status

Run through ``make up`` / ``make down`` (the venv must exist). Servers bind to
127.0.0.1; data lives in .local/ so a second ``up`` finds it all again.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
RUN, LOG = LOCAL / "run", LOCAL / "log"
VENV_BIN = ROOT / ".venv" / "bin"
sys.path[:0] = [str(ROOT / "proto"), str(ROOT / "libs"), str(ROOT / "services")]

SERVERS = {  # name: (port, what it is)
    "epmd": (4369, "Erlang port mapper for RabbitMQ"),
    "rabbitmq": (5672, "RabbitMQ (nameko RPC)"),
    "kafka": (9092, "Apache Kafka (KRaft, one node)"),
    "ferretdb": (27017, "FerretDB on SQLite (MongoDB wire protocol)"),
    "s3": (8333, "SeaweedFS S3"),
    "smtp": (8025, "SMTP (aiosmtpd, Maildir in .local/mail)"),
    "traces": (4318, "OTLP/HTTP trace sink (.local/traces/spans.jsonl)"),
}
SERVICES = {"catalogue": 8004, "registry": 8001, "status": 8002, "notifications": 8003}
S3_KEYS = {"AWS_ACCESS_KEY_ID": "delovod-local", "AWS_SECRET_ACCESS_KEY": "delovod-local-secret"}


class StackError(Exception):
    """One clear line for the user: what is wrong and what to do."""


def say(msg: str) -> None:
    print(f"[delovod] {msg}", flush=True)


def answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{VENV_BIN}{os.pathsep}{e.get('PATH', '')}"
    e["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("proto", "libs", "services"))
    e.update(S3_KEYS)
    e.update({"RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": "5672",
              "RABBITMQ_NODENAME": "delovod@localhost", "RABBITMQ_DIST_PORT": "25672",
              "ERL_EPMD_ADDRESS": "127.0.0.1", "ERL_EPMD_PORT": "4369",
              "RABBITMQ_MNESIA_BASE": str(LOCAL / "data" / "rabbitmq"),
              "RABBITMQ_LOG_BASE": str(LOG / "rabbitmq"),
              "RABBITMQ_PID_FILE": str(LOCAL / "data" / "rabbitmq" / "beam.pid"),
              "ERL_CRASH_DUMP": str(LOG / "erl_crash.dump"),
              "RABBITMQ_SERVER_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}"})
    # Debian's /usr/sbin/rabbitmq-server re-executes itself through `su rabbitmq`, which
    # leaves our process group; its inner script runs the node as the current user.
    inner = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    e["DELOVOD_RABBITMQ_SERVER"] = str(inner) if inner.exists() else "rabbitmq-server"
    e.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    e.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    e.setdefault("OTEL_BSP_SCHEDULE_DELAY", "500")
    e.setdefault("OTEL_METRICS_EXPORTER", "none")
    e.setdefault("OTEL_LOGS_EXPORTER", "none")
    return e


# -- installing what is missing ---------------------------------------------------------
def need(tool: str, hint: str) -> None:
    if shutil.which(tool) is None:
        raise StackError(f"`{tool}` is missing: {hint}")


def run(cmd: list, what: str, cwd: Path = ROOT) -> None:
    LOG.mkdir(parents=True, exist_ok=True)
    logfile = LOG / f"install-{what}.log"
    with logfile.open("w") as out:
        code = subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env())
    if code != 0:
        raise StackError(f"{what} failed (exit {code}); see {logfile.relative_to(ROOT)}")


def install_rabbitmq() -> None:
    # /usr/sbin is not on every PATH (nor in this project's CI); the package's own script is
    if shutil.which("rabbitmq-server") or Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists() or answers(5672):
        return
    if os.geteuid() != 0:
        raise StackError("RabbitMQ is missing: run `sudo apt-get install -y rabbitmq-server`, then `make up` again")
    say("installing rabbitmq-server (apt-get, once)...")
    run(["apt-get", "update", "-q"], "apt-update")
    run(["apt-get", "install", "-y", "-q", "rabbitmq-server"], "apt-rabbitmq")
    # The package may start a system node (where an init system runs); ours runs under
    # honcho with its data in .local. Containers often have neither `service` nor a node.
    if shutil.which("service"):
        subprocess.call(["service", "rabbitmq-server", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build_ferretdb() -> None:
    binary = LOCAL / "bin" / "ferretdb"
    src = ROOT / "deploy" / "local" / "ferretdb"
    if binary.exists() and binary.stat().st_mtime >= max(p.stat().st_mtime for p in src.iterdir()):
        return
    need("go", "install Go 1.22+ (https://go.dev/doc/install) and run `make up` again")
    say("building FerretDB (go build, once; a few minutes on 2 cores)...")
    run(["go", "build", "-o", str(binary), "."], "ferretdb-build", cwd=src)


def fetch_kafka() -> None:
    libs = LOCAL / "kafka" / "libs"
    if libs.exists() and any(libs.glob("kafka_2.13-*.jar")):
        return
    need("java", "install a JDK 17 (`apt-get install -y openjdk-17-jdk-headless`)")
    need("mvn", "install Maven (`apt-get install -y maven`)")
    say("fetching Apache Kafka jars from Maven Central (once)...")
    run(["mvn", "-q", "-B", "-f", "deploy/local/kafka/pom.xml", "dependency:copy-dependencies",
         f"-DoutputDirectory={libs}"], "kafka-jars")


def configure_kafka() -> None:
    data = LOCAL / "data" / "kafka"
    props = LOCAL / "kafka" / "server.properties"
    text = (ROOT / "deploy/local/kafka/server.properties").read_text() + f"log.dirs={data}\n"
    props.write_text(text)
    if (data / "meta.properties").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    cluster = uuid.uuid4().hex[:22]
    run(["java", "-cp", str(LOCAL / "kafka/libs/*"), "kafka.tools.StorageTool", "format", "-t", cluster,
         "-c", str(props)], "kafka-format")


def secrets_and_tokens() -> None:
    from delovod_proto.access_code import AccessCodeKeys
    from servicekit.auth import issue_token

    secret_file = LOCAL / "secrets" / "jwt-secret"
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    keys_file = LOCAL / "secrets" / "access-code-keys"
    if not keys_file.exists():
        keys_file.write_text(AccessCodeKeys.generate())
        keys_file.chmod(0o600)
    secret = secret_file.read_bytes().strip()
    tokens = LOCAL / "tokens"
    tokens.mkdir(exist_ok=True)
    for role, name in (("clerk", "Деловодител (демо)"), ("official", "Служител (демо)"), ("admin", "Администратор (демо)")):
        (tokens / f"{role}.jwt").write_text(issue_token(secret, f"dev-{role}", name, role, ttl_s=90 * 86400))


# -- processes ----------------------------------------------------------------------------
def pid_alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start_group(name: str, procfile: str, procs: list[str]) -> None:
    pid_file = RUN / f"{name}.pid"
    if pid_alive(pid_file):
        return
    RUN.mkdir(parents=True, exist_ok=True)
    for d in ("mail/tmp", "mail/new", "mail/cur", "traces", "data/ferretdb", "data/s3", "data/rabbitmq", "log/rabbitmq"):
        (LOCAL / d).mkdir(parents=True, exist_ok=True)
    out = (LOG / f"{name}.log").open("a")
    proc = subprocess.Popen([str(VENV_BIN / "honcho"), "-f", f"deploy/local/{procfile}", "-d", str(ROOT),
                             "start", *procs], cwd=ROOT, env=env(), stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file.write_text(str(proc.pid))
    (RUN / f"{name}.procs").write_text(" ".join(procs))


def stop_group(name: str) -> None:
    pid_file = RUN / f"{name}.pid"
    pid = pid_alive(pid_file)
    if pid:
        say(f"stopping {name} (honcho pid {pid}, its process group)...")
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.3)
        if _group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    procs = RUN / f"{name}.procs"
    if procs.exists():
        left = [p for p in procs.read_text().split() if p in SERVERS and answers(SERVERS[p][0])]
        if left:
            say(f"warning: still answering after stop: {', '.join(left)} (not started by this stack?)")
        procs.unlink()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_ready(name: str, check, timeout_s: float = 120) -> None:
    start, last = time.monotonic(), None
    while time.monotonic() - start < timeout_s:
        try:
            check()
            say(f"{name:<13} ready in {time.monotonic() - start:4.1f}s")
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.5)
    raise StackError(f"{name} did not become ready in {timeout_s:.0f}s ({last}); see .local/log/")


def _port(port: int):
    def check():
        if not answers(port):
            raise ConnectionError(f"port {port} closed")
    return check


def _kafka():
    from kafka.admin import KafkaAdminClient
    KafkaAdminClient(bootstrap_servers="127.0.0.1:9092", request_timeout_ms=3000).close()


def _mongo():
    import pymongo
    pymongo.MongoClient("mongodb://127.0.0.1:27017/", serverSelectionTimeoutMS=1000).admin.command("ping")


def _s3():
    from minio import Minio
    Minio("127.0.0.1:8333", S3_KEYS["AWS_ACCESS_KEY_ID"], S3_KEYS["AWS_SECRET_ACCESS_KEY"], secure=False).list_buckets()


def _http(port: int):
    def check():
        import urllib.request
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
    return check


CHECKS = {"epmd": _port(4369), "rabbitmq": _port(5672), "kafka": _kafka, "ferretdb": _mongo, "s3": _s3,
          "smtp": _port(8025), "traces": _port(4318)}


def create_topics() -> None:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from delovod_proto import topics

    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    existing = set(admin.list_topics())
    missing = [NewTopic(t, num_partitions=3, replication_factor=1) for t in topics.ALL if t not in existing]
    if missing:
        try:
            admin.create_topics(missing)
        except TopicAlreadyExistsError:
            pass
    admin.close()
    say(f"topics       {len(topics.ALL)} present ({len(missing)} created)")


def create_buckets() -> None:
    from minio import Minio
    client = Minio("127.0.0.1:8333", S3_KEYS["AWS_ACCESS_KEY_ID"], S3_KEYS["AWS_SECRET_ACCESS_KEY"], secure=False)
    for bucket in ("delovod-scans", "eportal-uploads"):
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)
    say("buckets      delovod-scans, eportal-uploads present")


def load_catalogue() -> None:
    run([str(VENV_BIN / "python"), "-m", "catalogue.importer", "import",
         "services/catalogue/seed/services.json"], "catalogue-seed")
    say("catalogue    seed loaded (" + (LOG / "install-catalogue-seed.log").read_text().strip().splitlines()[-1] + ")")


# -- commands -------------------------------------------------------------------------
def up() -> None:
    if sys.version_info < (3, 11):
        raise StackError("Python 3.11+ is needed")
    install_rabbitmq()
    build_ferretdb()
    fetch_kafka()
    configure_kafka()
    secrets_and_tokens()
    if not pid_alive(RUN / "infra.pid"):
        procs = [p for p in SERVERS if not (p in ("epmd", "rabbitmq") and answers(SERVERS[p][0]))]
        for p in ("epmd", "rabbitmq"):
            if p not in procs:
                say(f"{p:<13} already answers on {SERVERS[p][0]}: reusing it")
        busy = [f"{SERVERS[p][0]} ({p})" for p in procs if answers(SERVERS[p][0])]
        if busy:
            raise StackError(f"port(s) {', '.join(busy)} already in use by another program: stop it, or `make down` if it is ours")
        start_group("infra", "Procfile.infra", procs)
    for name, check in CHECKS.items():
        wait_ready(name, check)
    create_topics()
    create_buckets()
    load_catalogue()
    if not pid_alive(RUN / "services.pid"):
        busy = [f"{port} ({s})" for s, port in SERVICES.items() if answers(port)]
        if busy:
            raise StackError(f"port(s) {', '.join(busy)} already in use: stop what uses them")
        start_group("services", "Procfile.services", list(SERVICES))
    for name, port in SERVICES.items():
        wait_ready(name, _http(port), timeout_s=60)
    say(f"up. Staff tokens in {(LOCAL / 'tokens').relative_to(ROOT)}/, mail in .local/mail/new/, logs in .local/log/")


def down() -> None:
    stop_group("services")
    stop_group("infra")
    say("down: every process `make up` started is stopped (data kept in .local/)")


def status() -> None:
    for name in ("infra", "services"):
        pid = pid_alive(RUN / f"{name}.pid")
        say(f"{name}: {'running, honcho pid ' + str(pid) if pid else 'stopped'}")
    for name, (port, what) in SERVERS.items():
        say(f"  {name:<10} {port:>5} {'up' if answers(port) else 'down':<5} {what}")
    for name, port in SERVICES.items():
        say(f"  {name:<10} {port:>5} {'up' if answers(port) else 'down'}")


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "status": status}
    command = commands.get(argv[0] if argv else "status")
    if command is None:
        print("usage: stack.py up|down|status", file=sys.stderr)
        return 2
    try:
        command()
    except StackError as exc:
        print(f"[delovod] error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
