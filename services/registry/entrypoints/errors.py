"""The registry's errors (service_layer/errors.py) as each transport says them.

HTTP: problem+json; a retryable one is 503 with ``Retry-After`` (handle_problems adds it).
Kafka: a permanent refusal is dead-lettered at once (PermanentFailure: the reason and the
field errors, never values); a retryable one is waited out like a dependency that does not
answer (servicekit.errors.Unavailable: the consumer waits, without using up attempts, and
tries the same message again).
"""
from __future__ import annotations

from servicekit.errors import Unavailable
from servicekit.http import Problem
from servicekit.kafka import PermanentFailure

from ..service_layer.errors import Conflict, NotFound, RegistryError

# (status, title) by the error's class; the first the error is an instance of wins
_HTTP = ((NotFound, 404, "Not Found"), (Conflict, 409, "Conflict"))


def problem(exc: RegistryError) -> Problem:
    if exc.retryable:
        return Problem(503, "Service Unavailable", exc.detail, errors=exc.errors, extra=exc.extra)
    status, title = next(((s, t) for cls, s, t in _HTTP if isinstance(exc, cls)), (422, "Unprocessable Content"))
    return Problem(status, title, exc.detail, errors=exc.errors, extra=exc.extra)


def consumer_failure(exc: RegistryError) -> Exception:
    """What the Kafka consumer should do with a message whose handling raised ``exc``."""
    if exc.retryable:
        return Unavailable("registry", cause=exc)
    return PermanentFailure(exc.detail, exc.errors)
