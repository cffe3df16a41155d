"""Event to SMS handed to the gateway and event to email accepted by the SMTP server, at a
fixed arrival rate, next to Kannel's sendsms and the SMTP server's own figures measured in
the same run (``python -m bench.sms [--quick]``; needs `make up`; part of `make bench`).

service (the headline): the stack's running notifications service, as deployed. The bench
writes the recipients of its cases into the service's database (as DocumentRegistered
would), then produces ``CaseStatusChanged`` events to Kafka at the offered rate (open loop:
event i is due at start + i/RATE and sent then); the service consumes them, writes the
letter and hands it over. Latency runs from an event's due time to the attempt the service
records once the gateway accepted the message ("handed" to Kannel, "sent" for an email the
relay accepted). Kafka's consume and commit, the service's workers and Kannel's delivery
reports coming back to the service are all in it. CPU per event of each stack process is
recorded beside it: on a shared machine it says more than the rate.
dispatcher: the same events handed to the service layer in this process, as the consumer
does (``on_status_changed(send_now=True)``), 20 green threads, a database of its own; with
``BENCH_SMS_BEFORE=<git revision>`` also on that revision's notifications code (queued, then
claimed, as it did), in the same run.
raw: the same open-loop rate of plain sendsms GETs to Kannel, and of plain SMTP
transactions to the relay (a kept session per worker), same concurrency.
SMS only between 08:00 and 21:00 local time (quiet hours defer them; the bench refuses to
run then). The load average is recorded next to each figure.
Results: bench/results/sms.json. Loopback only, bounded counts."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import smtplib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from pathlib import Path  # noqa: E402

import eventlet.wsgi  # noqa: E402
import pymongo  # noqa: E402
import requests  # noqa: E402

from bench.measure import percentiles  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "sms.json"  # BENCH_SMS_RATE / BENCH_SMS_N change rate and count
RATE, WORKERS = float(os.environ.get("BENCH_SMS_RATE", "100")), 20
MONGO = "mongodb://127.0.0.1:27017/"
UTC = dt.timezone.utc
LETTER = ("Уважаема г-жо Петрова,\n\nПреписка БЕНЧ-1/03.12.2026 е регистрирана. Очакван отговор до 29.12.2026 г.\n"
          "Проверка: https://example.bg/status\n\nОбщина Пловдив\n") * 4


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def open_loop(n: int, op) -> dict:
    """``op(i)`` for event i due at start + i/RATE; latency from its due time to its end."""
    latencies, pool = [], eventlet.GreenPool(WORKERS)
    before, start = load(), time.perf_counter()

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
            "per_second": round(n / elapsed, 1), **percentiles(latencies), "load_before": before, "load_after": load()}


PROCESSES = {"notifications": ("-m notifications",), "ferretdb": ("ferretdb",), "kafka": ("kafka.Kafka",),
             "kannel": ("bearerbox", "smsbox"), "smtp": ("aiosmtpd",)}  # the stack's processes, by command line


def stack_pids() -> dict[str, list[int]]:
    """The pids of this checkout's stack processes (their working directory is the checkout)."""
    root, found = str(Path(__file__).resolve().parents[1]), {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not os.readlink(f"/proc/{pid}/cwd").startswith(root):
                continue
        except OSError:
            continue
        for name, marks in PROCESSES.items():
            if any(mark in command for mark in marks):
                found.setdefault(name, []).append(int(pid))
    return found


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    ticks, out = os.sysconf("SC_CLK_TCK"), {}
    for name, group in pids.items():
        total = 0
        for pid in group:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                pass
        out[name] = total / ticks
    return out


def raw_kannel(n: int) -> dict:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=WORKERS))

    def send(i):
        reply = session.get("http://127.0.0.1:13013/cgi-bin/sendsms", timeout=10, params={
            "username": "delovod", "password": "delovod-local-sms", "from": "Plovdiv", "to": f"+35988{i:07d}",
            "text": "Преписка ЖЛБ-1/02.12.2026: регистрирана", "charset": "UTF-8", "coding": "2"})
        assert reply.status_code == 202, reply.text
    return open_loop(n, send)


def raw_smtp(n: int) -> dict:
    """One SMTP transaction per message over kept sessions (one per worker), a letter's size."""
    sessions: queue.LifoQueue = queue.LifoQueue()

    def send(i):
        try:
            smtp = sessions.get_nowait()
        except queue.Empty:
            smtp = smtplib.SMTP("127.0.0.1", 8025, timeout=10)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "noreply@plovdiv.bg", f"raw{i}@example.bg", "Преписка: регистрирана"
        msg["Message-ID"] = f"<raw-{uuid.uuid4().hex}@bench>"
        msg.set_content(LETTER)
        smtp.send_message(msg)
        sessions.put(smtp)
    try:
        return open_loop(n, send)
    finally:
        while not sessions.empty():
            sessions.get_nowait().quit()


