"""The running stack's notifications (`make up`) with a second process in its consumer
groups, as deploy/k8s runs two replicas: status events are split between the two members,
a member that joins while the other works through a batch (the other's commit is refused,
the new member gets those events again) and a member that stops while it has events in
hand (they come again to the one left) change nothing: every event's email is sent once,
to its recipient, and recorded once. The second process is started and stopped here (on
port 8013); the stack's own process stays."""
import datetime as dt
import email
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pymongo
import pytest
import requests
from kafka import KafkaAdminClient

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseStatusChanged, Contact
from servicekit.kafka import envelope_headers, make_producer
from tests.conftest import until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MAILDIR = ROOT / ".local" / "mail" / "new"
KAFKA, MONGO, SECOND = "127.0.0.1:9092", "mongodb://127.0.0.1:27017/", 8013
GROUP = "notifications.on_status_changed"
N, RATE = 450, 60.0  # events, offered per second: the second member joins and leaves while they flow


def members(group: str = GROUP) -> int:
    """Members of the group that have partitions (a stable group)."""
    admin = KafkaAdminClient(bootstrap_servers=KAFKA)
    try:
        described = admin.describe_groups([group])[group]
        if described["group_state"] != "Stable":
            return 0
        return sum(1 for m in described["members"] if isinstance(m["member_assignment"], dict)
                   and any(a["partitions"] for a in m["member_assignment"]["assigned_partitions"]))
    finally:
        admin.close()


def start_second_member(log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("proto", "libs", "services")),
           "DELOVOD_NOTIFICATIONS_HTTP_PORT": str(SECOND),
           "DELOVOD_NOTIFICATIONS_SMS_REPORT_BASE_URL": f"http://127.0.0.1:{SECOND}"}
    return subprocess.Popen([sys.executable, "-m", "notifications"], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def mails_to(domain: str, since: float) -> dict[str, list[str]]:
    """Message-IDs of the mails the stack's relay took since ``since``, by recipient in ``domain``."""
    out: dict[str, list[str]] = {}
    for path in MAILDIR.iterdir():
        if path.stat().st_mtime < since:
            continue
        with path.open("rb") as f:
            message = email.message_from_binary_file(f)
        if message["To"] and message["To"].endswith(domain):
            out.setdefault(message["To"], []).append(message["Message-ID"])
    return out


def test_two_members_send_every_email_once_through_a_join_and_a_leave(tmp_path):
    if not answers(8003):
        pytest.fail("the stack's notifications does not answer on 8003: is the stack up (`make up`)?")
    run, since = uuid.uuid4().hex[:8], time.time() - 1
    domain = f"@two-{run}.example.bg"
    recipients, events = [], []
    for i in range(N):
        index = f"ДВА-{run}-{i}/03.12.2026"
        contact = Contact(name="Мария Петрова", preferred_channel="email", email=f"m{i}{domain}")
        recipients.append({"_id": index, "contact": contact.model_dump(mode="json")})
        events.append(Envelope.wrap(CaseStatusChanged(case_index=index, stage="registered",
                                                      changed_at=dt.datetime.now(dt.timezone.utc),
                                                      due_date=dt.date(2026, 12, 29), subject="Улично осветление"),
                                    source="status", correlation_id=index))
    db = pymongo.MongoClient(MONGO)["notifications"]
    db["recipients"].insert_many(recipients)  # as DocumentRegistered would have
    producer, second = make_producer(KAFKA), None
    try:
        start = time.perf_counter()
        for i, e in enumerate(events):
            time.sleep(max(0.0, start + i / RATE - time.perf_counter()))
            producer.send(topics.CASES_STATUS_CHANGED, value=e.model_dump_json().encode(),
                          key=e.correlation_id.encode(), headers=envelope_headers(e))
            if i == N // 6:  # joins while the stack's member works
                second = start_second_member(tmp_path / "second.log")
            if i == N // 3:  # then both work through half of the events
                until(lambda: members() == 2, timeout_s=60, what="the second member in the group")
                until(lambda: answers(SECOND), timeout_s=60, what="the second member's HTTP")
                start = time.perf_counter() - i / RATE  # on at the offered rate, not in a burst
            if i == 5 * N // 6:  # has sent its share, then leaves with events in hand (a rolling update's SIGTERM)
                until(lambda: (tmp_path / "second.log").read_text().count('"notification_sent"') >= 10, timeout_s=90,
                      interval_s=0.2, what="the second member sending its partitions' emails")
                second.send_signal(signal.SIGTERM)
        producer.flush(timeout=30)
        assert second.wait(timeout=60) == 0, (tmp_path / "second.log").read_text()[-3000:]
        ids = {str(e.event_id) for e in events}
        sent = until(lambda: (lambda s: s if len({a["notification_id"] for a in s}) == N else None)(
            [a for a in db["attempts"].find({"notification_id": {"$in": list(ids)}, "outcome": "sent"})]),
            timeout_s=240, interval_s=2, what=f"all {N} emails sent")
        time.sleep(3)  # anything sent twice would be recorded by now (the timer runs every 2 s)
        sent = list(db["attempts"].find({"notification_id": {"$in": list(ids)}, "outcome": "sent"}))
        assert len(sent) == N, f"{len(sent) - N} emails recorded as sent twice"
        mails = mails_to(domain, since)
        assert len(mails) == N, f"{N - len(mails)} recipients got no email"
        twice = {to: got for to, got in mails.items() if len(got) != 1}
        assert not twice, f"sent more than once: {list(twice.items())[:5]}"
        assert {m[0].strip("<>").split("@")[0] for m in mails.values()} == ids
    finally:
        producer.close(timeout=5)
        if second is not None and second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
        db["recipients"].delete_many({"_id": {"$in": [r["_id"] for r in recipients]}})
