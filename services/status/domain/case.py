"""A case as the citizen follows it: its stage and the history of stages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from delovod_proto.vocabulary import CaseStage

from .kinds import kind_label

if TYPE_CHECKING:
    from .stage_sets import StageSet, StageSetRef

LABELS_BG = {
    CaseStage.REGISTERED: "Регистриран",
    CaseStage.ASSIGNED: "Разпределен на служител",
    CaseStage.IN_PROGRESS: "В процес на разглеждане",
    CaseStage.SUSPENDED: "Спрян",
    CaseStage.EXTENDED: "Удължен срок",
    CaseStage.ANSWERED: "Изпратен отговор",
    CaseStage.CLOSED: "Приключен",
    CaseStage.AWAITING_CITIZEN: "Очакват се документи или уточнение от Вас",
    CaseStage.RECONSIDERATION_REQUESTED: "Поискано преразглеждане",
    CaseStage.APPEALED: "Обжалван",
}
# Which stage may follow which; a reason is required where the citizen must be told why.
ALLOWED = {
    CaseStage.REGISTERED: {CaseStage.ASSIGNED, CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.CLOSED,
                           CaseStage.AWAITING_CITIZEN},
    CaseStage.ASSIGNED: {CaseStage.IN_PROGRESS, CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.ANSWERED,
                         CaseStage.AWAITING_CITIZEN},
    CaseStage.IN_PROGRESS: {CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.ANSWERED, CaseStage.AWAITING_CITIZEN},
    CaseStage.SUSPENDED: {CaseStage.IN_PROGRESS},
    CaseStage.EXTENDED: {CaseStage.IN_PROGRESS, CaseStage.SUSPENDED, CaseStage.ANSWERED, CaseStage.AWAITING_CITIZEN},
    CaseStage.ANSWERED: {CaseStage.CLOSED, CaseStage.IN_PROGRESS, CaseStage.RECONSIDERATION_REQUESTED,
                         CaseStage.APPEALED},
    CaseStage.CLOSED: {CaseStage.RECONSIDERATION_REQUESTED, CaseStage.APPEALED},
    # The citizen sent what was asked: the work goes on; or never did (ЗДОИ чл. 29: not
    # clarified in 30 days, the request is left unexamined): the case closes.
    CaseStage.AWAITING_CITIZEN: {CaseStage.IN_PROGRESS, CaseStage.CLOSED},
    # Reconsideration reopens the case: worked again, answered again, or appealed instead.
    CaseStage.RECONSIDERATION_REQUESTED: {CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.APPEALED},
    # The appeal authority decides: the case closes, or comes back to be worked again.
    CaseStage.APPEALED: {CaseStage.CLOSED, CaseStage.IN_PROGRESS},
}
NEEDS_REASON = {CaseStage.SUSPENDED, CaseStage.EXTENDED, CaseStage.AWAITING_CITIZEN,
                CaseStage.RECONSIDERATION_REQUESTED}
# Stages in which a term runs: answered and closed cases are done; a suspended term, or one
# waiting for the citizen, stands still; reconsideration and appeal have no term of ours.
TERM_RUNS = {CaseStage.REGISTERED, CaseStage.ASSIGNED, CaseStage.IN_PROGRESS, CaseStage.EXTENDED}
# Stages in which the term stands still; leaving one, the term goes on (or, for a clarified
# ЗДОИ request, starts afresh: domain.terms).
TERM_STOPPED = {CaseStage.SUSPENDED, CaseStage.AWAITING_CITIZEN}


# A case is assigned (or reassigned) in every stage but these: its answer has gone out.
ASSIGNABLE_UNTIL = {CaseStage.ANSWERED, CaseStage.CLOSED, CaseStage.APPEALED}


class StageChangeRefused(ValueError):
    pass


def appeal_reason(authority: Optional[str], lodged_on: Optional[dt.date], today: dt.date,
                  note: Optional[str] = None) -> str:
    """What the history keeps of an appeal: before whom and when it was lodged (both needed)."""
    if not (authority or "").strip() or lodged_on is None:
        raise StageChangeRefused("Посочете органа, пред който е обжалвано (appeal_authority), "
                                 "и датата на жалбата (appealed_on).")
    if lodged_on > today:
        raise StageChangeRefused(f"Датата на жалбата ({lodged_on:%d.%m.%Y}) не може да е в бъдещето.")
    text = f"Обжалвано пред {authority.strip()} на {lodged_on:%d.%m.%Y}."
    return f"{text} {note.strip()}" if (note or "").strip() else text


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
    stage_set: Optional["StageSetRef"] = None  # the stage set version bound at registration (None: before sets, v1)

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
               reason: Optional[str] = None, stage_set: Optional["StageSet"] = None) -> CaseStage:
        """Make ``official`` (and their unit) responsible; returns the previous stage. A newly
        registered case moves to "assigned" (when its stage set uses it); a case already being
        worked keeps its stage and the history records the new official (reassignment)."""
        stages = stage_set or _default_set(self.kind)
        if self.stage in ASSIGNABLE_UNTIL:
            raise StageChangeRefused(f"Преписка в етап „{stages.public(self.stage)}“ не се разпределя.")
        if official.same_as(self.official):
            raise StageChangeRefused(f"Преписката вече е разпределена на {self.official.name}.")
        previous = self.stage
        if self.stage == CaseStage.REGISTERED and CaseStage.ASSIGNED in stages.next_stages(self.stage):
            self.stage = CaseStage.ASSIGNED
        self.official = official
        self.history.append(HistoryEntry(self.stage, at, reason, by=by, official=official))
        return previous

    def check_move(self, stage: CaseStage, reason: Optional[str], stage_set: Optional["StageSet"] = None) -> None:
        """Refuse a move :data:`ALLOWED` does not allow from the current stage, a stage the
        case's stage set does not use or a move it leaves out, or one without the reason the
        citizen must be told. ``stage_set``: the version bound to the case (default: the kind's
        first, the code's own rules)."""
        stages = stage_set or _default_set(self.kind)
        now, then = stages.public(self.stage), stages.public(stage)  # as the API always named them
        if stage not in ALLOWED[self.stage]:
            raise StageChangeRefused(f"От „{now}“ не може да се премине към „{then}“.")
        if not stages.uses(stage):
            raise StageChangeRefused(f"Етап „{then}“ не се прилага за {kind_label(self.kind)}.")
        if stage not in stages.next_stages(self.stage):
            raise StageChangeRefused(f"От „{now}“ не може да се премине към „{then}“: наборът от етапи "
                                     f"на преписката (версия {stages.version}) не предвижда този преход.")
        if stage in NEEDS_REASON and not (reason or "").strip():
            raise StageChangeRefused("Посочете причината: гражданинът трябва да я научи (Харта на клиента).")

    def move_to(self, stage: CaseStage, at: dt.datetime, reason: Optional[str], today: Optional[dt.date] = None,
                due_date: Optional[dt.date] = None, term_end: Optional[dt.date] = None,
                by: Optional[Actor] = None, stage_set: Optional["StageSet"] = None) -> CaseStage:
        """Change stage per :data:`ALLOWED`; returns the previous stage. ``today`` is the
        administration's local date of ``at``. The due date moves only as the history says
        (DOMAIN.md): an extension sets the new one (``due_date``, after the current one); a
        suspension, or a request to the citizen, stops the term on ``today``; leaving it,
        ``due_date`` is the date the rest of the term (or a fresh ЗДОИ term) gives from
        ``today`` (the caller computes it on the working calendar)."""
        self.check_move(stage, reason, stage_set)
        resuming = self.stage in TERM_STOPPED
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
        if stage in TERM_STOPPED:
            self.suspended_on = today or at.date()
        elif resuming:
            self.suspended_on = None
        self.history.append(HistoryEntry(stage, at, reason, moved, replaced, by))
        return previous


def _default_set(kind: str) -> "StageSet":
    from .stage_sets import default_set  # the sets name the stages of this module

    return default_set(kind)


# -- the stage index (docs/decisions.md, "The journal's stage filter by the stage index") ----------
def stage_key(stage: str, registered_at: dt.datetime) -> str:
    """A case's stage index entry: ``<stage>|<yyyy-mm>``, the UTC month of its registration
    (a naive time is UTC, as the database keeps it)."""
    moment = registered_at.astimezone(dt.timezone.utc) if registered_at.tzinfo else registered_at
    return f"{stage}|{moment:%Y-%m}"


def stage_member(case_index: str, registered_at: dt.datetime) -> str:
    """A case in its entry: ``<registered_at, UTC to the millisecond>|<index>`` (the database keeps
    milliseconds), so readers order and page the entries before reading any case."""
    moment = registered_at.astimezone(dt.timezone.utc) if registered_at.tzinfo else registered_at
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z|{case_index}"


def member_order(member: str) -> tuple[dt.datetime, str]:
    """(registration time, index) of an entry's member, or of a cursor ``<ISO time>|<index>``."""
    at, _, index = member.partition("|")
    moment = dt.datetime.fromisoformat(at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc), index
