"""Service tier: each service class under nameko itself (nameko's ``container_factory``,
``entrypoint_hook``, ``entrypoint_waiter``) with all its providers, over the stack's real
RabbitMQ and Kafka (`make up` started them)."""
import socket

import pytest

from servicekit.errors import register_typed_errors
from servicekit.runner import nameko_config

KAFKA = "127.0.0.1:9092"  # each test module is marked `service`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_service(container_factory):
    """Start ``cls`` with ``settings`` (its HTTP port a free one) under nameko; the
    container is killed after the test if the test did not stop it."""
    register_typed_errors()

    def start(cls, settings, started: bool = True):
        settings = settings.model_copy(update={"http_port": free_port()})
        container = container_factory(cls, nameko_config(settings))
        if started:
            container.start()
        return container, f"http://127.0.0.1:{settings.http_port}"

    return start
