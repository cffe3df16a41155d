"""In-memory case repository for unit tests: the stage and list indexes kept as the MongoDB
adapter keeps them (new entries before the write, old ones removed after)."""
from __future__ import annotations

import copy
from typing import Iterable, Optional

from servicekit.outbox import InMemoryOutbox, OutboxMessage

from ..domain import lists
from ..domain.case import Case, stage_key, stage_member


class InMemoryCaseRepository:
    def __init__(self):
        self.cases: dict[str, tuple[Case, int]] = {}
        self.outbox = InMemoryOutbox()
        self.held: dict[str, tuple[str, int]] = {}
        self.stage_index: dict[str, set[str]] = {}
        self.list_index: dict[str, set[str]] = {}
        self.months: set[str] = set()

    def _key(self, case: Case) -> str:
        return stage_key(case.stage.value, case.registered_at)

    def staged(self, keys: list) -> set:
        return {i for k in keys for i in self.stage_index.get(k, ())}

    def listed(self, keys: list) -> set:
        return {i for k in keys for i in self.list_index.get(k, ())}

    def due_months(self) -> set:
        return set(self.months)

    def _lists_add(self, pairs: set) -> None:
        for key, member in pairs:
            self.list_index.setdefault(key, set()).add(member)
            if key.startswith("due|"):
                self.months.add(key.partition("|")[2])

    def _lists_remove(self, pairs: set) -> None:
        for key, member in pairs:
            self.list_index.get(key, set()).discard(member)

    def hold_code(self, case_index: str, code_hash: str, version: int) -> None:
        if version > self.held.get(case_index, ("", 0))[1]:
            self.held[case_index] = (code_hash, version)

    def held_code(self, case_index: str) -> Optional[tuple[str, int]]:
        return self.held.get(case_index)

    def drop_held_code(self, case_index: str) -> None:
        self.held.pop(case_index, None)

    def get_many(self, case_indexes: list) -> list:
        return [copy.deepcopy(self.cases[i][0]) for i in case_indexes if i in self.cases]

    def get(self, case_index: str) -> Optional[tuple[Case, int]]:
        found = self.cases.get(case_index)
        return (copy.deepcopy(found[0]), found[1]) if found else None

    def create(self, case: Case, events: Iterable[OutboxMessage]) -> bool:
        if case.case_index in self.cases:
            return False
        self.stage_index.setdefault(self._key(case), set()).add(stage_member(case.case_index, case.registered_at))
        self._lists_add(lists.entries_of(case))
        self.cases[case.case_index] = (copy.deepcopy(case), 1)
        self.outbox.extend(events)
        return True

    def save(self, case: Case, version: int, events: Iterable[OutboxMessage]) -> bool:
        if self.cases.get(case.case_index, (None, -1))[1] != version:
            return False
        current = self.cases[case.case_index][0]
        old, member = self._key(current), stage_member(case.case_index, case.registered_at)
        was, now = lists.entries_of(current), lists.entries_of(case)
        self.stage_index.setdefault(self._key(case), set()).add(member)
        self._lists_add(now - was)
        self.cases[case.case_index] = (copy.deepcopy(case), version + 1)
        if old != self._key(case):
            self.stage_index[old].discard(member)
        self._lists_remove(was - now)
        self.outbox.extend(events)
        return True