def _events(run: str, n: int, channel: str):
    """n cases with a recipient who chose ``channel``, and one status event for each."""
    from delovod_proto.envelope import Envelope
    from delovod_proto.events import CaseStatusChanged, Contact

    recipients, events = [], []
    for i in range(n):
        index = f"БЕНЧ-{run}-{channel}-{i}/03.12.2026"
        contact = Contact(name="Мария Петрова", preferred_channel=channel,
                          phone=f"+35989{i:07d}", email=f"bench{i}@example.bg")
        recipients.append({"_id": index, "contact": contact.model_dump(mode="json")})
        body = CaseStatusChanged(case_index=index, stage="registered", changed_at=dt.datetime.now(UTC),
                                 due_date=dt.date(2026, 12, 29), subject="Улично осветление")
        events.append(Envelope.wrap(body, source="status", correlation_id=index))
    return recipients, events


GROUP = "notifications.on_status_changed"  # the service's consumer group of status events


def end_offsets(topic: str) -> dict:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers="127.0.0.1:9092")
    try:
        return consumer.end_offsets([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    finally:
        consumer.close()


def consumed_lag(ends: dict) -> int:
    """Events up to ``ends`` that the service's group has not committed yet."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        committed = admin.list_group_offsets(GROUP).get(GROUP, {})  # as bench/isolation.py reads them
    finally:
        admin.close()
    return sum(max(0, end - (committed[tp].offset if tp in committed else 0)) for tp, end in ends.items())


def service(n: int, channel: str, timeout_s: float = 180.0) -> dict:
    """Through Kafka and the stack's notifications service (see the module's docstring)."""
    from delovod_proto import topics
    from servicekit.kafka import envelope_headers, make_producer

    run = uuid.uuid4().hex[:6]
    recipients, events = _events(run, n, channel)
    db = pymongo.MongoClient(MONGO)["notifications"]
    db["recipients"].insert_many(recipients, ordered=False)
    producer = make_producer("127.0.0.1:9092")
    ids, due = {str(e.event_id): i for i, e in enumerate(events)}, [0.0] * n
    pids = stack_pids()
    cpu_start, own_start = cpu_seconds(pids), os.times()
    before, start, wall = load(), time.perf_counter(), time.time()
    for i, e in enumerate(events):
        due[i] = wall + i / RATE
        eventlet.sleep(max(0.0, start + i / RATE - time.perf_counter()))
        producer.send(topics.CASES_STATUS_CHANGED, value=e.model_dump_json().encode(), key=e.correlation_id.encode(),
                      headers=envelope_headers(e))
    producer.flush(timeout=30)
    offsets = end_offsets(topics.CASES_STATUS_CHANGED)
    outcome = "handed" if channel == "sms" else "sent"
    since = dt.datetime.fromtimestamp(wall - 1, UTC).replace(tzinfo=None)
    done: dict[str, float] = {}
    deadline = time.perf_counter() + n / RATE + timeout_s
    # Kafka says when the service has handled every event (it commits after handling), so the
    # database is read once at the end, not scanned while the service works.
    while consumed_lag(offsets) > 0 and time.perf_counter() < deadline:
        eventlet.sleep(0.5)
    cpu_end, own_end = cpu_seconds(pids), os.times()
    while len(done) < n and time.perf_counter() < deadline:
        for a in db["attempts"].find({"at": {"$gte": since}, "outcome": outcome}, {"notification_id": 1, "at": 1}):
            if a["notification_id"] in ids:
                done[a["notification_id"]] = a["at"].replace(tzinfo=UTC).timestamp()
        if len(done) < n:
            eventlet.sleep(1.0)  # the last batch's letters are written before its commit; a retried one may lag
    producer.close(timeout=5)
    cpu = {k: round((cpu_end[k] - cpu_start[k]) * 1000 / max(len(done), 1), 2) for k in cpu_start}
    cpu["bench (producer, lag checks)"] = round((own_end.user + own_end.system - own_start.user - own_start.system)
                                           * 1000 / max(len(done), 1), 2)
    latencies = [done[k] - due[i] for k, i in ids.items() if k in done]
    last = max(done.values()) if done else wall
    return {"n": n, "offered_per_second": RATE, "reached": len(done), "outcome": outcome,
            "seconds": round(last - wall, 2), "per_second": round(len(done) / max(last - wall, 1e-9), 1),
            **(percentiles(latencies) if latencies else {}), "load_before": before, "load_after": load(),
            "cpu_ms_per_event": cpu}


def dispatcher(n: int, channel: str) -> dict:
    """The service layer in this process, as the consumer calls it, on a database of its own."""
    from nameko.testing.services import worker_factory
    from notifications.bootstrap import bootstrap
    from notifications.entrypoints.service import NotificationsService
    from notifications.settings import NotificationsSettings
    from werkzeug.wrappers import Request

    db = f"bench_sms_{uuid.uuid4().hex[:8]}"
    listener = eventlet.listen(("127.0.0.1", 0))
    settings = NotificationsSettings(mongo_uri=f"{MONGO}{db}",
                                     sms_report_base_url=f"http://127.0.0.1:{listener.getsockname()[1]}")
    app = bootstrap(settings)
    send_now = "send_now" in inspect.signature(app.dispatcher.on_status_changed).parameters
    worker = worker_factory(NotificationsService, app=app)
    server = eventlet.spawn(eventlet.wsgi.server, listener,
                            lambda env, start: worker.sms_report(Request(env))(env, start), log_output=False)
    recipients, events = _events(uuid.uuid4().hex[:6], n, channel)
    app.dispatcher.repo._notes.database["recipients"].insert_many(recipients)

    def handle(i):
        if send_now:
            assert app.dispatcher.on_status_changed(events[i], send_now=True)
        else:  # code from before the consumer sent at once (BENCH_SMS_BEFORE): queued, then claimed
            app.dispatcher.on_status_changed(events[i])
            assert app.dispatcher.dispatch_due(events[i].correlation_id) == 1
    pids = {k: v for k, v in stack_pids().items() if k in ("ferretdb", "kannel", "smtp")}
    try:
        cpu_start, own_start = cpu_seconds(pids), os.times()
        result = open_loop(n, handle)
        cpu_end, own_end = cpu_seconds(pids), os.times()
        result["cpu_ms_per_event"] = {k: round((cpu_end[k] - cpu_start[k]) * 1000 / n, 2) for k in cpu_start}
        result["cpu_ms_per_event"]["this process (the service layer, its reports)"] = round(
            (own_end.user + own_end.system - own_start.user - own_start.system) * 1000 / n, 2)
        outcome = "handed" if channel == "sms" else "sent"
        result["reached"] = app.dispatcher.repo._notes.database["attempts"].count_documents({"outcome": outcome})
        return result
    finally:
        server.kill()
        pymongo.MongoClient(MONGO).drop_database(db)


def quiet_hours() -> bool:
    from zoneinfo import ZoneInfo

    from servicekit.settings import kit_settings

    hour = dt.datetime.now(ZoneInfo(kit_settings().timezone)).hour
    return not 8 <= hour < 21


def before(rev: str, n: int, channel: str) -> dict:
    """:func:`dispatcher` on the notifications code of git revision ``rev`` (the bench's own
    code stays), in a process of its own: the figure before a change, in the same run."""
    import subprocess
    import tarfile
    import tempfile

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "-C", str(root), "archive", rev, "proto", "libs", "services"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        os.symlink(root / ".local", Path(tree) / ".local")  # the stack's secrets, found from the code's place
        path = os.pathsep.join([f"{tree}/proto", f"{tree}/libs", f"{tree}/services", str(root)])
        out = subprocess.run([sys.executable, "-m", "bench.sms", "--dispatcher", channel], check=True, text=True,
                             stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path, "BENCH_SMS_N": str(n)}).stdout
    return {"code": rev, **json.loads(out.strip().splitlines()[-1])}


def main() -> int:
    n = int(os.environ.get("BENCH_SMS_N", 200 if "--quick" in sys.argv else 1000))
    if "--dispatcher" in sys.argv:  # one figure, for before(): a JSON line
        print(json.dumps(dispatcher(n, sys.argv[sys.argv.index("--dispatcher") + 1]), ensure_ascii=False))
        return 0
    results = run(n)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if "skipped" not in results else 2


def run(n: int) -> dict:
    """Every figure (see the module's docstring), written to bench/results/sms.json."""
    if quiet_hours():
        return {"skipped": "quiet hours (21:00-08:00 local): SMS are deferred, not handed over; run the bench by day"}
    rev = os.environ.get("BENCH_SMS_BEFORE")  # a git revision: its dispatcher figures beside ours
    results = {"measured_at": dt.datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
               "offered_per_second": RATE}
    # interleaved: each delovod figure right after the raw server's
    results["raw_kannel_sendsms"] = raw_kannel(n)
    results["event_to_sms_handed"] = service(n, "sms")
    results["raw_smtp"] = raw_smtp(n)
    results["event_to_email_accepted"] = service(n, "email")
    for channel, name in (("sms", "sms_handed"), ("email", "email_accepted")):
        if rev:
            results[f"before_dispatcher_event_to_{name}"] = before(rev, n, channel)
        results[f"dispatcher_event_to_{name}"] = dispatcher(n, channel)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


if __name__ == "__main__":
    sys.exit(main())
