"""Runs one nameko service in this process with its typed settings.

Call :func:`run` from the service's ``__main__`` after ``eventlet.monkey_patch()``.
"""
from __future__ import annotations

import errno
import logging
import signal
import sys

import eventlet
from nameko.runners import ServiceRunner

from . import logs
from .errors import register_typed_errors

log = logging.getLogger(__name__)


def nameko_config(settings) -> dict:
    return {"AMQP_URI": settings.kit.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{settings.http_host}:{settings.http_port}",
            "SETTINGS": settings, "serializer": "json", "max_workers": settings.max_workers}


def run(service_cls, settings) -> None:
    logs.configure(settings.kit.log_level)
    register_typed_errors()
    runner = ServiceRunner(nameko_config(settings))
    runner.add_service(service_cls)

    def shutdown(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        runner.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"{service_cls.name}: port {settings.http_port} is already in use; "
                  f"stop what uses it or set the port variable", file=sys.stderr)
            sys.exit(2)
        raise
    logs.event(log, "service_started", service=service_cls.name, port=settings.http_port)
    runner.wait()
