"""The local stack: install what is missing, start real servers and the four services
under supervisord (deploy/local/supervisord.conf: a process that dies is restarted with
backoff, the others keep running), report each as it becomes ready, stop exactly what
was started.

    python deploy/local/stack.py up | down | status

Run through ``make up`` / ``make down`` (the venv must exist). Servers bind to
127.0.0.1; data lives in .local/ so a second ``up`` finds it all again.
"""
from __future__ import annotations

import os
import secrets
import shutil
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

from supervise import ALIVE_STATES, Supervisor, SupervisorError  # noqa: E402  (beside this file)

SERVERS = {  # name: (port, what it is)
    "epmd": (4369, "Erlang port mapper for RabbitMQ"),
    "rabbitmq": (5672, "RabbitMQ (nameko RPC)"),
    "kafka": (9092, "Apache Kafka (KRaft, one node)"),
    "ferretdb": (27017, "FerretDB on SQLite (MongoDB wire protocol)"),
    "s3": (8333, "SeaweedFS S3"),
    "smtp": (8025, "SMTP (aiosmtpd, Maildir in .local/mail)"),
    "traces": (4318, "OTLP/HTTP trace sink (.local/traces/spans.jsonl)"),
    "ldap": (3890, "OpenLDAP slapd, the staff directory (demo users; .local/ldap)"),
    "bearerbox": (13000, "Kannel bearerbox, the SMS gateway's core (admin/status)"),
    "smsbox": (13013, "Kannel smsbox: HTTP sendsms, delivery reports to notifications"),
    "fakesmsc": (10000, "Kannel's SMSC stand-in, connected to bearerbox (plays the operator)"),
}
CLIENTS = {"fakesmsc"}  # connects to bearerbox's port: answering there means bearerbox, not it
KANNEL_CONF = ROOT / "deploy" / "local" / "kannel" / "kannel.conf"
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
SERVICES = {"catalogue": 8004, "registry": 8001, "status": 8002, "notifications": 8003, "desk": 8005}
# processes of a service that speak no HTTP (group services): name: (port, what it is)
RECEIVERS = {"notifications-bounces": (8026, "notifications' bounce receiver: DSNs over SMTP, on to Kafka")}
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


