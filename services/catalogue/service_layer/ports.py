"""Ports of the catalogue's service layer."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional, Protocol

from servicekit.outbox import OutboxMessage

from ..domain.model import ServiceVersion


class AbstractServiceRepository(Protocol):
    """Versions of services; a version is never changed once published."""

    def latest(self, code: str) -> Optional[ServiceVersion]:
        """Highest version of the code, published or not."""

    def valid_at(self, code: str, at: dt.date) -> Optional[ServiceVersion]:
        """The published version with the latest ``valid_from`` not after ``at``."""

    def add(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        """Store a new version with the events announcing it (one atomic write)."""

    def current(self, at: dt.date) -> list[ServiceVersion]:
        """For each code, the version valid at ``at``."""
