"""Dead letters against Apache Kafka and S3 (SeaweedFS): they hold no personal data, they
always fit, and a message that cannot be handled never stops its consumer."""
import base64
import contextlib
import hashlib
import logging
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from delovod_proto.envelope import Envelope
from delovod_proto.events import Contact, EportalSubmission
from servicekit import dead_letters
from servicekit.kafka import KafkaConsume, consume, make_producer, send_envelope
from servicekit.logs import JsonFormatter
from servicekit.originals import OriginalsStore
from servicekit.settings import KitSettings, ServiceSettings
from tests.conftest import until
from tests.integration.conftest import KAFKA
from tests.integration.test_kafka_entrypoint import SEEN, envelope, make_service

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def broker_limit() -> int:
    """The broker's message.max.bytes: our server.properties' value, else Kafka's default."""
    text = (ROOT / "deploy/local/kafka/server.properties").read_text()
    found = re.search(r"^message\.max\.bytes=(\d+)", text, re.M)
    return int(found.group(1)) if found else 1048588


def letters_of(topic: str, n: int, timeout_s: float = 30) -> list:
    return until(lambda: (lambda found: found if len(found) >= n else None)(
        [(w, d) for w, d in dead_letters.read_all(KAFKA) if d.original_topic == topic]),
        timeout_s=timeout_s, what=f"{n} dead letter(s) of {topic}")


def message_at(topic: str, offset: int):
    consumer = KafkaConsumer(bootstrap_servers=KAFKA, group_id=None, enable_auto_commit=False,
                             max_partition_fetch_bytes=4 * 2**20, fetch_max_bytes=4 * 2**20)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek(tp, offset)
    try:
        return until(lambda: next(iter(consumer.poll(timeout_ms=1000).get(tp, [])), None), what=f"{topic}@{offset}")
    finally:
        consumer.close()


def committed(group: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=KAFKA, group_id=group, enable_auto_commit=False)
    try:
        return consumer.committed(TopicPartition(topic, 0)) or 0
    finally:
        consumer.close()


def alive(container) -> bool:
    entry = next(e for e in container.entrypoints if isinstance(e, KafkaConsume))
    return not container._died.ready() and not entry._stopping


