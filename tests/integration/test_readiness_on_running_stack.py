"""GET /health/ready on the running stack: every service is ready while its servers answer;
with one of them paused (SIGSTOP: it accepts connections and answers nothing, the hardest
outage to notice) readiness answers 503 problem+json naming it, within the checks' short
bound, while liveness (/health) stays 200; resumed, the service is ready again."""
import time

import pytest
import requests

from tests.conftest import until
from tests.integration.test_outages_on_running_stack import paused

pytestmark = pytest.mark.integration
SERVICES = {"registry": 8001, "status": 8002, "notifications": 8003, "catalogue": 8004}


def ready(port: int) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_ready_while_its_servers_answer(service):
    answer = until(lambda: (r := ready(SERVICES[service])).status_code == 200 and r, timeout_s=30,
                   what=f"{service} ready")
    assert answer.json() == {"status": "ready", "service": service,
                             "checks": {"mongodb": "ok", "rabbitmq": "ok", "kafka": "ok"}}


@pytest.mark.parametrize("port, dependency, words", [
    (9092, "kafka", "брокерът на събития (Kafka)"), (27017, "mongodb", "базата данни"),
    (5672, "rabbitmq", "брокерът на съобщения (RabbitMQ)")], ids=["kafka", "ferretdb", "rabbitmq"])
def test_a_paused_dependency_makes_the_service_unready_but_alive(port, dependency, words):
    status = SERVICES["status"]
    with paused(port):
        started = time.monotonic()
        answer = ready(status)
        elapsed = time.monotonic() - started
        alive = requests.get(f"http://127.0.0.1:{status}/health", timeout=5)
    assert answer.status_code == 503 and answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["down"] == [dependency] and words in body["detail"], body
    assert elapsed < 5, elapsed  # each check's bound is 2 s
    assert alive.status_code == 200
    until(lambda: ready(status).status_code == 200, timeout_s=60, what="ready again after the pause")
