"""The two processes bench/desk.py starts beside the stack (never in place of its services),
so that the desk's journal pages read a journal of 100,000 registrations:

``python -m bench.desk_servers registry``: the registry's own document reads (the route
functions of ``RegistryService``, unchanged: the journal, a document by index) over the
benchmark's database (``DELOVOD_REGISTRY_MONGO_URI``), under the nameko name
``registry_journal_bench``. HTTP reads only: none of the registry's other ways in, because
each would act on the stack: its e-portal consumer would join a Kafka group of its own and
register every submission a second time; its outbox relay would publish the loaded
registrations' events (status would open 100,000 cases); its completer and upload sweeper
have nothing to do here.

``python -m bench.desk_servers desk``: the desk as deployed (``DeskService``, every route)
under the nameko name ``desk_bench``, its settings from the environment
(``DELOVOD_DESK_REGISTRY_URL`` pointed at the process above, its sessions in a database of
its own); status, notifications, the catalogue and the directory are the stack's."""
import sys
from contextlib import contextmanager

import eventlet

eventlet.monkey_patch()

from nameko.web.handlers import http  # noqa: E402

from servicekit.http import json_response  # noqa: E402
from servicekit.providers import App  # noqa: E402
from servicekit.runner import run  # noqa: E402
from servicekit.service import NoDelayHttp  # noqa: E402


def registry_class():
    from registry.bootstrap import bootstrap
    from registry.entrypoints.service import RegistryService

    class RegistryJournalBench:
        name = "registry_journal_bench"
        app = App(bootstrap)
        http_server = NoDelayHttp()
        _today = RegistryService._today

        @http("GET", "/health")
        def health(self, request):
            return json_response({"status": "ok", "service": self.name})

        @http("GET", "/api/v1/documents")
        def list_documents(self, request):
            return RegistryService.list_documents(self, request)

        @http("GET", "/api/v1/documents/by-index")
        def get_document(self, request):
            return RegistryService.get_document(self, request)

    return RegistryJournalBench


def desk_class():
    from desk.entrypoints.service import DeskService

    class DeskBench(DeskService):
        name = "desk_bench"

    return DeskBench


def _wait_http(url: str, timeout_s: float = 60) -> None:
    import time

    import requests

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in {timeout_s} s")
        time.sleep(0.3)


@contextmanager
def running(journal_uri: str, registry_port: int, desk_port: int, mongo: str = "mongodb://127.0.0.1:27017/"):
    """Both processes, the registry's reads over ``journal_uri`` and the desk pointed at them,
    until the block ends; the desk's sessions database is dropped after. Their output goes to
    .local/log/bench-desk.log."""
    import os
    import subprocess
    import uuid
    from pathlib import Path

    from pymongo import MongoClient

    root = Path(__file__).resolve().parents[1]
    sessions_db = f"desk_bench_{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(root / p) for p in ("proto", "libs", "services")),
           "OTEL_TRACES_EXPORTER": "none", "DELOVOD_LOG_LEVEL": "WARNING",
           "PYTHONWARNINGS": "ignore::DeprecationWarning",
           "DELOVOD_REGISTRY_MONGO_URI": journal_uri, "DELOVOD_REGISTRY_HTTP_PORT": str(registry_port),
           "DELOVOD_DESK_MONGO_URI": f"{mongo}{sessions_db}", "DELOVOD_DESK_HTTP_PORT": str(desk_port),
           "DELOVOD_DESK_REGISTRY_URL": f"http://127.0.0.1:{registry_port}"}
    (root / ".local" / "log").mkdir(parents=True, exist_ok=True)
    log = (root / ".local" / "log" / "bench-desk.log").open("ab")
    procs = []
    try:
        for which, port in (("registry", registry_port), ("desk", desk_port)):
            procs.append(subprocess.Popen([sys.executable, "-m", "bench.desk_servers", which], cwd=root, env=env,
                                          stdout=log, stderr=subprocess.STDOUT))
            _wait_http(f"http://127.0.0.1:{port}/health")
        yield
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        with MongoClient(mongo, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(sessions_db)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which == "registry":
        from registry.settings import RegistrySettings

        run(registry_class(), RegistrySettings())
    elif which == "desk":
        from desk.settings import DeskSettings

        run(desk_class(), DeskSettings())
    else:
        sys.exit("usage: python -m bench.desk_servers registry|desk")
