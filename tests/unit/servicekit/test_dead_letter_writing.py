"""A dead letter always fits in a Kafka message, and failing to write one never stops a
consumer: it is tried again, loudly, and an original the object store refuses stays on its
own topic (with its size and SHA-256)."""
import base64
import hashlib
import logging
from types import SimpleNamespace

import pytest

from delovod_proto.envelope import Envelope
from servicekit import dead_letters
from servicekit.errors import Unavailable
from servicekit.kafka import KafkaConsume

BROKER_LIMIT = 1048588  # Kafka's message.max.bytes default (deploy/local/kafka/server.properties keeps it)


def record(value: bytes, key=b"k", offset=7):
    return SimpleNamespace(topic="eportal.submissions.v1", partition=1, offset=offset, key=key,
                           value=value, headers=[("event_type", b"EportalSubmission")])


class Store:
    bucket = "delovod-dead-letters"

    def __init__(self, fails=0):
        self.kept, self.fails = {}, fails

    def put(self, object_key, key, headers, value):
        if self.fails:
            self.fails -= 1
            raise ConnectionRefusedError("s3 refused")
        self.kept[object_key] = (key, list(headers), value)

    def get(self, bucket, object_key):
        return self.kept[object_key]


def test_a_small_original_travels_inline_with_its_size_and_hash():
    letter = dead_letters.compose("registry.register_submission", record(b"{not json"), "invalid event", store=Store())
    assert base64.b64decode(letter.original_value_b64) == b"{not json" and letter.original_stored is None
    assert letter.original_size == 9 and letter.original_sha256 == hashlib.sha256(b"{not json").hexdigest()
    assert dead_letters.where_original(letter) == "inline"


def test_an_original_just_under_the_brokers_limit_goes_to_the_store_and_the_dead_letter_fits():
    value = b"x" * (BROKER_LIMIT - 200)
    store = Store()
    letter = dead_letters.compose("registry.register_submission", record(value), "invalid event", store=store)
    sent = Envelope.wrap(letter, source="registry", correlation_id="c").model_dump_json().encode()
    assert len(sent) < dead_letters.INLINE_LIMIT < BROKER_LIMIT
    assert letter.original_value_b64 == "" and letter.original_stored.bucket == "delovod-dead-letters"
    assert letter.original_size == len(value) and letter.original_sha256 == hashlib.sha256(value).hexdigest()
    assert dead_letters.original_of(letter, store) == (b"k", [("event_type", b"EportalSubmission")], value)


def test_without_a_store_the_dead_letter_keeps_size_and_hash_only():
    letter = dead_letters.compose("c", record(b"y" * 900_040), "invalid event")
    assert letter.original_value_b64 == "" and letter.original_stored is None
    assert dead_letters.where_original(letter) == "its topic" and letter.original_size == 900_040


def test_an_original_that_does_not_match_its_hash_is_not_replayed():
    store = Store()
    letter = dead_letters.compose("c", record(b"z" * 900_000), "invalid event", store=store)
    store.kept[letter.original_stored.object_key] = (b"k", [], b"tampered")
    with pytest.raises(LookupError):
        dead_letters.original_of(letter, store)


class Producer:
    """kafka-python's ``send(...).get()``, refusing the first ``fails`` sends."""

    def __init__(self, fails=0):
        self.sent, self.fails = [], fails

    def send(self, topic, value, key, headers):
        if self.fails:
            self.fails -= 1
            raise TimeoutError("Kafka did not take the dead letter")
        self.sent.append(Envelope.model_validate_json(value).body())
        return SimpleNamespace(get=lambda timeout: None)


def entrypoint(producer, store):
    entry = KafkaConsume("eportal.submissions.v1", backoff_s=0.001)
    entry.container = SimpleNamespace(service_name="registry")
    entry.group_id, entry.producer, entry.originals = "registry.register_submission", producer, store
    return entry


def test_a_dead_letter_kafka_refuses_is_tried_again_loudly_until_it_is_written(caplog):
    producer = Producer(fails=6)
    entrypoint(producer, Store()).dead_letter(record(b"{"), "invalid event: not an envelope")
    assert len(producer.sent) == 1
    failed = [r for r in caplog.records if r.getMessage() == "dead_letter_failed"]
    assert len(failed) == 6 and all(r.levelno == logging.ERROR and r.ctx["step"] == "send" for r in failed)


def test_an_original_the_store_refuses_stays_on_its_topic_and_the_consumer_goes_on(caplog):
    producer, value = Producer(), b"x" * 900_040
    entrypoint(producer, Store(fails=99)).dead_letter(record(value), "invalid event: not an envelope")
    [letter] = producer.sent
    assert dead_letters.where_original(letter) == "its topic"
    assert letter.original_sha256 == hashlib.sha256(value).hexdigest()
    events = [r.getMessage() for r in caplog.records]
    assert events.count("dead_letter_failed") == KafkaConsume.store_attempts
    assert "dead_letter_original_not_kept" in events and events[-1] == "event_dead_lettered"


def test_a_store_that_comes_back_keeps_the_original():
    producer, store = Producer(), Store(fails=1)
    entrypoint(producer, store).dead_letter(record(b"x" * 900_040), "invalid event")
    assert dead_letters.where_original(producer.sent[0]) == "object storage" and len(store.kept) == 1


def test_a_consumer_being_stopped_leaves_the_message_uncommitted():
    entry = entrypoint(Producer(fails=1), Store())
    entry._stopping = True
    with pytest.raises(Unavailable):
        entry.dead_letter(record(b"{"), "invalid event")


def test_the_log_line_names_fields_not_values(caplog):
    entrypoint(Producer(), Store()).dead_letter(
        record(b'{"email": "petya@example.bg"}'), "rejected: Невалидно подаване.",
        [{"field": "sender.email", "message": "Невалиден адрес на електронна поща."}])
    [line] = [r for r in caplog.records if r.getMessage() == "event_dead_lettered"]
    assert line.ctx["fields"] == ["sender.email"] and "petya" not in str(line.ctx)


def test_a_dead_letter_kafka_finds_too_large_is_sent_again_with_its_original_in_the_store():
    """Cannot be with INLINE_LIMIT under Kafka's limit; should a broker's limit be lower, the
    original goes to the store rather than stopping the consumer."""
    from kafka.errors import MessageSizeTooLargeError

    class Small(Producer):
        def send(self, topic, value, key, headers):
            if len(value) > 2000:
                raise MessageSizeTooLargeError("The message is too large")
            return super().send(topic, value, key, headers)
    producer, store = Small(), Store()
    entrypoint(producer, store).dead_letter(record(b"q" * 5000), "invalid event")
    assert dead_letters.where_original(producer.sent[0]) == "object storage" and len(store.kept) == 1