def apt_install(packages: list[str], what: str, present: bool, system_service: str | None = None) -> None:
    """Install Debian ``packages`` once (root only; otherwise say the command to run). A
    package that starts its own system server where an init system runs (``system_service``)
    has it stopped: ours run under supervisord on 127.0.0.1 with their data in .local."""
    if present:
        return
    if os.geteuid() != 0:
        raise StackError(f"{what} is missing: run `sudo apt-get install -y {' '.join(packages)}`, then `make up` again")
    say(f"installing {' and '.join(packages)} (apt-get, once)...")
    os.environ["DEBIAN_FRONTEND"] = "noninteractive"  # slapd's package would ask for a password
    run(["apt-get", "update", "-q"], "apt-update")
    run(["apt-get", "install", "-y", "-q", *packages], f"apt-{packages[0]}")
    if system_service and shutil.which("service"):
        subprocess.call(["service", system_service, "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install_rabbitmq() -> None:
    # /usr/sbin is not on every PATH (nor in this project's CI); the package's own script is
    present = (shutil.which("rabbitmq-server") or Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists()
               or answers(5672))
    apt_install(["rabbitmq-server"], "RabbitMQ", bool(present), "rabbitmq-server")


def install_fonts() -> None:
    """DejaVu (fonts-dejavu-core): the Cyrillic of receipts and of postal letters' PDFs."""
    apt_install(["fonts-dejavu-core"], "DejaVu fonts", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists())


def install_slapd() -> None:
    """OpenLDAP from Debian, for the desk's sign-in (deploy/local/ldap/start.sh runs it on 127.0.0.1:3890)."""
    present = Path("/usr/sbin/slapd").exists() and Path("/usr/sbin/slapadd").exists() and bool(shutil.which("ldapsearch"))
    apt_install(["slapd", "ldap-utils"], "OpenLDAP", present, "slapd")


def install_kannel() -> None:
    """The SMS gateway from Debian: `kannel` (bearerbox, smsbox) and `kannel-extras` (its
    SMSC stand-in, fakesmsc). deploy/local/kannel/kannel.conf configures it."""
    present = Path("/usr/sbin/bearerbox").exists() and Path("/usr/sbin/smsbox").exists() and FAKESMSC.exists()
    apt_install(["kannel", "kannel-extras"], "Kannel", present, "kannel")


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
def supervisor() -> Supervisor:
    return Supervisor(ROOT / "deploy" / "local" / "supervisord.conf", RUN / "supervisor.sock",
                      RUN / "supervisord.pid", LOG / "supervisord.out", env())


def prepare_dirs() -> None:
    for d in ("run", "log", "mail/tmp", "mail/new", "mail/cur", "traces", "data/ferretdb", "data/s3", "data/rabbitmq",
              "log/rabbitmq", "data/kannel"):
        (LOCAL / d).mkdir(parents=True, exist_ok=True)


def servers_to_start(programs: dict) -> list[str]:
    """The servers this stack runs: all, but an epmd or RabbitMQ that already answers and is
    not ours is reused. A port another program holds is an error."""
    ours = {name.split(":")[1] for name, p in programs.items() if p.state in ALIVE_STATES}
    procs = []
    for name, (port, _) in SERVERS.items():
        if name in ours or name in CLIENTS or not answers(port):
            procs.append(name)
        elif name in ("epmd", "rabbitmq"):
            say(f"{name:<13} already answers on {port}: reusing it")
        else:
            raise StackError(f"port {port} ({name}) already in use by another program: stop it, or `make down` if it is ours")
    return procs


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


def kannel_status() -> str:
    """bearerbox's status page (its status-password is in kannel.conf)."""
    import re
    import urllib.request
    password = re.search(r"^status-password\s*=\s*(\S+)", KANNEL_CONF.read_text(), re.M).group(1)
    with urllib.request.urlopen(f"http://127.0.0.1:13000/status.txt?password={password}", timeout=1) as reply:
        return reply.read().decode()


def _fakesmsc():
    """bearerbox says its fake SMSC link is online: fakesmsc is connected."""
    if "FAKE:10000 (online" not in kannel_status():
        raise ConnectionError("fakesmsc is not connected to bearerbox")


def _smsbox():
    """smsbox is connected to bearerbox and answers HTTP (without an account: 403 or 400)."""
    import urllib.error
    import urllib.request
    if "smsbox:(none), IP 127.0.0.1" not in kannel_status():
        raise ConnectionError("smsbox is not connected to bearerbox")
    try:
        urllib.request.urlopen("http://127.0.0.1:13013/cgi-bin/sendsms", timeout=1).read()
    except urllib.error.HTTPError:
        pass  # it answered


CHECKS = {"epmd": _port(4369), "rabbitmq": _port(5672), "kafka": _kafka, "ferretdb": _mongo, "s3": _s3,
          "smtp": _port(8025), "traces": _port(4318), "ldap": _port(3890), "bearerbox": _port(13000),
          "smsbox": _smsbox, "fakesmsc": _fakesmsc}


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
    # no file: the seed of the municipality DELOVOD_CATALOGUE_MUNICIPALITY names
    run([str(VENV_BIN / "python"), "-m", "catalogue.importer", "import"], "catalogue-seed")
    say("catalogue    seed loaded (" + (LOG / "install-catalogue-seed.log").read_text().strip().splitlines()[-1] + ")")


# -- commands -------------------------------------------------------------------------
def up() -> None:
    if sys.version_info < (3, 11):
        raise StackError("Python 3.11+ is needed")
    install_rabbitmq()
    install_slapd()
    install_kannel()
    install_fonts()
    build_ferretdb()
    fetch_kafka()
    configure_kafka()
    secrets_and_tokens()
    prepare_dirs()
    sup = supervisor()
    if sup.pid() and sup.state() != "RUNNING":
        say("waiting for the previous stack to finish stopping...")
    try:
        how = sup.ensure_running()
    except SupervisorError as exc:
        raise StackError(str(exc)) from exc
    say(f"supervisord  {how} (pid {sup.pid()}, socket {sup.socket.relative_to(ROOT)})")
    procs = servers_to_start(sup.programs())
    sup.start([f"infra:{p}" for p in procs])
    for name, check in CHECKS.items():
        wait_ready(name, check)
    create_topics()
    create_buckets()
    load_catalogue()
    programs = sup.programs()
    ports = {**SERVICES, **{r: port for r, (port, _) in RECEIVERS.items()}}
    busy = [f"{port} ({s})" for s, port in ports.items()
            if programs[f"services:{s}"].state not in ALIVE_STATES and answers(port)]
    if busy:
        raise StackError(f"port(s) {', '.join(busy)} already in use: stop what uses them")
    sup.start([f"services:{s}" for s in ports])
    for name, port in SERVICES.items():
        wait_ready(name, _http(port), timeout_s=60)
    for name, (port, _) in RECEIVERS.items():
        wait_ready(name, _port(port), timeout_s=60)
    say(f"up. Staff tokens in {(LOCAL / 'tokens').relative_to(ROOT)}/, mail in .local/mail/new/, logs in .local/log/")


def down() -> None:
    sup = supervisor()
    started = [name.split(":")[1] for name, p in sup.programs().items() if p.state in ALIVE_STATES]
    try:
        pid = sup.shutdown()
    except SupervisorError as exc:
        raise StackError(str(exc)) from exc
    if pid:
        say(f"stopped supervisord (pid {pid}) and what it ran: {', '.join(started) or 'nothing'}")
    left = [p for p in started if p in SERVERS and p not in CLIENTS and answers(SERVERS[p][0])]
    if left:
        say(f"warning: still answering after stop: {', '.join(left)}")
    say("down: every process `make up` started is stopped (data kept in .local/)")


def verdict(program, answering: bool) -> str:
    """What `make status` says of one process: "running" only when supervisord runs it AND
    it answers; otherwise what is really the case."""
    if program is None or program.state in ("STOPPED", "EXITED", "UNKNOWN"):
        return "not ours, answers" if answering else "stopped"
    if program.state in ("RUNNING", "STARTING"):
        return "running" if answering else ("not answering" if program.state == "RUNNING" else "starting")
    if program.state == "BACKOFF":
        return "backoff"  # died right after its start; supervisord tries again after a growing wait
    return program.state.lower()  # stopping, fatal


def _health(port: int) -> bool:
    return _passes(_http(port))


def _passes(check) -> bool:
    try:
        check()
        return True
    except Exception:  # any failure: it does not answer as it should
        return False


def _answering(name: str, port: int) -> bool:
    """A server answers on its port; Kannel's boxes and fakesmsc only when bearerbox sees them."""
    return _passes(CHECKS[name]) if name in ("smsbox", "fakesmsc") else answers(port)


def status() -> int:
    sup = supervisor()
    pid, programs = sup.pid(), sup.programs()
    say(f"supervisord: {'running, pid ' + str(pid) if pid else 'stopped'}")
    rows = [(n, port, what, _answering(n, port), programs.get(f"infra:{n}")) for n, (port, what) in SERVERS.items()]
    rows += [(n, port, "/health", _health(port), programs.get(f"services:{n}")) for n, port in SERVICES.items()]
    rows += [(n, port, what, answers(port), programs.get(f"services:{n}")) for n, (port, what) in RECEIVERS.items()]
    whole = True
    for name, port, what, answering, program in rows:
        word = verdict(program, answering)
        whole &= word == "running" or (word == "not ours, answers" and name in ("epmd", "rabbitmq"))
        detail = f"{program.state.lower()}, pid {program.pid}" if program and program.pid else (program.state.lower() if program else "-")
        seen = (("connected" if answering else "not connected") if name in CLIENTS
                else f"port {'answers' if answering else 'closed'}")
        say(f"  {name:<13} {port:>5} {word:<14} ({detail}; {seen}) {what}")
    return 0 if whole else 3


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "status": status}
    command = commands.get(argv[0] if argv else "status")
    if command is None:
        print("usage: stack.py up|down|status", file=sys.stderr)
        return 2
    try:
        return command() or 0
    except StackError as exc:
        print(f"[delovod] error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
