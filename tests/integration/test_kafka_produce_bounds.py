"""Sending an event is bounded by the settings: kafka-python's own defaults let a send wait
60 s for metadata (a topic or a broker that is not there) before it fails."""
import time

import pytest
from kafka.errors import KafkaTimeoutError

from servicekit.kafka import make_producer
from servicekit.settings import KitSettings
from tests.integration.conftest import KAFKA

pytestmark = pytest.mark.integration


def test_the_producer_takes_its_bounds_from_the_settings():
    kit = KitSettings(kafka_max_block_ms=1234, kafka_request_timeout_ms=4321, kafka_delivery_timeout_ms=9876)
    producer = make_producer(KAFKA, kit)
    try:
        assert (producer.config["max_block_ms"], producer.config["request_timeout_ms"],
                producer.config["delivery_timeout_ms"]) == (1234, 4321, 9876)
    finally:
        producer.close(timeout=5)


def test_a_send_that_gets_no_metadata_fails_within_max_block_ms(uid):
    producer = make_producer(KAFKA, KitSettings(kafka_max_block_ms=500))
    try:
        started = time.monotonic()
        with pytest.raises(KafkaTimeoutError):
            producer.send(f"test.{uid}.never-created", b"x").get(timeout=30)  # topics are not auto-created
        assert time.monotonic() - started < 3
    finally:
        producer.close(timeout=5)


def test_without_settings_the_producer_uses_the_processs_kit_settings():
    producer = make_producer(KAFKA)
    try:
        assert producer.config["max_block_ms"] == KitSettings().kafka_max_block_ms
    finally:
        producer.close(timeout=5)
