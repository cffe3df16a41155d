"""Ports of the catalogue's service layer."""
from __future__ import annotations

from typing import Iterable, Optional, Protocol

from servicekit.outbox import OutboxMessage

from ..domain.model import ServiceVersion
from ..domain.search import SearchQuery


class AbstractServiceRepository(Protocol):
    """Versions of services; a version is never changed once published."""

    def latest(self, code: str) -> Optional[ServiceVersion]:
        """Highest version of the code, published or not."""

    def history(self, code: str) -> list[ServiceVersion]:
        """Every version of the code, oldest first."""

    def add(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        """Store a new version with the events announcing it (one atomic write); raises
        :class:`~catalogue.domain.errors.VersionTaken` if that version number exists."""

    def publish(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        """Mark a draft version published, with the events announcing it (one write)."""

    def stamp(self) -> object:
        """A cheap marker that differs whenever a version was added or published since."""

    def all(self) -> list[ServiceVersion]:
        """Every version (the catalogue is small: it is held in memory by the service layer)."""


class AbstractServiceIndex(Protocol):
    """A search index over the versions one deployment serves on one day; built whole from
    them (``factory(versions)``) and never changed: a change builds a new one."""

    def search(self, query: SearchQuery) -> list[ServiceVersion]:
        """Matching versions, best first, at most ``query.limit``; an empty text lists by name."""
