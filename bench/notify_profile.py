"""Where an event's time goes on its way to a citizen (``python -m bench.notify_profile``;
needs `make up`): the database commands (a pymongo CommandListener, by command name and
name) and the wall clock of each step, per event, for the email and the SMS path,
one event at a time on the stack's FerretDB, SMTP relay and Kannel. A database of its own,
dropped after. Results: printed, and bench/results/notify-profile.json (with
``--queue-then-claim``: notify-profile-queue-then-claim.json). "event" is the consumer's call;
"then" what follows it: the claim and the send (``--queue-then-claim``, the way before the
consumer sent at once), and for an SMS its delivery report."""
import eventlet

eventlet.monkey_patch()

import collections  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import pymongo  # noqa: E402
from pymongo import monitoring  # noqa: E402

FAST = "--queue-then-claim" not in sys.argv  # the old way: queued by the event, then claimed and sent
OUT = Path(__file__).resolve().parent / "results" / ("notify-profile.json" if FAST else "notify-profile-queue-then-claim.json")


class Commands(monitoring.CommandListener):
    """Counts commands and their server time by (command, collection)."""

    def __init__(self):
        self.counts, self.micros = collections.Counter(), collections.Counter()

    def started(self, event):
        pass

    def succeeded(self, event):
        self._count(event)

    def failed(self, event):
        self._count(event, "!")

    def _count(self, event, mark=""):
        key = f"{event.command_name}{mark}"
        self.counts[key] += 1
        self.micros[key] += event.duration_micros

    def take(self) -> tuple[collections.Counter, collections.Counter]:
        counts, micros = self.counts, self.micros
        self.counts, self.micros = collections.Counter(), collections.Counter()
        return counts, micros


def main() -> int:
    listener = Commands()
    monitoring.register(listener)
    from delovod_proto.envelope import Envelope
    from delovod_proto.events import CaseStatusChanged, Contact
    from notifications.bootstrap import bootstrap
    from notifications.service_layer.dispatcher import DeliveryReport
    from notifications.settings import NotificationsSettings
    from tests.helpers import registered

    n = int(os.environ.get("BENCH_PROFILE_N", "100"))
    db = f"bench_profile_{uuid.uuid4().hex[:8]}"
    settings = NotificationsSettings(mongo_uri=f"mongodb://127.0.0.1:27017/{db}",
                                     sms_report_base_url="http://127.0.0.1:9")  # reports are not the subject here
    app = bootstrap(settings)
    noon = dt.datetime.now(dt.timezone.utc).replace(hour=10, minute=0) - dt.datetime.now(dt.timezone.utc)
    app.dispatcher.clock = lambda: dt.datetime.now(dt.timezone.utc) + noon  # outside quiet hours
    out = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "n": n,
           "load_before": os.getloadavg()}
    try:
        for channel in ("email", "sms"):
            steps = collections.defaultdict(float)
            ops = {}
            for i in range(n + 5):  # five to warm up (indexes, connections, templates)
                index = f"ПРОФ-{channel}-{i}/03.12.2026"
                contact = Contact(name="Мария Петрова", preferred_channel=channel, phone=f"+35989{i:07d}",
                                  email=f"m{i}@example.bg")
                listener.take()
                t0 = time.perf_counter()
                app.dispatcher.on_document_registered(registered(index).model_copy(update={"sender": contact}))
                t1 = time.perf_counter()
                c_reg, _ = listener.take()
                body = CaseStatusChanged(case_index=index, stage="registered", changed_at=dt.datetime.now(dt.timezone.utc),
                                         due_date=dt.date(2026, 12, 29), subject="Улично осветление")
                envelope = Envelope.wrap(body, source="status", correlation_id=index)
                t2 = time.perf_counter()
                if FAST:  # as the consumer does since the fast path: queued and sent in one call
                    assert app.dispatcher.on_status_changed(envelope, send_now=True)
                    t3 = time.perf_counter()
                    c_queue, m_queue = listener.take()
                else:
                    app.dispatcher.on_status_changed(envelope)
                    t3 = time.perf_counter()
                    c_queue, m_queue = listener.take()
                    assert app.dispatcher.dispatch_due(index) == 1
                if channel == "sms":  # its delivery report, as Kannel's call to the service applies it
                    assert app.dispatcher.on_delivery_report(str(envelope.event_id), DeliveryReport(
                        "delivered", dt.datetime.now(dt.timezone.utc))) == "delivered"
                t4 = time.perf_counter()
                c_send, m_send = listener.take()
                if i < 5:
                    continue
                for name, secs in (("registered_ms", t1 - t0), ("event_ms", t3 - t2), ("then_ms", t4 - t3)):
                    steps[name] += secs * 1000 / n
                for name, (c, m) in (("registered", (c_reg, None)), ("event", (c_queue, m_queue)),
                                     ("then (claim and send; SMS: its report)", (c_send, m_send))):
                    agg = ops.setdefault(name, {"commands": collections.Counter(), "db_ms": 0.0})
                    agg["commands"].update({k: v / n for k, v in c.items()})
                    if m is not None:
                        agg["db_ms"] += sum(m.values()) / 1000 / n
            out[channel] = {"per_event_ms": {k: round(v, 2) for k, v in steps.items()},
                            "commands_per_event": {k: {"total": round(sum(v["commands"].values()), 1),
                                                       "by_command": {c: round(x, 1) for c, x in sorted(v["commands"].items())},
                                                       **({"db_ms": round(v["db_ms"], 2)} if v["db_ms"] else {})}
                                                   for k, v in ops.items()}}
            out[channel]["gateway_ms"] = round(_gateway(app, channel, n), 2)
    finally:
        pymongo.MongoClient("mongodb://127.0.0.1:27017/").drop_database(db)
    out["load_after"] = os.getloadavg()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _gateway(app, channel: str, n: int) -> float:
    """The channel's own send, alone (one SMTP transaction, one sendsms), in ms."""
    from delovod_proto.events import Contact
    from delovod_proto.vocabulary import ContactChannel
    from notifications.service_layer.dispatcher import Notification

    sender = app.dispatcher.channels[ContactChannel(channel)]
    contact = Contact(name="Мария", preferred_channel=channel, phone="+359890000001", email="m@example.bg")
    note = Notification(str(uuid.uuid4()), "ПРОФ-1", "Преписка ПРОФ-1: регистрирана",
                        "Здравейте,\n\nhttps://example.bg/s\n" * 10)
    t = time.perf_counter()
    for _ in range(n):
        sender.send(note, contact)
    return (time.perf_counter() - t) * 1000 / n


if __name__ == "__main__":
    sys.exit(main())
