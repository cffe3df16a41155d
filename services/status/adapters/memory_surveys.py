"""In-memory survey store for unit tests (the contract: tests/contract/test_survey_store_ports.py)."""
from __future__ import annotations

import copy
import dataclasses
from typing import Optional

from ..domain.survey import Answer, Survey


class InMemorySurveyStore:
    def __init__(self):
        self.services: dict[str, str] = {}
        self.surveys: dict[str, Survey] = {}

    def note_service(self, case_index: str, service_code: str) -> None:
        self.services[case_index] = service_code

    def service_of(self, case_index: str) -> Optional[str]:
        return self.services.get(case_index)

    def add(self, survey: Survey) -> None:
        self.surveys[survey.token_hash] = copy.deepcopy(survey)

    def get(self, token_hash: str) -> Optional[Survey]:
        return copy.deepcopy(self.surveys.get(token_hash))

    def record(self, survey: Survey, answer: Answer) -> bool:
        stored = self.surveys.get(survey.token_hash)
        if stored is None or stored.answer is not None:
            return False
        self.surveys[survey.token_hash] = dataclasses.replace(stored, answer=answer)
        return True

    def answered(self, limit: int = 10_000) -> list[Survey]:
        done = [copy.deepcopy(s) for s in self.surveys.values() if s.answer is not None]
        return sorted(done, key=lambda s: s.answer.answered_at, reverse=True)[:limit]