def send_poison(topic: str) -> bytes:
    """A value that is no envelope, as large as the broker takes (Kafka accepts it)."""
    limit = broker_limit()
    value = b"\x00not an envelope " + os.urandom((limit - 160) // 2).hex().encode()
    producer = KafkaProducer(bootstrap_servers=KAFKA, acks="all", max_request_size=limit)
    try:
        producer.send(topic, key=b"poison", value=value).get(timeout=30)
    finally:
        producer.close()
    return value


@pytest.mark.parametrize("concurrency", [1, 12])
def test_a_message_just_under_the_brokers_limit_is_dead_lettered_and_the_consumer_goes_on(
        topic, run_container, concurrency):
    SEEN.clear()
    container = run_container(make_service(topic, concurrency), ServiceSettings(kit=KitSettings()))
    value = send_poison(topic)
    assert len(value) > 1_000_000
    send_envelope(make_producer(KAFKA), topic, envelope("ok-behind-the-poison"), key="poison")
    until(lambda: "ok-behind-the-poison" in SEEN, what="the message behind the poison handled", timeout_s=60)
    [(where, letter)] = letters_of(topic, 1)
    assert dead_letters.where_original(letter) == "object storage" and letter.reason.startswith("invalid event")
    assert letter.original_size == len(value) and letter.original_sha256 == hashlib.sha256(value).hexdigest()
    store = OriginalsStore.from_settings(KitSettings())
    assert dead_letters.original_of(letter, store)[2] == value
    until(lambda: committed("probe.handle", topic) == 2, what="both committed")
    assert alive(container)
    # The operator's replay fetches the original back from object storage, unchanged.
    assert dead_letters.main(["--bootstrap", KAFKA, "replay", "--consumer", "probe.handle", "--topic", topic]) == 0
    again = message_at(topic, 2)
    assert again.value == value and again.key == b"poison"
    assert dict(again.headers)[dead_letters.REPLAY_HEADER] == where.encode()


def test_when_object_storage_refuses_the_original_stays_on_its_topic_and_the_consumer_goes_on(topic, run_container):
    SEEN.clear()
    kit = KitSettings(dead_letters_s3_endpoint="http://127.0.0.1:9")  # nothing listens there
    container = run_container(make_service(topic), ServiceSettings(kit=kit))
    value = send_poison(topic)
    send_envelope(make_producer(KAFKA), topic, envelope("ok-behind"), key="poison")
    until(lambda: "ok-behind" in SEEN, what="the message behind the poison handled", timeout_s=90)
    [(where, letter)] = letters_of(topic, 1)
    assert dead_letters.where_original(letter) == "its topic" and letter.original_size == len(value)
    assert alive(container)
    assert dead_letters.replay(KAFKA, [(where, letter)]) == 1  # read back from its topic, checked by its hash
    assert message_at(topic, 2).value == value


def test_a_dead_letter_kafka_refuses_for_a_while_is_written_once_it_takes_it(topic, run_container, monkeypatch):
    """Both the store and the dead-letter topic fail at first: the consumer waits, saying so,
    and never exits."""
    from servicekit import kafka as kit_kafka

    SEEN.clear()
    real, refusals = kit_kafka.send_envelope, []

    def refusing(producer, topic_name, env, *a, **kw):
        if env.event_type == "DeadLetter" and len(refusals) < 4:
            refusals.append(1)
            raise kit_kafka.kafka_errors.KafkaTimeoutError("dead-letter topic not available")
        return real(producer, topic_name, env, *a, **kw)
    monkeypatch.setattr(kit_kafka, "send_envelope", refusing)
    container = run_container(make_service(topic), ServiceSettings(kit=KitSettings(dead_letters_s3_endpoint="http://127.0.0.1:9")))
    send_poison(topic)
    send_envelope(make_producer(KAFKA), topic, envelope("ok-after-the-wait"), key="poison")
    until(lambda: "ok-after-the-wait" in SEEN, what="handled after the dead letter was written", timeout_s=90)
    assert len(refusals) == 4 and len(letters_of(topic, 1)) == 1 and alive(container)


EMAIL, PHONE = "petya.koleva@@example.bg", "+35988812"


def test_a_rejected_eportal_submission_keeps_the_fields_not_the_values(topic, run_container, caplog):
    """The registry's own consumer method, on a topic of this test: a wrong email and a
    wrong phone are rejected (dead-lettered), an email too long for the contract is an
    invalid event; neither the dead letters nor any log line holds the values."""
    from registry.entrypoints.service import RegistryService
    from registry.service_layer.eportal import EportalIntake

    class EportalProbe:
        name = "eportal_probe"
        app = SimpleNamespace(registry=SimpleNamespace(eportal=EportalIntake(None, None, None, 0)),
                              uploads=SimpleNamespace(hold=lambda n: contextlib.nullcontext()))
        catalogue = None  # the RPC adapter (servicekit.providers.RpcClient); these submissions never reach it

        @consume(topic, concurrency=12)
        def register_submission(self, env):
            return RegistryService.register_submission(self, env)

    caplog.set_level(logging.INFO)
    run_container(EportalProbe, ServiceSettings(kit=KitSettings()))
    producer = make_producer(KAFKA)
    long_email = "petya." + "k" * 260 + "@example.bg"
    for sid, contact in (("EP-email", dict(preferred_channel="email", email=EMAIL)),
                         ("EP-phone", dict(preferred_channel="sms", phone=PHONE)),
                         ("EP-long", dict(preferred_channel="email", email="p@example.bg"))):
        body = EportalSubmission(submission_id=sid, submitted_at="2026-12-02T10:00:00Z", kind="signal", subject="Сметище",
                                 applicant=Contact(name="Петя Колева", **contact))
        env = Envelope.wrap(body, source="eportal", correlation_id=sid)
        if sid == "EP-long":  # past the contract's 254 characters: not a valid event at all
            env = env.model_copy(update={"data": {**env.data, "applicant": {**env.data["applicant"], "email": long_email}}})
        send_envelope(producer, topic, env, key=sid)
    letters = {base64.b64decode(d.original_key_b64).decode(): d for _, d in letters_of(topic, 3)}
    for d in letters.values():
        text = d.model_dump_json(exclude={"original_value_b64"})
        assert EMAIL not in text and PHONE not in text and long_email not in text and "petya" not in text
    assert EMAIL.encode() in base64.b64decode(letters["EP-email"].original_value_b64)  # kept for replay
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert "event_dead_lettered" in logged
    assert EMAIL not in logged and PHONE not in logged and long_email not in logged and "petya" not in logged
    assert [e.field for e in letters["EP-email"].errors] == ["email"]
    assert [e.field for e in letters["EP-phone"].errors] == ["phone"]
    assert [e.field for e in letters["EP-long"].errors] == ["data.applicant.email"]
    assert letters["EP-email"].reason.startswith("rejected: Невалидно подаване")
    assert letters["EP-long"].reason.startswith("invalid event")
