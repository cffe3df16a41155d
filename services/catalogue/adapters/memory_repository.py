"""In-memory :class:`AbstractServiceRepository` for unit tests (proven by the contract suite)."""
from __future__ import annotations

from typing import Iterable, Optional

from servicekit.outbox import InMemoryOutbox, OutboxMessage

from ..domain.errors import VersionTaken
from ..domain.model import ServiceVersion


class InMemoryServiceRepository:
    def __init__(self):
        self.versions: list[ServiceVersion] = []
        self.outbox = InMemoryOutbox()

    def latest(self, code: str) -> Optional[ServiceVersion]:
        mine = [v for v in self.versions if v.code == code]
        return max(mine, key=lambda v: v.version) if mine else None

    def history(self, code: str) -> list[ServiceVersion]:
        return sorted((v for v in self.versions if v.code == code), key=lambda v: v.version)

    def add(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        if any(v.code == version.code and v.version == version.version for v in self.versions):
            raise VersionTaken(f"{version.code}:{version.version}")
        self.versions.append(version)
        self.outbox.extend(events)

    def publish(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        self.versions = [version if (v.code, v.version) == (version.code, version.version) else v
                         for v in self.versions]
        self.outbox.extend(events)

    def stamp(self) -> tuple:
        return len(self.versions), sum(v.published for v in self.versions)

    def all(self) -> list[ServiceVersion]:
        return list(self.versions)
