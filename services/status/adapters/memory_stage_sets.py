"""Stage set versions in memory (unit tests and a stack without a database)."""
from __future__ import annotations

import threading
from typing import Optional

from ..domain.stage_sets import StageSet
from ..service_layer.stage_sets import VersionTaken


class InMemoryStageSetRepository:
    def __init__(self):
        self.versions: dict[tuple[str, int], StageSet] = {}
        self._lock = threading.Lock()

    def add(self, stage_set: StageSet) -> None:
        with self._lock:
            if (stage_set.key, stage_set.version) in self.versions:
                raise VersionTaken(stage_set.key)
            self.versions[(stage_set.key, stage_set.version)] = stage_set

    def history(self, key: str) -> list[StageSet]:
        return sorted((s for (k, _), s in self.versions.items() if k == key), key=lambda s: s.version)

    def get(self, key: str, version: int) -> Optional[StageSet]:
        return self.versions.get((key, version))

    def keys(self) -> list[str]:
        return sorted({k for k, _ in self.versions})
