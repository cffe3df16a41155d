"""The bounce receiver as it runs (`python -m notifications.entrypoints.bounces`, its own
process on a free port) against the stack's Kafka: a DSN sent over SMTP is answered 250 only
once it is on the bounces topic, whole and keyed by its bounce address; a recipient outside
the bounce domain is refused; the process stops cleanly on SIGTERM."""
import base64
import os
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from tests.conftest import until
from tests.integration.conftest import KAFKA
from tests.integration.secured_servers import free_port, stop, wait_port

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DSN = (ROOT / "tests" / "unit" / "notifications" / "dsn" / "postfix-user-unknown.eml").read_bytes().replace(b"\n", b"\r\n")


@pytest.fixture
def receiver(tmp_path):
    port = free_port()
    log = tmp_path / "bounces.log"
    env = {**os.environ, "PYTHONPATH": "proto:libs:services", "DELOVOD_NOTIFICATIONS_BOUNCE_PORT": str(port),
           "DELOVOD_NOTIFICATIONS_BOUNCE_DOMAIN": "bounces.plovdiv.bg", "DELOVOD_KAFKA_BOOTSTRAP": KAFKA}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "notifications.entrypoints.bounces"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_port(port, process, log)
        yield port, process, log
    finally:
        stop(process)


@pytest.fixture
def bounces_topic():
    """A consumer of every partition of the bounces topic, from its end now."""
    consumer = KafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    parts = [TopicPartition(topics.NOTIFICATIONS_BOUNCES, p) for p in consumer.partitions_for_topic(topics.NOTIFICATIONS_BOUNCES)]
    consumer.assign(parts)
    consumer.seek_to_end()
    for p in parts:
        consumer.position(p)
    yield consumer
    consumer.close()


def read(consumer, recipient):
    for records in consumer.poll(timeout_ms=500).values():
        for r in records:
            envelope = Envelope.model_validate_json(r.value)
            if envelope.body().recipient == recipient:
                return r, envelope.body()
    return None


def test_a_dsn_is_on_kafka_whole_when_it_is_answered(receiver, bounces_topic, uid):
    port, _, _ = receiver
    recipient = f"bounces+{uid}.abcdefghij@bounces.plovdiv.bg"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        refused = smtp.sendmail("", [recipient], DSN)  # a DSN's envelope sender is empty (RFC 3464)
    assert refused == {}
    record, bounce = until(lambda: read(bounces_topic, recipient), timeout_s=20, what="the bounce on Kafka")
    kept = base64.b64decode(bounce.message_b64)
    assert kept.rstrip(b"\r\n") == DSN.rstrip(b"\r\n") and bounce.size == len(kept) and not bounce.truncated
    assert bounce.mail_from == "" and bounce.remote == "127.0.0.1" and record.key == recipient.encode()


def test_a_recipient_outside_the_bounce_domain_is_refused(receiver):
    port, _, _ = receiver
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("")
        code, text = smtp.rcpt("someone@plovdiv.bg")
    assert code == 550 and b"Not a bounce address" in text


def test_it_stops_on_sigterm(receiver):
    _, process, _ = receiver
    process.terminate()
    assert process.wait(timeout=20) == 0
