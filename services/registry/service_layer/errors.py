"""What the registry's use cases refuse, and whether trying again can help.

- :class:`Refused`: the request, as sent, can never succeed (invalid, not found, in
  conflict with what is registered). Nothing was taken. Sending it again changes nothing.
- :class:`TemporarilyUnavailable`: nothing is wrong with the request; the registry could not
  take it now (too many claims at once, a claim that outlived its window). The same request
  may succeed later, and loses nothing by waiting.

No transport's codes here: the entrypoints map these (HTTP: entrypoints/problems.py,
problem+json, 503 with Retry-After for the retryable; Kafka: entrypoints/service.py,
permanent to the dead-letter topic, retryable waited out). ``detail`` is Bulgarian (it
reaches a clerk or a dead letter); ``errors`` lists ``{"field", "message"}`` and never
quotes a value; ``extra`` carries what the caller needs to act (an earlier index).
"""
from __future__ import annotations

from typing import ClassVar, Optional


class RegistryError(Exception):
    retryable: ClassVar[bool] = False

    def __init__(self, detail: str, errors: Optional[list[dict]] = None, extra: Optional[dict] = None):
        super().__init__(detail)
        self.detail, self.errors, self.extra = detail, errors or [], extra or {}


class Refused(RegistryError):
    """Permanent: the request as sent cannot be registered or answered."""


class Invalid(Refused):
    """The request breaks a rule (a scan's type, a missing reason, an unknown service)."""


class NotFound(Refused):
    """What the request names does not exist."""


class Conflict(Refused):
    """The request collides with what is registered (the same scan, a reused key)."""


class TemporarilyUnavailable(RegistryError):
    """Retryable: the registry could not take the request now; it took nothing."""

    retryable = True


class Overloaded(TemporarilyUnavailable):
    """Claims of one series kept colliding with other replicas' past the attempts allowed."""


class ClaimTimedOut(TemporarilyUnavailable):
    """A registration waited for its claim past the claim window: it claims nothing, since
    the relay may already treat its announced uploads as abandoned."""
