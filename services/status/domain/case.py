"""A case as the citizen follows it: its stage and the history of stages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from delovod_proto.vocabulary import CaseStage

LABELS_BG = {
    CaseStage.REGISTERED: "Регистриран",
    CaseStage.ASSIGNED: "Разпределен на служител",
    CaseStage.IN_PROGRESS: "В процес на разглеждане",
    CaseStage.SUSPENDED: "Спрян",
    CaseStage.EXTENDED: "Удължен срок",
    CaseStage.ANSWERED: "Изпратен отговор",
    CaseStage.CLOSED: "Приключен",
}
# Which stage may follow which; a reason is required where the citizen must be told why.
ALLOWED = {
    CaseStage.REGISTERED: {CaseStage.ASSIGNED, CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.CLOSED},
    CaseStage.ASSIGNED: {CaseStage.IN_PROGRESS, CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.ANSWERED},
    CaseStage.IN_PROGRESS: {CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.ANSWERED},
    CaseStage.SUSPENDED: {CaseStage.IN_PROGRESS},
    CaseStage.EXTENDED: {CaseStage.IN_PROGRESS, CaseStage.SUSPENDED, CaseStage.ANSWERED},
    CaseStage.ANSWERED: {CaseStage.CLOSED, CaseStage.IN_PROGRESS},
    CaseStage.CLOSED: set(),
}
NEEDS_REASON = {CaseStage.SUSPENDED, CaseStage.EXTENDED}


class StageChangeRefused(ValueError):
    pass


@dataclass
class HistoryEntry:
    stage: CaseStage
    at: dt.datetime
    reason: Optional[str] = None


@dataclass
class Case:
    case_index: str
    subject: str
    kind: str
    registered_at: dt.datetime
    due_date: Optional[dt.date]
    access_code_hash: str
    stage: CaseStage = CaseStage.REGISTERED
    history: list[HistoryEntry] = field(default_factory=list)
    code_version: int = 0  # how many times a clerk reissued the code (the registry numbers them)

    def reissue_code(self, code_hash: str, version: int) -> bool:
        """Take a reissued code unless the same or a later one is in place (a redelivered or
        replayed event changes nothing); True if it changed."""
        if version <= self.code_version:
            return False
        self.access_code_hash, self.code_version = code_hash, version
        return True

    def move_to(self, stage: CaseStage, at: dt.datetime, reason: Optional[str]) -> CaseStage:
        """Change stage per :data:`ALLOWED`; returns the previous stage."""
        if stage not in ALLOWED[self.stage]:
            raise StageChangeRefused(f"От „{LABELS_BG[self.stage]}“ не може да се премине към „{LABELS_BG[stage]}“.")
        if stage in NEEDS_REASON and not reason:
            raise StageChangeRefused("Посочете причината: гражданинът трябва да я научи (Харта на клиента).")
        previous, self.stage = self.stage, stage
        self.history.append(HistoryEntry(stage, at, reason))
        return previous
