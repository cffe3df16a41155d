"""The running stack (`make up`) with SeaweedFS, FerretDB or RabbitMQ paused (SIGSTOP), as
the outside review did it: the registry answers the clerk 503 + Retry-After within the
dependency's bound (10 s by default) instead of hanging for as long as the pause, takes no
number, and registers again once the server resumes. The paused server is the one listening on the
port in this network namespace (the stack's own), and it is resumed whatever happens."""
import contextlib
import os
import re
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import until
from tests.helpers import command, pdf_bytes

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
REGISTRY, CATALOGUE = "http://127.0.0.1:8001", "http://127.0.0.1:8004"
BOUND_S = 10.0  # the registry's default s3_read_timeout_s, mongo_operation_timeout_ms and rpc_timeout_s


def listener_pid(port: int) -> int:
    """The process that listens on ``port`` here: its socket's inode from /proc/net/tcp*
    (this namespace's sockets), then the process holding that inode."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                    return int(proc.name)
    raise AssertionError(f"nothing listens on port {port}: is the stack up (`make up`)?")


@contextlib.contextmanager
def paused(port: int):
    pid = listener_pid(port)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def a_letter():
    return command()


def a_service_application():
    """One whose due date the registry asks the catalogue for, over RabbitMQ RPC."""
    code = requests.get(f"{CATALOGUE}/api/v1/services", params={"q": "удостоверение"}, timeout=10).json()["items"][0]["code"]
    return command(kind="service_application", service_code=code)


def register(document) -> requests.Response:
    token = (ROOT / ".local" / "tokens" / "clerk.jwt").read_text().strip()
    return requests.post(f"{REGISTRY}/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                         data={"metadata": document.model_dump_json()},
                         files=[("scan", ("letter.pdf", pdf_bytes(f"paused-{time.time_ns()}"), "application/pdf"))],
                         timeout=BOUND_S * 3)


def number(response: requests.Response) -> int:
    return int(re.search(r"-(\d+)/", response.json()["registration_index"]).group(1))


@pytest.mark.parametrize("port, dependency, document", [
    (8333, "хранилището за сканирани файлове", a_letter), (27017, "базата данни", a_letter),
    (5672, "каталогът на услугите", a_service_application)], ids=["seaweedfs", "ferretdb", "rabbitmq"])
def test_a_paused_dependency_is_a_503_within_its_bound_and_takes_no_number(port, dependency, document):
    document = document()
    before = register(document)
    assert before.status_code == 201, before.text
    with paused(port):
        started = time.monotonic()
        refused = register(document)
        elapsed = time.monotonic() - started
    assert refused.status_code == 503, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json" and refused.headers["Retry-After"] == "60"
    assert dependency in refused.json()["detail"]
    assert elapsed < BOUND_S + 5, elapsed  # sooner when the client sees the server down first (a failed heartbeat)
    after = until(lambda: (r := register(document)).status_code == 201 and r, timeout_s=60,
                  what="registering after the pause")
    assert number(after) == number(before) + 1
