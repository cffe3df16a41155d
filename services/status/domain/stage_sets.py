"""Stage sets (issue 14 item 1): for a document kind, or one catalogue service of it, which
stages its cases use, what each stage is called for the citizen (public label: the status page
and the letters) and for staff (internal label: the desk), and optionally fewer moves than the
law's :data:`case.ALLOWED`. Each set is versioned; a case keeps the version in force when it
was registered.

What a stage *means* stays in code (the term runs, stops, waits for the citizen; reconsideration
and appeal): :mod:`.case`. A set can only choose among the stages and narrow the moves; it never
adds what the law forbids for the kind (:data:`.kinds.FORBIDDEN_BG`) nor a move ALLOWED lacks."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Mapping, Optional

from delovod_proto.vocabulary import CaseStage, DocumentKind

from .case import ALLOWED, LABELS_BG
from .kinds import FORBIDDEN_BG, kind_label, stages_of

# Every set has these: a case is registered, answered and closed whatever its kind.
REQUIRED = (CaseStage.REGISTERED, CaseStage.ANSWERED, CaseStage.CLOSED)
LABEL_MAX = 120  # a label is a line on the status page and in a letter's subject, not a paragraph
REASON_MAX = 1000
SERVICE_PREFIX = "service:"
# What staff read on the desk (before stage sets, the desk's own table of labels).
INTERNAL_LABELS_BG = {
    CaseStage.REGISTERED: "Регистриран", CaseStage.ASSIGNED: "Възложен", CaseStage.IN_PROGRESS: "В работа",
    CaseStage.SUSPENDED: "Спрян", CaseStage.EXTENDED: "Удължен срок", CaseStage.ANSWERED: "Отговорен",
    CaseStage.CLOSED: "Приключен", CaseStage.AWAITING_CITIZEN: "Чака гражданина",
    CaseStage.RECONSIDERATION_REQUESTED: "За преразглеждане", CaseStage.APPEALED: "Обжалван",
}
# Version 1 of every kind's set is valid from before any case (cases opened before stage sets
# existed, which carry no binding, are read with it).
SEED_VALID_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
SEED_REASON = "Начален набор: етапите и наименованията, които системата използваше дотогава."
# The kinds that open a case (a follow-up joins its case and has no stages of its own).
CASE_KINDS = tuple(k for k in DocumentKind if k != DocumentKind.FOLLOW_UP)


def kind_key(kind: str) -> str:
    return kind


def service_key(code: str) -> str:
    return f"{SERVICE_PREFIX}{code}"


def parse_key(key: str) -> tuple[Optional[str], Optional[str]]:
    """(kind, service code) of a set's key: exactly one of them is set; (None, None) if neither."""
    if key.startswith(SERVICE_PREFIX):
        code = key[len(SERVICE_PREFIX):]
        return (None, code) if code and len(code) <= 100 and code.isprintable() else (None, None)
    try:
        return DocumentKind(key).value, None
    except ValueError:
        return None, None


@dataclass(frozen=True)
class StageLabels:
    public: str  # the citizen's words (status page, letters)
    internal: str  # staff's words (the desk)


@dataclass(frozen=True)
class StageSetRef:
    """The stage set version a case was bound to at registration."""

    key: str
    version: int


@dataclass(frozen=True)
class StageSet:
    kind: str
    service_code: Optional[str]
    version: int
    valid_from: dt.datetime
    stages: Mapping[CaseStage, StageLabels]
    transitions: Mapping[CaseStage, frozenset] = field(default_factory=dict)  # a narrowing of ALLOWED, per stage
    author: Optional[str] = None  # the admin who made it (from their token); None for the seed
    reason: Optional[str] = None
    created_at: Optional[dt.datetime] = None

    @property
    def key(self) -> str:
        return service_key(self.service_code) if self.service_code else kind_key(self.kind)

    @property
    def ref(self) -> StageSetRef:
        return StageSetRef(self.key, self.version)

    def uses(self, stage: CaseStage) -> bool:
        return stage in self.stages

    def next_stages(self, stage: CaseStage) -> list[CaseStage]:
        """The stages a case may move to from ``stage``: the law's moves, among the set's stages,
        narrowed where the set says so (in the order of :class:`CaseStage`)."""
        allowed = self.transitions.get(stage, ALLOWED[stage])
        return [s for s in CaseStage if s in allowed and s in ALLOWED[stage] and s in self.stages]

    def public(self, stage: CaseStage) -> str:
        found = self.stages.get(stage)
        return found.public if found else LABELS_BG[stage]

    def internal(self, stage: CaseStage) -> str:
        found = self.stages.get(stage)
        return found.internal if found else INTERNAL_LABELS_BG[stage]


