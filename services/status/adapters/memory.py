"""In-memory case repository for unit tests."""
from __future__ import annotations

import copy
from typing import Iterable, Optional

from servicekit.outbox import OutboxMessage

from ..domain.case import Case


class InMemoryCaseRepository:
    def __init__(self):
        self.cases: dict[str, tuple[Case, int]] = {}
        self.outbox: list[OutboxMessage] = []

    def get(self, case_index: str) -> Optional[tuple[Case, int]]:
        found = self.cases.get(case_index)
        return (copy.deepcopy(found[0]), found[1]) if found else None

    def create(self, case: Case, events: Iterable[OutboxMessage]) -> bool:
        if case.case_index in self.cases:
            return False
        self.cases[case.case_index] = (copy.deepcopy(case), 1)
        self.outbox.extend(events)
        return True

    def save(self, case: Case, version: int, events: Iterable[OutboxMessage]) -> bool:
        if self.cases.get(case.case_index, (None, -1))[1] != version:
            return False
        self.cases[case.case_index] = (copy.deepcopy(case), version + 1)
        self.outbox.extend(events)
        return True
