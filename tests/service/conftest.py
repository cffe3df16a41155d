"""Service tier: each service class under nameko itself (nameko's ``container_factory``,
``entrypoint_hook``, ``entrypoint_waiter``) with all its providers, over the stack's real
RabbitMQ and Kafka (`make up` started them)."""
import socket

import pytest

from servicekit.errors import register_typed_errors
from servicekit.kafka import KafkaConsume
from servicekit.runner import nameko_config

KAFKA = "127.0.0.1:9092"  # each test module is marked `service`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_service(container_factory, monkeypatch, uid):
    """Start ``cls`` with ``settings`` (its HTTP port a free one) under nameko; the
    container is killed after the test if the test did not stop it.

    Its Kafka consumers join groups of their own: under the service's own group
    (``status.on_document_registered``) a test container would share the running stack's
    partitions, consume the stack's events into its test database and commit them, and the
    stack's service would never see them (a clean-clone run lost two registrations to status
    that way while another checkout's service tier ran against the same Kafka)."""
    register_typed_errors()
    setup = KafkaConsume.setup

    def own_group(entrypoint):
        setup(entrypoint)
        entrypoint.group_id = f"test-{uid}.{entrypoint.group_id}"  # not "status.…": the fault tier counts those

    monkeypatch.setattr(KafkaConsume, "setup", own_group)

    def start(cls, settings, started: bool = True):
        settings = settings.model_copy(update={"http_port": free_port()})
        container = container_factory(cls, nameko_config(settings))
        if started:
            container.start()
        return container, f"http://127.0.0.1:{settings.http_port}"

    return start