class StageSetRefused(ValueError):
    """A set that breaks a rule: ``errors`` are ``{"field", "message"}`` in Bulgarian."""

    def __init__(self, detail: str, errors: Optional[list[dict]] = None):
        super().__init__(detail)
        self.detail, self.errors = detail, errors or []


@functools.lru_cache(maxsize=32)
def default_set(kind: str) -> StageSet:
    """Version 1 of a kind's set: what the code did before sets existed."""
    stages = {s: StageLabels(LABELS_BG[s], INTERNAL_LABELS_BG[s]) for s in CaseStage if s in stages_of(kind)}
    return StageSet(kind, None, 1, SEED_VALID_FROM, stages, {}, None, SEED_REASON, None)


def check(kind: str, stages: Mapping[CaseStage, StageLabels], transitions: Mapping[CaseStage, frozenset],
          reason: Optional[str]) -> None:
    """Raise :class:`StageSetRefused` with every broken rule, each next to its field."""
    errors: list[dict] = []

    def refuse(name: str, message: str):
        errors.append({"field": name, "message": message})

    try:
        legal = DocumentKind(kind)
    except ValueError:
        legal = None
    if legal is None or legal == DocumentKind.FOLLOW_UP:
        refuse("kind", "Изберете вид документ, който открива преписка.")
    for stage in REQUIRED:
        if stage not in stages:
            refuse(f"stages.{stage.value}", f"Етап „{LABELS_BG[stage]}“ е задължителен във всеки набор.")
    for stage, labels in stages.items():
        if legal is not None and (legal, stage) in FORBIDDEN_BG:
            refuse(f"stages.{stage.value}", f"Етап „{LABELS_BG[stage]}“ не се прилага за {kind_label(kind)}: "
                                            f"{FORBIDDEN_BG[(legal, stage)]}")
        for which, text in (("public_label", labels.public), ("internal_label", labels.internal)):
            name = f"stages.{stage.value}.{which}"
            if not (text or "").strip():
                refuse(name, f"Въведете наименование на етап „{LABELS_BG[stage]}“.")
            elif len(text.strip()) > LABEL_MAX:
                refuse(name, f"Наименованието е до {LABEL_MAX} знака (сега {len(text.strip())}).")
            elif not text.isprintable():
                refuse(name, "Наименованието е един ред без управляващи знаци.")
    for stage, targets in transitions.items():
        if stage not in stages:
            refuse(f"transitions.{stage.value}", f"Преходи от етап „{LABELS_BG[stage]}“, който не е в набора.")
            continue
        wider = [t for t in targets if t not in ALLOWED[stage]]
        if wider:
            refuse(f"transitions.{stage.value}",
                   f"От „{LABELS_BG[stage]}“ законът не позволява преход към "
                   + ", ".join(f"„{LABELS_BG[t]}“" for t in wider)
                   + ": наборът може само да стеснява допустимите преходи.")
        unused = [t for t in targets if t not in stages and t in ALLOWED[stage]]
        if unused:
            refuse(f"transitions.{stage.value}", "Преход към етап, който не е в набора: "
                   + ", ".join(f"„{LABELS_BG[t]}“" for t in unused) + ".")
    if not errors:
        draft = StageSet(kind, None, 0, SEED_VALID_FROM, stages, transitions)
        unreachable = [s for s in CaseStage if s in stages and s not in reachable(draft)]
        for stage in unreachable:
            refuse(f"stages.{stage.value}", f"Етап „{LABELS_BG[stage]}“ е недостижим от „Регистриран“ "
                                            "с преходите на набора.")
    if not (reason or "").strip():
        refuse("reason", "Посочете причината за промяната (пази се в историята на версиите).")
    elif len(reason.strip()) > REASON_MAX:
        refuse("reason", f"Причината е до {REASON_MAX} знака.")
    if errors:
        raise StageSetRefused("Наборът от етапи не може да бъде записан.", errors)


def reachable(stage_set: StageSet) -> set[CaseStage]:
    """The stages a case of the set can reach from its registration."""
    seen, todo = {CaseStage.REGISTERED}, [CaseStage.REGISTERED]
    while todo:
        for nxt in stage_set.next_stages(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def in_force(versions: list[StageSet], at: dt.datetime) -> Optional[StageSet]:
    """The version a case registered at ``at`` is bound to: the newest valid by then."""
    valid = [v for v in versions if v.valid_from <= at]
    return max(valid, key=lambda v: v.version) if valid else None
