"""In-memory case repository for unit tests."""
from __future__ import annotations

import copy
from typing import Iterable, Optional

from servicekit.outbox import InMemoryOutbox, OutboxMessage

from delovod_proto.vocabulary import CaseStage

from ..domain.case import TERM_RUNS, Case, stage_key, stage_member


class InMemoryCaseRepository:
    def __init__(self):
        self.cases: dict[str, tuple[Case, int]] = {}
        self.outbox = InMemoryOutbox()
        self.held: dict[str, tuple[str, int]] = {}
        self.stage_index: dict[str, set[str]] = {}

    def _key(self, case: Case) -> str:
        return stage_key(case.stage.value, case.registered_at)

    def staged(self, keys: list) -> set:
        return {i for k in keys for i in self.stage_index.get(k, ())}

    def hold_code(self, case_index: str, code_hash: str, version: int) -> None:
        if version > self.held.get(case_index, ("", 0))[1]:
            self.held[case_index] = (code_hash, version)

    def held_code(self, case_index: str) -> Optional[tuple[str, int]]:
        return self.held.get(case_index)

    def drop_held_code(self, case_index: str) -> None:
        self.held.pop(case_index, None)

    def late(self, today, limit: int = 1000, unannounced: bool = False) -> list:
        found = sorted((c.due_date, c.case_index, c.overdue_for == c.due_date) for c, _ in self.cases.values()
                       if c.days_overdue(today) and not (unannounced and c.overdue_for == c.due_date))
        return [(index, due, announced) for due, index, announced in found][:limit]

    def assigned(self, username: str, limit: int = 500) -> list:
        return [copy.deepcopy(c) for c, _ in self.cases.values()
                if c.official and c.official.username == username and c.stage != CaseStage.CLOSED][:limit]

    def due_between(self, first, last, limit: int = 500) -> list:
        return [copy.deepcopy(c) for c, _ in self.cases.values()
                if c.stage in TERM_RUNS and c.due_date and first <= c.due_date <= last][:limit]

    def get_many(self, case_indexes: list) -> list:
        return [copy.deepcopy(self.cases[i][0]) for i in case_indexes if i in self.cases]

    def get(self, case_index: str) -> Optional[tuple[Case, int]]:
        found = self.cases.get(case_index)
        return (copy.deepcopy(found[0]), found[1]) if found else None

    def create(self, case: Case, events: Iterable[OutboxMessage]) -> bool:
        if case.case_index in self.cases:
            return False
        self.stage_index.setdefault(self._key(case), set()).add(stage_member(case.case_index, case.registered_at))
        self.cases[case.case_index] = (copy.deepcopy(case), 1)
        self.outbox.extend(events)
        return True

    def save(self, case: Case, version: int, events: Iterable[OutboxMessage]) -> bool:
        if self.cases.get(case.case_index, (None, -1))[1] != version:
            return False
        old, member = self._key(self.cases[case.case_index][0]), stage_member(case.case_index, case.registered_at)
        self.stage_index.setdefault(self._key(case), set()).add(member)
        self.cases[case.case_index] = (copy.deepcopy(case), version + 1)
        if old != self._key(case):
            self.stage_index[old].discard(member)
        self.outbox.extend(events)
        return True
