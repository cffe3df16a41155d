"""The processes bench/desk.py starts beside the stack (never in place of its services), so
that the desk's pages read a journal of 100,000 registrations and status's 100,000 cases:

``python -m bench.desk_servers registry``: the registry's own document reads (the route
functions of ``RegistryService``, unchanged: the journal, a document by index) over the
benchmark's database (``DELOVOD_REGISTRY_MONGO_URI``), under the nameko name
``registry_journal_bench``. HTTP reads only: none of the registry's other ways in, because
each would act on the stack: its e-portal consumer would join a Kafka group of its own and
register every submission a second time; its outbox relay would publish the loaded
registrations' events (status would open 100,000 cases); its completer and upload sweeper
have nothing to do here.

``python -m bench.desk_servers status``: status's reads (every ``GET`` route of
``StatusService``, and ``POST /api/v1/cases/stages``, a read of a journal page's stages: the
route functions unchanged, taken from the class as it is) over the benchmark's status database
(``DELOVOD_STATUS_MONGO_URI``, bench/status_cases.py), under the nameko name
``status_bench``. HTTP reads only: its Kafka consumers would join the stack's topics (open the
stack's cases a second time), its deadline watch would announce the loaded cases' lateness
through the stack's notifications, its stage changes would publish events.

``python -m bench.desk_servers desk``: the desk as deployed (``DeskService``, every route)
under the nameko name ``desk_bench``, its settings from the environment
(``DELOVOD_DESK_REGISTRY_URL`` and ``DELOVOD_DESK_STATUS_URL`` pointed at the processes above,
its sessions in a database of its own); notifications, the catalogue and the directory are
the stack's."""
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

        @http("POST", "/api/v1/documents/journal-rows")
        def journal_rows(self, request):  # a read: the journal's rows of the cases status names
            return RegistryService.journal_rows(self, request)

    return RegistryJournalBench


# status's routes that only read, besides every GET: a journal page's stages
STATUS_READS_BY_POST = {"/api/v1/cases/stages"}


def status_class():
    """A class with status's reading routes only (found on ``StatusService`` by their nameko
    entrypoints, so routes added or changed there are served as they are)."""
    import inspect

    from nameko.web.handlers import HttpRequestHandler

    from status.bootstrap import bootstrap
    from status.entrypoints.service import StatusService

    members = {"name": "status_bench", "app": App(bootstrap), "http_server": NoDelayHttp(),
               "_client": StatusService._client}
    for attr, fn in vars(StatusService).items():  # status's own (not /health/ready: its checks are not here)
        if not inspect.isfunction(fn):
            continue
        handlers = [e for e in getattr(fn, "nameko_entrypoints", ()) if isinstance(e, HttpRequestHandler)]
        if len(handlers) != 1:  # no route, or also a consumer, an RPC, a timer
            continue
        handler = handlers[0]
        if handler.method.upper() == "GET" or (handler.method.upper() == "POST" and handler.url in STATUS_READS_BY_POST):
            def route(self, request, _fn=fn, **kwargs):
                return _fn(self, request, **kwargs)

            members[attr] = http(handler.method, handler.url)(route)

    @http("GET", "/health")
    def health(self, request):
        return json_response({"status": "ok", "service": self.name})

    members["health"] = health
    return type("StatusReadsBench", (), members)


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
def running(journal_uri: str, registry_port: int, desk_port: int, mongo: str = "mongodb://127.0.0.1:27017/",
            status_uri: str = "", status_port: int = 0, journal_cache_s: float | None = None):
    """The processes, the registry's reads over ``journal_uri`` (its journal cache
    ``journal_cache_s`` seconds, None: the setting's default; 0: off), status's reads over
    ``status_uri`` on ``status_port`` (when given; else the desk uses the stack's status) and the
    desk pointed at them, until the block ends; the desk's sessions database is dropped after.
    Their output goes to .local/log/bench-desk.log."""
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
    servers = [("registry", registry_port)]
    if journal_cache_s is not None:
        env["DELOVOD_REGISTRY_JOURNAL_CACHE_S"] = str(journal_cache_s)
    if status_uri:
        env.update(DELOVOD_STATUS_MONGO_URI=status_uri, DELOVOD_STATUS_HTTP_PORT=str(status_port),
                   DELOVOD_DESK_STATUS_URL=f"http://127.0.0.1:{status_port}")
        servers.append(("status", status_port))
    servers.append(("desk", desk_port))
    (root / ".local" / "log").mkdir(parents=True, exist_ok=True)
    log = (root / ".local" / "log" / "bench-desk.log").open("ab")
    procs = []
    try:
        for which, port in servers:
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
    elif which == "status":
        from status.settings import StatusSettings

        run(status_class(), StatusSettings())
    elif which == "desk":
        from desk.settings import DeskSettings

        run(desk_class(), DeskSettings())
    else:
        sys.exit("usage: python -m bench.desk_servers registry|status|desk")
