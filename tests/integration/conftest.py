"""Integration tier: each adapter against its real server (`make up` started them)."""
import pytest
from kafka.admin import KafkaAdminClient, NewTopic
from nameko.containers import ServiceContainer

from servicekit.errors import register_typed_errors
from servicekit.runner import nameko_config

pytestmark = pytest.mark.integration
KAFKA = "127.0.0.1:9092"


@pytest.fixture
def topic(uid):
    """A fresh topic per test (auto-creation is off on our broker, as in production)."""
    admin = KafkaAdminClient(bootstrap_servers=KAFKA)
    names = [f"test.{uid}.{n}" for n in ("in", "dlq")]
    admin.create_topics([NewTopic(n, 1, 1) for n in names])
    admin.close()
    return names[0]


@pytest.fixture
def run_container():
    """Start nameko service containers over the real RabbitMQ; stop them after the test."""
    started = []
    register_typed_errors()

    def start(cls, settings):
        container = ServiceContainer(cls, nameko_config(settings))
        container.start()
        started.append(container)
        return container

    yield start
    for c in started:
        c.stop()
