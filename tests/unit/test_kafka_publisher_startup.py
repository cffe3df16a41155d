"""A publisher handed out while the service is still starting (nameko starts the HTTP
entrypoint, the timers and the Kafka producer at the same time) publishes through the
producer once it is there. Found by the fault tier: after a kill -9 under load the
registry's first worker kept a publisher without a producer for good, so every e-portal
submission was registered but its receipt dead-lettered."""
from types import SimpleNamespace

import eventlet

from servicekit import kafka


class FakeFuture:
    def get(self, timeout=None):
        return None


class FakeProducer:
    def __init__(self):
        self.sent = []

    def send(self, topic, **kwargs):
        self.sent.append(topic)
        return FakeFuture()

    def close(self, timeout=None):
        pass


def test_a_publisher_taken_before_start_uses_the_producer_started_after(monkeypatch):
    producer = FakeProducer()
    monkeypatch.setattr(kafka, "make_producer", lambda bootstrap, kit=None: producer)
    provider = kafka.KafkaPublisher()
    provider.container = SimpleNamespace(config={"SETTINGS": SimpleNamespace(kit=SimpleNamespace(kafka_bootstrap="x:9092"))})
    provider.setup()
    early = provider.get_dependency(worker_ctx=None)  # a worker that ran before start() finished
    eventlet.spawn_after(0.2, provider.start)
    from delovod_proto.envelope import Envelope
    from tests.helpers import registered

    envelope = Envelope.wrap(registered(), source="test", correlation_id="c1")
    early("topic.a", envelope)  # waits for the producer instead of failing on None
    early.many([("topic.b", envelope, None)])
    assert producer.sent == ["topic.a", "topic.b"]
