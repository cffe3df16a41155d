"""The rules of a case's term that status applies (DOMAIN.md, "Terms"): which legal ground
allows an extension of which kind of case and how far, and how a term goes on after the
citizen was asked for documents or a clarification."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from delovod_proto.vocabulary import DocumentKind, TermUnit
from servicekit.numbers_bg import count_bg

from .case import StageChangeRefused


@dataclass(frozen=True)
class ExtensionGround:
    """A rule that allows a longer term: the new due date may not pass ``value`` ``unit``
    counted from the current due date (``from_registration``: from the registration)."""

    code: str
    citation: str  # the article, quoted in the history and the letter
    why: str  # when the rule applies, in Bulgarian
    value: int
    unit: TermUnit
    from_registration: bool = False

    def describe(self) -> str:
        base = "от регистрирането" if self.from_registration else "към сегашния срок"
        return f"{self.citation} ({self.why}): до {count_bg(self.value, self.unit.value)} {base}"


ZDOI_LARGE_VOLUME = ExtensionGround(
    "zdoi_30_1", "ЗДОИ чл. 30, ал. 1", "исканата информация е в голямо количество", 10, TermUnit.CALENDAR_DAYS)
ZDOI_THIRD_PARTY = ExtensionGround(
    "zdoi_31_1", "ЗДОИ чл. 31, ал. 1", "нужно е съгласието на трето лице", 14, TermUnit.CALENDAR_DAYS)
# АПК чл. 57 (DOMAIN.md): 14 days, one month when facts must be established, parties heard or
# opinions sought; counted from the start of the proceedings (the registration).
APK_ONE_MONTH = ExtensionGround(
    "apk_57", "АПК чл. 57", "нужно е установяване на факти, изслушване на страни или становища", 1, TermUnit.MONTHS,
    from_registration=True)
# АПК чл. 118, ал. 2: a proposal's two months may be extended by the superior authority to six.
APK_PROPOSAL = ExtensionGround(
    "apk_118_2", "АПК чл. 118, ал. 2", "нужно е по-продължително проучване", 6, TermUnit.MONTHS,
    from_registration=True)
# АПК чл. 121: a signal is decided within two months at the most (the Charter promises 30 days).
APK_SIGNAL = ExtensionGround(
    "apk_121", "АПК чл. 121", "законовият максимум за сигнали", 2, TermUnit.MONTHS, from_registration=True)

EXTENSION_GROUNDS: dict[DocumentKind, tuple[ExtensionGround, ...]] = {
    DocumentKind.PUBLIC_INFORMATION_REQUEST: (ZDOI_LARGE_VOLUME, ZDOI_THIRD_PARTY),
    DocumentKind.SERVICE_APPLICATION: (APK_ONE_MONTH,),
    DocumentKind.LETTER: (APK_ONE_MONTH,),
    DocumentKind.PROPOSAL: (APK_PROPOSAL,),
    DocumentKind.SIGNAL: (APK_SIGNAL,),
    DocumentKind.COMPLAINT: (APK_SIGNAL,),
}
# ЗДОИ names the extension's ground itself; for the other kinds it may be left out (no cap
# is then applied: the Charter's own promise is the official's).
GROUND_REQUIRED = {DocumentKind.PUBLIC_INFORMATION_REQUEST}

# ЗДОИ чл. 29, ал. 2: a request clarified by the citizen gets the full 14 days again, counted
# from the clarification (not the rest of the old term).
ZDOI_CLARIFIED_DAYS = 14
ZDOI_CLARIFIED_SOURCE = "ЗДОИ чл. 29, ал. 2: 14 дни от уточняването на заявлението"


class ExtensionRefused(StageChangeRefused):
    """An extension the law does not allow: a ground the kind has not, or a date past its cap."""


def _kind(kind: str) -> Optional[DocumentKind]:
    try:
        return DocumentKind(kind)
    except ValueError:
        return None


def extension_ground(kind: str, code: Optional[str]) -> Optional[ExtensionGround]:
    """The ground an extension of a case of ``kind`` names, checked against the kind's rules;
    None when the kind allows an extension without one."""
    known = _kind(kind)
    allowed = EXTENSION_GROUNDS.get(known, ())
    if code is None:
        if known in GROUND_REQUIRED:
            raise ExtensionRefused("Посочете правното основание на удължаването (legal_ground): "
                                   + "; ".join(f"{g.code} — {g.describe()}" for g in allowed) + ".")
        return None
    found = next((g for g in allowed if g.code == code), None)
    if found is None:
        choices = "; ".join(f"{g.code} — {g.describe()}" for g in allowed) or "няма допустими основания"
        raise ExtensionRefused(f"Основанието „{code}“ не се прилага за този вид преписка. Допустими: {choices}.")
    return found


def cap_start(ground: ExtensionGround, registered_on: dt.date, due_date: Optional[dt.date]) -> dt.date:
    """The day the ground's cap is counted from."""
    return registered_on if ground.from_registration or due_date is None else due_date


def check_cap(ground: ExtensionGround, new_due: dt.date, cap: dt.date) -> None:
    """Refuse a new due date past the last day ``ground`` allows (counted on the registry's
    working calendar into ``cap``)."""
    if new_due > cap:
        raise ExtensionRefused(f"Новият срок {new_due:%d.%m.%Y} надхвърля позволеното от {ground.describe()}: "
                               f"най-късно {cap:%d.%m.%Y}.")


def restarts_on_clarification(kind: str) -> bool:
    """ЗДОИ чл. 29, ал. 2: a clarified public information request starts its term afresh."""
    return _kind(kind) == DocumentKind.PUBLIC_INFORMATION_REQUEST
