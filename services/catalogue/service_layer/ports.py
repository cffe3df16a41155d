"""Ports of the catalogue's service layer."""
from __future__ import annotations

from typing import Iterable, Optional, Protocol

from servicekit.outbox import OutboxMessage

from ..domain.model import ServiceVersion


class AbstractServiceRepository(Protocol):
    """Versions of services; a version is never changed once published."""

    def latest(self, code: str) -> Optional[ServiceVersion]:
        """Highest version of the code, published or not."""

    def add(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        """Store a new version with the events announcing it (one atomic write)."""

    def publish(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        """Mark a draft version published, with the events announcing it (one write)."""

    def all(self) -> list[ServiceVersion]:
        """Every version (the catalogue is small: it is held in memory by the service layer)."""
