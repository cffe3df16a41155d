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
    CaseStage.RECONSIDERATION_REQUESTED: "Поискано преразглеждане",
}
# Which stage may follow which; a reason is required where the citizen must be told why.
ALLOWED = {
    CaseStage.REGISTERED: {CaseStage.ASSIGNED, CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.CLOSED},
    CaseStage.ASSIGNED: {CaseStage.IN_PROGRESS, CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.ANSWERED},
    CaseStage.IN_PROGRESS: {CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.ANSWERED},
    CaseStage.SUSPENDED: {CaseStage.IN_PROGRESS},
    CaseStage.EXTENDED: {CaseStage.IN_PROGRESS, CaseStage.SUSPENDED, CaseStage.ANSWERED},
    CaseStage.ANSWERED: {CaseStage.CLOSED, CaseStage.IN_PROGRESS},
    CaseStage.CLOSED: {CaseStage.RECONSIDERATION_REQUESTED},
    CaseStage.RECONSIDERATION_REQUESTED: {CaseStage.IN_PROGRESS},
}
NEEDS_REASON = {CaseStage.SUSPENDED, CaseStage.EXTENDED}
# Stages in which a term runs: answered and closed cases are done; a suspended term stands still.
TERM_RUNS = {CaseStage.REGISTERED, CaseStage.ASSIGNED, CaseStage.IN_PROGRESS, CaseStage.EXTENDED}


# A case is assigned (or reassigned) in every stage but these: its answer has gone out.
ASSIGNABLE_UNTIL = {CaseStage.ANSWERED, CaseStage.CLOSED}


class StageChangeRefused(ValueError):
    pass


@dataclass(frozen=True)
class Actor:
    """The member of staff who made a change (from their token): the case's own audit trail."""

    username: str
    name: str


@dataclass(frozen=True)
class Official:
    """The official responsible for a case, as the directory names them (Client Charter: the
    citizen learns their name, phone and email)."""

    username: str
    name: str
    unit: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None

    def same_as(self, other: Optional["Official"]) -> bool:
        return other is not None and (self.username, self.unit) == (other.username, other.unit)


@dataclass
class HistoryEntry:
    stage: CaseStage
    at: dt.datetime
    reason: Optional[str] = None
    due_date: Optional[dt.date] = None  # the new due date, when this step moved it
    previous_due_date: Optional[dt.date] = None  # the one it replaced, when this step moved it
    by: Optional[Actor] = None  # who made the change (None: the registration itself, or before this was kept)
    official: Optional[Official] = None  # the official this step assigned the case to


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
    term_unit: Optional[str] = None  # unit of the term (a suspended term resumes in it)
    suspended_on: Optional[dt.date] = None  # the day the proceedings stopped, while they stand still
    overdue_for: Optional[dt.date] = None  # the due date whose passing was announced (once per date)
    term_end: Optional[dt.date] = None  # the term's last day by count, before a move off a non-working day
    official: Optional[Official] = None  # responsible official, once assigned

    def days_overdue(self, today: dt.date) -> int:
        """Calendar days past the due date, 0 if its term is not running late."""
        if self.due_date is None or self.stage not in TERM_RUNS or today <= self.due_date:
            return 0
        return (today - self.due_date).days

    def newly_overdue(self, today: dt.date) -> int:
        """Days overdue if that has not been announced for this due date yet, else 0."""
        return self.days_overdue(today) if self.overdue_for != self.due_date else 0

    def reissue_code(self, code_hash: str, version: int) -> bool:
        """Take a reissued code unless the same or a later one is in place (a redelivered or
        replayed event changes nothing); True if it changed."""
        if version <= self.code_version:
            return False
        self.access_code_hash, self.code_version = code_hash, version
        return True

    def assign(self, official: Official, at: dt.datetime, by: Optional[Actor] = None,
               reason: Optional[str] = None) -> CaseStage:
        """Make ``official`` (and their unit) responsible; returns the previous stage. A newly
        registered case moves to "assigned"; a case already being worked keeps its stage and
        the history records the new official (reassignment)."""
        if self.stage in ASSIGNABLE_UNTIL:
            raise StageChangeRefused(f"Преписка в етап „{LABELS_BG[self.stage]}“ не се разпределя.")
        if official.same_as(self.official):
            raise StageChangeRefused(f"Преписката вече е разпределена на {self.official.name}.")
        previous = self.stage
        if self.stage == CaseStage.REGISTERED:
            self.stage = CaseStage.ASSIGNED
        self.official = official
        self.history.append(HistoryEntry(self.stage, at, reason, by=by, official=official))
        return previous

    def move_to(self, stage: CaseStage, at: dt.datetime, reason: Optional[str], today: Optional[dt.date] = None,
                due_date: Optional[dt.date] = None, term_end: Optional[dt.date] = None,
                by: Optional[Actor] = None) -> CaseStage:
        """Change stage per :data:`ALLOWED`; returns the previous stage. ``today`` is the
        administration's local date of ``at``. The due date moves only as the history says
        (DOMAIN.md): an extension sets the new one (``due_date``, after the current one); a
        suspension stops the term on ``today``; leaving it, ``due_date`` is the date the rest
        of the term gives from ``today`` (the caller computes it on the working calendar)."""
        if stage not in ALLOWED[self.stage]:
            raise StageChangeRefused(f"От „{LABELS_BG[self.stage]}“ не може да се премине към „{LABELS_BG[stage]}“.")
        if stage in NEEDS_REASON and not reason:
            raise StageChangeRefused("Посочете причината: гражданинът трябва да я научи (Харта на клиента).")
        resuming = self.stage == CaseStage.SUSPENDED
        if stage == CaseStage.EXTENDED:
            if due_date is None:
                raise StageChangeRefused("Посочете новия срок (due_date): гражданинът трябва да го научи.")
            if self.due_date is not None and due_date <= self.due_date:
                raise StageChangeRefused(f"Новият срок трябва да е след сегашния ({self.due_date:%d.%m.%Y}).")
        elif due_date is not None and not (resuming and self.due_date is not None):
            raise StageChangeRefused("Срокът се променя само с удължаване или при възобновяване след спиране.")
        previous, self.stage = self.stage, stage
        moved = due_date if due_date is not None and due_date != self.due_date else None
        replaced = self.due_date if moved else None
        if due_date is not None:  # an extension's date is a last day itself; a resumption's comes with its own
            self.due_date, self.term_end = due_date, term_end or due_date
        if stage == CaseStage.SUSPENDED:
            self.suspended_on = today or at.date()
        elif resuming:
            self.suspended_on = None
        self.history.append(HistoryEntry(stage, at, reason, moved, replaced, by))
        return previous
