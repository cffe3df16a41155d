"""What we tell the citizen, in the words of the Charter, addressed to them: which letter a
change calls for and the facts it prints. The words themselves are templates in files
(:mod:`.letters`, ``templates/letters/``).

The greeting names the one reader: "Уважаеми г-н Петров," / "Уважаема г-жо Иванова," when
they gave their form of address (``Contact.salutation``), else "Здравейте, <names>,";
"Здравейте," alone while the name is not known yet. Never a greeting to "citizens" in the
plural for one person.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from delovod_proto.events import CaseOverdue, Contact, Official
from delovod_proto.vocabulary import CaseStage, DocumentKind

from .letters import (APK_APPEAL, ZDOI_APPEAL, Appeal, Letter, LetterFacts, Office, addressed,  # noqa: F401
                      answered_how, greeting, render)

# The stage's letter; leaving a suspension with a new due date is its own letter (resumed).
STAGE_LETTERS = {stage: stage.value for stage in CaseStage}
RESUMED = "resumed"

STAGE_LABELS = {
    CaseStage.REGISTERED: "регистрирана", CaseStage.ASSIGNED: "разпределена на служител",
    CaseStage.IN_PROGRESS: "в процес на разглеждане", CaseStage.SUSPENDED: "спряна",
    CaseStage.EXTENDED: "с удължен срок", CaseStage.ANSWERED: "с изпратен отговор", CaseStage.CLOSED: "приключена",
    CaseStage.AWAITING_CITIZEN: "в очакване на документи или уточнение от Вас",
    CaseStage.RECONSIDERATION_REQUESTED: "отворена отново за преразглеждане", CaseStage.APPEALED: "обжалвана",
}
KIND_LABELS = {
    DocumentKind.LETTER: "писмо", DocumentKind.COMPLAINT: "жалба", DocumentKind.SIGNAL: "сигнал",
    DocumentKind.PROPOSAL: "предложение", DocumentKind.SERVICE_APPLICATION: "заявление за административна услуга",
    DocumentKind.PUBLIC_INFORMATION_REQUEST: "заявление за достъп до обществена информация",
    DocumentKind.FOLLOW_UP: "допълнение към преписка",
}
# Kinds whose answer is an administrative act (or a decision under ЗДОИ): no decision in the
# term is a tacit refusal (АПК чл. 58; ЗДОИ decisions are appealed under the АПК too).
TACIT_REFUSAL_KINDS = (DocumentKind.SERVICE_APPLICATION.value, DocumentKind.PUBLIC_INFORMATION_REQUEST.value)


def signature(office_name: str, phone: str, email: str) -> str:
    """The letters' last lines: the office (``DELOVOD_OFFICE_*``)."""
    return f"{office_name}\nтел. {phone}, {email}\n"


def office_of(signed: str) -> Office:
    """The office back from a :func:`signature` (name, then "тел. <phone>, <email>")."""
    name, _, contact = signed.strip("\n").partition("\nтел. ")
    phone, _, email = contact.rpartition(", ")
    return Office(name, phone, email)


def letter_name(stage: CaseStage, previous: Optional[CaseStage], due: Optional[dt.date]) -> str:
    stage, previous = CaseStage(stage), CaseStage(previous) if previous else None
    return RESUMED if previous in (CaseStage.SUSPENDED, CaseStage.AWAITING_CITIZEN) and stage == CaseStage.IN_PROGRESS and due else STAGE_LETTERS[stage]


def stage_letter(facts: LetterFacts, stage: CaseStage, previous: Optional[CaseStage] = None,
                 appeal: Optional[Appeal] = None, service_named: bool = False, kind: Optional[str] = None) -> Letter:
    """The letter about one stage change. An answer also says how it was sent and how to
    appeal it: ``appeal`` from the catalogue; for a ЗДОИ request the route of ЗДОИ чл. 40; for
    a proposal that there is none (АПК чл. 118, ал. 3); else the АПК general rule (чл. 149)."""
    name = letter_name(stage, previous, facts.due)
    if name == CaseStage.ANSWERED.value:
        kind = kind or facts.kind
        if appeal is None and kind == DocumentKind.PUBLIC_INFORMATION_REQUEST.value:
            appeal = ZDOI_APPEAL
        facts.extra.update(how=answered_how(facts.recipient), appeal=appeal or APK_APPEAL, service_named=service_named,
                           appealable=kind != DocumentKind.PROPOSAL.value)
    return render(name, facts)


def overdue_facts(facts: LetterFacts, e: CaseOverdue) -> LetterFacts:
    facts.extra.update(passed=e.due_date, days=e.days_overdue, tacit=e.kind in TACIT_REFUSAL_KINDS)
    facts.kind = e.kind
    return facts


def overdue_letter(facts: LetterFacts, e: CaseOverdue) -> Letter:
    """To the citizen: the term passed; what it means, what they may do, when to expect the answer."""
    return render("overdue", overdue_facts(facts, e))


def escalation_letter(facts: LetterFacts, e: CaseOverdue, unit: Optional[str]) -> Letter:
    """To the head of the responsible unit (``facts.recipient``, greeted by name when the
    setting gives one): the case, its official, how late it is."""
    overdue_facts(facts, e)
    facts.extra.update(unit=unit,
                       kind_label=KIND_LABELS.get(_kind(e.kind), e.kind), stage_label=STAGE_LABELS.get(e.stage, e.stage),
                       tacit_kinds=TACIT_REFUSAL_KINDS)
    return render("escalation", facts)


def _kind(value: str):
    try:
        return DocumentKind(value)
    except ValueError:
        return value


def compose(case_index: str, stage: CaseStage, subject: str, due: Optional[dt.date], reason: Optional[str],
            status_url: str, previous: Optional[CaseStage] = None,
            recipient: Optional[Contact] = None, *, signed: str, official: Optional[Official] = None,
            previous_due: Optional[dt.date] = None) -> tuple[str, str]:
    """(subject line, body) of the stage-change letter without a case file (no appeal from
    the catalogue): kept for callers that have only the event's facts."""
    facts = LetterFacts(case_index, subject, status_url, office_of(signed), recipient, official, due, previous_due,
                        reason)
    letter = stage_letter(facts, stage, previous)
    return letter.subject, letter.body


def compose_code_notice(case_index: str, reissued_at: dt.datetime, tz: str,
                        recipient: Optional[Contact] = None, *, signed: str) -> tuple[str, str]:
    """A security notice: a new access code was issued for the case (never the code itself);
    its time in the administration's zone ``tz``."""
    from zoneinfo import ZoneInfo

    when = reissued_at.astimezone(ZoneInfo(tz))
    body = (f"{greeting(recipient)}\n\nНа {when:%d.%m.%Y} в {when:%H:%M} ч. е издаден нов код за достъп до преписка "
            f"{case_index}. Предишният код вече не е валиден; новият е отпечатан на разписката, "
            "връчена на гише.\n\nАко не сте поискали нов код, свържете се с нас веднага.\n\n" + signed)
    return f"Преписка {case_index}: издаден е нов код за достъп", body


def backoff_s(attempts: int, base_s: float, cap_s: float = 3600.0) -> float:
    """Delay before the next attempt after ``attempts`` failures (exponential, capped)."""
    return min(base_s * 2 ** max(attempts - 1, 0), cap_s)
