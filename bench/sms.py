"""Event to SMS handed to the gateway, at a fixed arrival rate, next to Kannel's own
sendsms figure measured in the same run (``python -m bench.sms [--quick]``; needs `make up`).

delovod: each status event is queued and dispatched as the notifications entrypoint does
(``on_status_changed`` then ``dispatch_due(case)``) by up to 20 green threads (the
service's max_workers), on the stack's FerretDB (a database of its own, dropped after),
through the stack's real Kannel to fakesmsc; Kannel's delivery reports come back to the
service's own report handler in this process, as they would in the service. Latency runs
from the moment an event was due to arrive (open loop: a slow handover delays the next
ones, as a queue of events would) until Kannel accepted the SMS.
raw: the same open-loop rate of plain sendsms GETs to Kannel, same concurrency.
Results: bench/results/sms.json. Loopback only, bounded counts."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import eventlet.wsgi  # noqa: E402
import pymongo  # noqa: E402
import requests  # noqa: E402

from bench.measure import percentiles  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "sms.json"  # BENCH_SMS_RATE / BENCH_SMS_N change rate and count
RATE, WORKERS = float(os.environ.get("BENCH_SMS_RATE", "100")), 20


def open_loop(n: int, op) -> dict:
    """``op(i)`` for event i due at start + i/RATE; latency from its due time to its end."""
    latencies, pool = [], eventlet.GreenPool(WORKERS)
    start = time.perf_counter()

    def timed(i, due):
        op(i)
        latencies.append(time.perf_counter() - due)

    for i in range(n):
        due = start + i / RATE
        eventlet.sleep(max(0.0, due - time.perf_counter()))
        pool.spawn_n(timed, i, due)
    pool.waitall()
    elapsed = time.perf_counter() - start
    return {"n": n, "offered_per_second": RATE, "workers": WORKERS, "seconds": round(elapsed, 2),
            "per_second": round(n / elapsed, 1), **percentiles(latencies)}


def raw_kannel(n: int) -> dict:
    session = requests.Session()

    def send(i):
        reply = session.get("http://127.0.0.1:13013/cgi-bin/sendsms", timeout=10, params={
            "username": "delovod", "password": "delovod-local-sms", "from": "Plovdiv", "to": f"+35988{i:07d}",
            "text": "Преписка ЖЛБ-1/02.12.2026: регистрирана", "charset": "UTF-8", "coding": "2"})
        assert reply.status_code == 202, reply.text
    return open_loop(n, send)


def delovod(n: int) -> dict:
    from delovod_proto.envelope import Envelope
    from delovod_proto.events import CaseStatusChanged, Contact
    from nameko.testing.services import worker_factory
    from notifications.bootstrap import bootstrap
    from notifications.entrypoints.service import NotificationsService
    from notifications.settings import NotificationsSettings
    from tests.helpers import registered
    from werkzeug.wrappers import Request

    db = f"bench_sms_{uuid.uuid4().hex[:8]}"
    listener = eventlet.listen(("127.0.0.1", 0))
    settings = NotificationsSettings(mongo_uri=f"mongodb://127.0.0.1:27017/{db}",
                                     sms_report_base_url=f"http://127.0.0.1:{listener.getsockname()[1]}")
    app = bootstrap(settings)
    noon = dt.datetime.now(dt.timezone.utc).replace(hour=10, minute=0) - dt.datetime.now(dt.timezone.utc)
    app.dispatcher.clock = lambda: dt.datetime.now(dt.timezone.utc) + noon  # outside quiet hours
    worker = worker_factory(NotificationsService, app=app)
    server = eventlet.spawn(eventlet.wsgi.server, listener,
                            lambda env, start: worker.sms_report(Request(env))(env, start), log_output=False)
    events = []
    for i in range(n):  # the cases and their recipients exist before the measured events arrive
        index = f"БЕНЧ-{i}/02.12.2026"
        app.dispatcher.on_document_registered(registered(index).model_copy(update={"sender": Contact(
            name="Мария Петрова", preferred_channel="sms", phone=f"+35989{i:07d}")}))
        body = CaseStatusChanged(case_index=index, stage="registered", changed_at=dt.datetime.now(dt.timezone.utc),
                                 due_date=dt.date(2026, 12, 29), subject="Улично осветление")
        events.append(Envelope.wrap(body, source="status", correlation_id=index))

    def handle(i):
        app.dispatcher.on_status_changed(events[i])
        assert app.dispatcher.dispatch_due(events[i].correlation_id) == 1
    try:
        result = open_loop(n, handle)
        handed = app.dispatcher.repo._notes.database["attempts"].count_documents({"outcome": "handed"})
        result["handed_to_kannel"] = handed
        return result
    finally:
        server.kill()
        pymongo.MongoClient("mongodb://127.0.0.1:27017/").drop_database(db)


def main() -> int:
    n = int(os.environ.get("BENCH_SMS_N", 200 if "--quick" in sys.argv else 1000))
    results = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "cores": os.cpu_count(), "raw_kannel_sendsms": raw_kannel(n), "event_to_sms_handed": delovod(n)}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
