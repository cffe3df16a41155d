"""The letters of a case: from the events (and the case file notifications keeps of them) to a
rendered letter. One path for a letter that is sent and for an official's preview of it, so the
preview is exactly the message that would go out."""
from __future__ import annotations

import datetime as dt
import uuid
from email.utils import parseaddr
from typing import Optional, Protocol
from zoneinfo import ZoneInfo

from delovod_proto.events import CaseOverdue, CaseStatusChanged, Contact, DocumentRegistered, Official
from delovod_proto.vocabulary import CaseStage, ContactChannel

from ..domain import messages
from ..domain.case_file import CaseFile
from ..domain.letters import Appeal, Letter, LetterFacts, Office, addressed


class AbstractCaseFiles(Protocol):
    def update(self, case_index: str, **values) -> None: ...

    def get(self, case_index: str) -> Optional[CaseFile]: ...


class AbstractCatalogue(Protocol):
    def appeal(self, code: str, at: dt.date) -> Optional[Appeal]:
        """None: the catalogue has no such service or says nothing; raises Unavailable when down."""


def head_key(case_index: str) -> str:
    """The recipient key of a case's escalation (the unit's head), next to the citizen's."""
    return f"{case_index}#head"


def escalation_id(event_id: uuid.UUID) -> str:
    """The escalation's notification id: one per CaseOverdue event, like the citizen's letter."""
    return str(uuid.uuid5(event_id, "escalation"))


class Correspondence:
    """``unit_heads``: unit name → the head's address, "Name <email>" or "email"
    (``DELOVOD_NOTIFICATIONS_UNIT_HEADS``); ``escalation_email``: where escalations of other
    units go (the office, by default)."""

    def __init__(self, case_files: AbstractCaseFiles, office: Office, status_url: str, tz: str,
                 unit_heads: Optional[dict[str, str]] = None, escalation_email: Optional[str] = None):
        self.case_files, self.office, self.status_url, self.tz = case_files, office, status_url, tz
        self.unit_heads, self.escalation_email = dict(unit_heads or {}), escalation_email or office.email

    @classmethod
    def in_memory(cls, status_url: str, tz: str, signed: str) -> "Correspondence":
        """Case files in memory, the office read back from the signature (tests, tools)."""
        from ..adapters.case_files import InMemoryCaseFiles

        return cls(InMemoryCaseFiles(), messages.office_of(signed), status_url, tz)

    # -- what we learn ---------------------------------------------------------------------
    def registered(self, e: DocumentRegistered) -> None:
        self.case_files.update(e.case_index, subject=e.subject, kind=e.kind.value, service_code=e.service_code,
                               registered_on=e.registered_at.astimezone(ZoneInfo(self.tz)).date(),
                               unit=e.responsible_unit)

    def status_changed(self, e: CaseStatusChanged) -> None:
        values = dict(subject=e.subject, stage=e.stage, due=e.due_date)
        if e.official is not None:  # kept once assigned: a later event without one does not unassign
            values["official"] = e.official
        if e.stage_labels:  # the case's stage set version: its words for a previewed letter
            values["stage_labels"] = e.stage_labels
        self.case_files.update(e.case_index, **values)

    # -- letters ---------------------------------------------------------------------------
    def status_letter(self, e: CaseStatusChanged, recipient: Optional[Contact], catalogue=None) -> Letter:
        """The letter about ``e``, for ``recipient`` (neutral greeting while unknown)."""
        case = self.case_files.get(e.case_index) or CaseFile(case_index=e.case_index)
        official = e.official or case.official
        facts = self._facts(e.case_index, e.subject, recipient, official, e.due_date, e.previous_due_date, e.reason)
        facts.extra["survey_url"] = e.survey_url  # the closed letter's one-time survey link (Client Charter)
        # the stage as the citizen reads it, in the case's own stage set version (status names it)
        facts.extra["stage_label"] = e.stage_label or (case.stage_labels or {}).get(CaseStage(e.stage))
        appeal, named = self._appeal(case, catalogue) if e.stage == CaseStage.ANSWERED else (None, False)
        return messages.stage_letter(facts, e.stage, e.previous_stage, appeal, named, kind=case.kind)

    def preview(self, case_index: str, stage: CaseStage, reason: Optional[str], due: Optional[dt.date],
                official: Optional[Official], recipient: Optional[Contact], catalogue=None) -> Letter:
        """The letter a transition of ``case_index`` to ``stage`` would send, as sent (addressed)."""
        case = self.case_files.get(case_index) or CaseFile(case_index=case_index)
        event = CaseStatusChanged(case_index=case_index, stage=stage, previous_stage=case.stage,
                                  changed_at=dt.datetime.now(dt.timezone.utc), due_date=due or case.due,
                                  previous_due_date=case.due if due and case.due and due != case.due else None,
                                  reason=reason, subject=case.subject or "", official=official)
        letter = self.status_letter(event, recipient, catalogue)
        return Letter(letter.subject, addressed(letter.body, recipient) if recipient else letter.body)

    def overdue_letter(self, e: CaseOverdue, recipient: Optional[Contact]) -> Letter:
        case = self.case_files.get(e.case_index) or CaseFile(case_index=e.case_index)
        due = case.due if case.due and case.due > e.due_date else None  # a later date set since: the new expectation
        facts = self._facts(e.case_index, e.subject, recipient, case.official, due, None, None)
        return messages.overdue_letter(facts, e)

    def escalation(self, e: CaseOverdue) -> tuple[Contact, Letter]:
        """To whom the missed term is escalated (the unit's head, else the office) and what they read."""
        case = self.case_files.get(e.case_index) or CaseFile(case_index=e.case_index)
        unit = case.responsible_unit()
        name, email = parseaddr(self.unit_heads.get(unit or "", self.escalation_email))
        head = Contact(name=name[:300], preferred_channel=ContactChannel.EMAIL, email=email)
        facts = self._facts(e.case_index, e.subject, head, case.official, None, None, None)
        return head, messages.escalation_letter(facts, e, unit)

    # -- a citizen's change of contact --------------------------------------------------------
    def contact_code_letter(self, case_index: str, recipient: Contact, code: str, expires_at: dt.datetime) -> Letter:
        """The code, to the new address (an SMS carries the subject line: the code is in it)."""
        facts = self._facts(case_index, "", recipient, None, None, None, None)
        facts.extra.update(code=code, until=expires_at.astimezone(ZoneInfo(self.tz)))
        return messages.render("contact_code", facts)

    def contact_changed_letter(self, case_index: str, recipient: Contact, channel: ContactChannel, masked: str,
                               at: dt.datetime) -> Letter:
        """To the old contact: it was replaced, when, by what (masked); whom to call if it was not them."""
        facts = self._facts(case_index, "", recipient, None, None, None, None)
        facts.extra.update(channel=ContactChannel(channel).value, masked=masked, at=at.astimezone(ZoneInfo(self.tz)))
        return messages.render("contact_changed", facts)

    def _facts(self, case_index, subject, recipient, official, due, previous_due, reason) -> LetterFacts:
        return LetterFacts(case_index, subject, self.status_url, self.office, recipient, official, due, previous_due,
                           reason)

    def _appeal(self, case: CaseFile, catalogue) -> tuple[Optional[Appeal], bool]:
        """The catalogue's appeal route for the case's service (in the version bound to it)."""
        if catalogue is None or not case.service_code:
            return None, False
        at = case.registered_on or dt.datetime.now(ZoneInfo(self.tz)).date()
        return catalogue.appeal(case.service_code, at), True

