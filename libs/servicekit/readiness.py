"""Readiness: does this process reach the servers it cannot work without? Each service class
names them (``depends_on``); ``GET /health/ready`` asks each at once, every check bounded by a
short timeout, and answers 200, or 503 problem+json naming what does not answer. Kubernetes
takes a pod that is not ready out of its Service until it is again; liveness (``/health``)
stays a cheap "the process answers", so an outage of a dependency never restarts pods.

Each check opens what the service itself uses, with its own settings (TLS and SASL too):
MongoDB through the service's own connection (a ``ping``), RabbitMQ and Kafka with a short
connection of their own (Kafka: bootstrap, metadata, closed)."""
from __future__ import annotations

import logging
import time
from typing import Callable, Iterable

import eventlet
from nameko.extensions import DependencyProvider

from . import logs

log = logging.getLogger(__name__)

TIMEOUT_S = 2.0  # each check; a probe's own timeout (deploy/k8s: 5 s) is above it

# What the 503's Bulgarian detail calls each dependency
NAMES_BG = {"mongodb": "базата данни", "rabbitmq": "брокерът на съобщения (RabbitMQ)",
            "kafka": "брокерът на събития (Kafka)"}


def mongodb(settings, app, timeout_s: float) -> None:
    import mongoengine
    import pymongo

    with pymongo.timeout(timeout_s):
        mongoengine.get_db(app.mongo_alias).command("ping")


def rabbitmq(settings, app, timeout_s: float) -> None:
    from kombu import Connection

    with Connection(settings.kit.amqp_uri, connect_timeout=timeout_s) as connection:
        connection.connect()


def kafka(settings, app, timeout_s: float) -> None:
    from kafka.admin import KafkaAdminClient

    options = {**settings.kit.kafka_options(), "bootstrap_timeout_ms": int(timeout_s * 1000)}
    KafkaAdminClient(bootstrap_servers=settings.kit.kafka_bootstrap.split(","),
                     request_timeout_ms=int(timeout_s * 1000), **options).close()


CHECKS: dict[str, Callable] = {"mongodb": mongodb, "rabbitmq": rabbitmq, "kafka": kafka}


def check(names: Iterable[str], settings, app, timeout_s: float = TIMEOUT_S) -> dict[str, str]:
    """``{name: "ok" | why not}`` for each dependency, checked at once, each within ``timeout_s``."""
    def one(name: str) -> tuple[str, str]:
        started = time.monotonic()
        try:
            with eventlet.Timeout(timeout_s + 0.5):  # a check that ignores its own bound
                CHECKS[name](settings, app, timeout_s)
            return name, "ok"
        except BaseException as exc:  # eventlet.Timeout is not an Exception
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            why = f"{type(exc).__name__}: {exc}"[:300]
            logs.event(log, "dependency_not_ready", logging.WARNING, dependency=name, error=why,
                       ms=round((time.monotonic() - started) * 1000))
            return name, why
    pool = eventlet.GreenPool()
    return dict(pool.imap(one, list(names)))


def problem_detail(down: list[str]) -> str:
    return "Услугата не е готова: не отговаря " + ", ".join(NAMES_BG.get(d, d) for d in down) + "."


class Readiness(DependencyProvider):
    """Injects ``ready()`` -> ``{name: "ok" | why}`` for the service class's ``depends_on``."""

    def setup(self):
        self.settings = self.container.config["SETTINGS"]
        self.names = tuple(getattr(self.container.service_cls, "depends_on", ()))
        unknown = set(self.names) - set(CHECKS)
        if unknown:
            raise ValueError(f"no readiness check for {sorted(unknown)}; known: {sorted(CHECKS)}")

    def get_dependency(self, worker_ctx):
        service = worker_ctx.service
        return lambda: check(self.names, self.settings, getattr(service, "app", None))
