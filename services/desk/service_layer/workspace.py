"""The staff's use cases: register incoming mail, open a case, move it, list what is overdue.
Each is one call (or two) to another service on the person's behalf; the rules are theirs."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

from delovod_proto.vocabulary import CaseStage

from ..domain.intake import FieldError, IntakeForm, field_errors, is_date
from ..domain.journal import JournalForm, registry_errors
from ..domain import worklist
from ..domain.people import Official, Person
from .ports import Refused, RosterStore, Services, Unavailable

CSV_MAX_ROWS = 20000  # a year of a middle-sized municipality's mail; a longer export is split by dates
NO_SCAN = "Изберете поне един сканиран файл."
NO_OFFICIAL = "Изберете служител от списъка."
STAGED_BATCH = 200  # cases whose rows the registry is asked for at once (its limit); a list's CSV page
LIST_PAGE = 50  # cases on a page of an official's list
STAGES_DOWN = "Услугата за етапите временно не отговаря."
STAGE_KEYS = ("stage", "stage_label", "days_overdue")
NO_HISTORY = "Етапите на преписката още не са известни (регистрацията току-що е направена или е към друга преписка)."


@dataclass
class Outcome:
    """What a form's page shows: the result, or the errors (summary + per field)."""

    result: Optional[dict] = None
    summary: Optional[str] = None
    errors: list[FieldError] = field(default_factory=list)
    status: int = 422  # of the page showing a refusal (409: changed meanwhile)

    @property
    def ok(self) -> bool:
        return self.result is not None


def asked(ask: Callable[[], dict], not_done: str) -> Outcome:
    """A service's answer as an Outcome; its refusal as the summary, after what was not done."""
    try:
        return Outcome(result=ask())
    except Refused as exc:
        return Outcome(summary=f"{not_done} {exc.detail}")


class Workspace:
    def __init__(self, services: Services, roster: Optional[RosterStore] = None):
        self.services, self.roster = services, roster

    def register(self, person: Person, form: IntakeForm, scans: list, idempotency_key: str,
                 upload_ids: Optional[list[str]] = None) -> Outcome:
        """Register the document (one request: it is registered whole or not at all), with the
        scans sent with the form, or with those the form's script uploaded beforehand
        (``upload_ids``, in order). A repeated key (the form sent twice) returns the first
        registration, without the code; so does the same set of uploads."""
        if not scans and not upload_ids:
            return Outcome(summary="Документът не е регистриран.", errors=[FieldError("scan", NO_SCAN)])
        try:
            if upload_ids:
                answer = self.services.register_uploaded(person, form.metadata(), upload_ids)
            else:
                answer = self.services.register(person, form.metadata(), scans, idempotency_key)
        except Refused as exc:
            return Outcome(summary=f"Документът не е регистриран. {exc.detail}", errors=field_errors(exc.errors))
        return Outcome(result=answer)

    def grant_upload(self, person: Person, file_name: str, size: str, sha256: str, parts: bool) -> dict:
        """The registry's grant for one scan the person's browser is about to upload (JSON for
        the form's script); a refusal or an outage raises (Refused, Unavailable)."""
        try:
            size_bytes = int(size)
        except ValueError:
            raise Refused(422, "Невалиден размер на файла.") from None
        return self.services.grant_upload(person, {"file_name": file_name, "size": size_bytes, "sha256": sha256,
                                                   "parts": parts})

    def upload_step(self, person: Person, upload_id: str, step: str, part_number: str) -> dict:
        """One request of an upload in parts, presigned by the registry for this person only."""
        wanted = {"step": step}
        if part_number:
            if not part_number.isdigit():
                raise Refused(422, "Невалиден номер на част.")
            wanted["part_number"] = int(part_number)
        return self.services.upload_step(person, upload_id, wanted)

    def case(self, person: Person, index: str) -> dict:
        """The registration of ``index`` (personal number masked by the registry)."""
        return self.services.document(person, index.strip())

    def case_history(self, person: Person, case_index: str) -> Outcome:
        """Status's view of the case (stage, due date, official, every change), or why there is
        none yet (a follow-up's case, or one whose registration status has not seen yet)."""
        try:
            return Outcome(result=self.services.case_history(person, case_index.strip()))
        except Refused as exc:
            return Outcome(summary=NO_HISTORY if exc.status == 404 else exc.detail)

    def contact_attempts(self, person: Person, case_index: str) -> list[dict]:
        """Every try to reach the citizen of the case and its outcome, oldest first (the
        Charter's contact promise, with proof: "SMS съобщение: доставено на ... в 14:02 ч.")."""
        return self.services.contact_attempts(person, case_index.strip())

    def officials(self) -> list[Official]:
        """Whom a case can be assigned to: the directory's officials, by unit and name."""
        return self.roster.officials() if self.roster is not None else []

    def assign(self, person: Person, index: str, username: str, reason: str) -> Outcome:
        """Assign the case to an official from the directory, with their unit and contacts."""
        official = next((o for o in self.officials() if o.username == username.strip()), None)
        if official is None:
            return Outcome(summary="Преписката не е разпределена.", errors=[FieldError("official", NO_OFFICIAL)])
        assignment = {"case_index": index.strip(), "official": official.wire(), "reason": reason.strip() or None}
        return asked(lambda: self.services.assign(person, assignment), "Преписката не е разпределена.")

    def worklist(self, person: Person, which: str, today: dt.date, column: str = "due_date",
                 descending: bool = False, after: str = "") -> dict:
        """A page of a list: "mine", the person's open cases; "week", every case whose term ends
        from today to Sunday; status's page (by due date, then index, after the cursor ``after``)
        sorted by ``column``: ``{"items", "next"}``."""
        page = self._worklist_page(person, which, today, after or None, LIST_PAGE)
        return {"items": worklist.sorted_rows(page["items"], column, descending), "next": page.get("next")}

    def every_worklist_row(self, person: Person, which: str, today: dt.date) -> Iterator[dict]:
        """Every row of a list, a page of status's at a time (the CSV), by due date then index."""
        return every_row(lambda after: self._worklist_page(person, which, today, after, STAGED_BATCH))

    def _worklist_page(self, person: Person, which: str, today: dt.date, after: Optional[str], limit: int) -> dict:
        if which == "week":
            return self.services.due(person, worklist.week_end(today).isoformat(), after, limit)
        return self.services.assigned(person, person.uid, after, limit)

    def change_stage(self, person: Person, index: str, stage: str, reason: str, due_date: str,
                     extras: Optional[dict] = None) -> Outcome:
        """``extras``: an extension's legal_ground, an appeal's appeal_authority and appealed_on."""
        change = _stage_change(index, stage, reason, due_date, extras)
        if isinstance(change, Outcome):
            return change
        return asked(lambda: self.services.change_stage(person, change), "Етапът не е променен.")

    def preview_letter(self, person: Person, index: str, stage: str, reason: str, due_date: str) -> Outcome:
        """The letter the citizen would get for this change, exactly as notifications would send
        it (the Charter: the official sees the message before the transition); nothing changes."""
        change = _stage_change(index, stage, reason, due_date)
        if isinstance(change, Outcome):
            return change
        return asked(lambda: self.services.preview_letter(person, change), "Писмото не може да бъде показано.")

    def reissue_access_code(self, person: Person, index: str, reason: str) -> Outcome:
        """A new access code for the case (the old one stops working); the registry wants a reason."""
        try:
            return Outcome(result=self.services.reissue_access_code(person, index, reason.strip()))
        except Refused as exc:
            return Outcome(summary=f"Нов код не е издаден. {exc.detail}",
                           errors=[FieldError("code_reason", e.get("message", "")) for e in exc.errors[:1]])

    def scan(self, person: Person, index: str, n: int) -> tuple[bytes, str]:
        return self.services.scan(person, index, n)

    def overdue(self, person: Person, after: str = "") -> dict:
        """A page of the cases running late, the longest overdue first: ``{"items", "next"}``."""
        return self.services.overdue(person, after or None, LIST_PAGE)

    def every_overdue(self, person: Person) -> Iterator[dict]:
        return every_row(lambda after: self.services.overdue(person, after, STAGED_BATCH))

    def journal(self, person: Person, form: JournalForm, after: str = "", limit: int = 50) -> Outcome:
        """A page of the registry's journal for the form's filter (its errors on the fields),
        each row with its case's stage from status. Filtered by stage or lateness: status names
        the cases (its stage index, read by ``_id``) and the registry gives their rows."""
        errors = form.errors()
        if errors:
            return Outcome(summary="Филтърът не е приложен.", errors=errors)
        try:
            if form.by_stage:
                return Outcome(result=self._journal_by_stage(person, form, after, limit))
            page = self.services.journal(person, {**form.registry_query(), "limit": limit,
                                                  **({"after": after} if after else {})})
            rows, note = self._staged(person, page["items"], required=False)
            return Outcome(result={"items": rows, "next": page.get("next"), "note": note})
        except Refused as exc:
            return Outcome(summary=f"Филтърът не е приложен. {exc.detail}", errors=registry_errors(exc.errors))
        except Unavailable as exc:
            if exc.what != "status":
                raise
            return Outcome(summary=f"{STAGES_DOWN} Филтърът по етап не може да бъде приложен.",
                           errors=[FieldError("stage", STAGES_DOWN)])

    def _journal_by_stage(self, person: Person, form: JournalForm, after: str, limit: int) -> dict:
        """Status's cases of the filter in the journal's order (registration time, index), 200 at
        a time after the cursor (``<registered_at>|<index>`` of the last row shown), and their
        rows from the registry with its other filters, until more than ``limit`` rows are found."""
        rows: list[dict] = []
        cursor, size = after or None, min(limit + 1, STAGED_BATCH)  # a page's worth first (each is read by _id)
        while True:
            answer = self.services.staged_cases(person, {**form.status_query(), "limit": size,
                                                         **({"after": cursor} if cursor else {})})
            size = STAGED_BATCH
            cases = {c["case_index"]: c for c in answer["items"]}
            if cases:
                found = self.services.journal_rows(person, {**form.rows_query(), "indexes": list(cases)})
                rows += [{**r, **{k: v for k, v in cases[_case_of(r)].items() if k in STAGE_KEYS},
                          "_cursor": f"{cases[_case_of(r)]['registered_at']}|{_case_of(r)}"}
                         for r in found if _case_of(r) in cases]
            cursor = answer.get("next")
            if len(rows) > limit or not cursor:
                break
        page = [{k: v for k, v in r.items() if k != "_cursor"} for r in rows[:limit]]
        return {"items": page, "next": rows[limit - 1]["_cursor"] if len(rows) > limit else None,
                "note": None}

    def _staged(self, person: Person, rows: list[dict], required: bool) -> tuple[list[dict], Optional[str]]:
        """The rows with their cases' stage and days late; without status (when not
        ``required``), the rows as they are and a note saying why."""
        if not rows:
            return rows, None
        try:
            known = {s["case_index"]: s for s in self.services.case_stages(person, [_case_of(r) for r in rows])}
        except Unavailable:
            if required:
                raise
            return rows, f"{STAGES_DOWN} Етапите не са показани."
        return [{**r, **{k: v for k, v in known.get(_case_of(r), {}).items() if k in STAGE_KEYS}} for r in rows], None

    def journal_rows(self, person: Person, form: JournalForm) -> Outcome:
        """Every row of the filter, page after page (for the CSV), up to CSV_MAX_ROWS."""
        rows: list[dict] = []
        page = self.journal(person, form, limit=200)
        while page.ok:
            rows += page.result["items"]
            after = page.result.get("next")
            if not after or len(rows) >= CSV_MAX_ROWS:
                return Outcome(result={"items": rows[:CSV_MAX_ROWS], "truncated": bool(after)})
            page = self.journal(person, form, after, limit=200)
        return page

    def service_choices(self, person: Person) -> list[dict]:
        return self.services.catalogue_services(person)

    def pdf(self, person: Person, which: str, index: str, code: Optional[str] = None) -> bytes:
        if which not in ("receipt", "stamp"):
            raise ValueError(which)
        return self.services.pdf(person, which, index, code)


def _stage_change(index: str, stage: str, reason: str, due_date: str, extras: Optional[dict] = None):
    """The change the form asks for (status's request body), or the Outcome naming the field
    the form got wrong; the rules themselves are status's."""
    try:
        target = CaseStage(stage)
    except ValueError:
        return Outcome(summary="Изберете действие.", errors=[FieldError("stage", "Изберете действие.")])
    if due_date and not is_date(due_date):
        return Outcome(summary="Етапът не е променен.",
                       errors=[FieldError("due_date", "Посочете новия срок като дата (ГГГГ-ММ-ДД).")])
    change = {"case_index": index, "stage": target.value, "reason": reason.strip() or None}
    if due_date:
        change["due_date"] = due_date
    extras = {k: v for k, v in (extras or {}).items() if v}
    if extras.get("appealed_on") and not is_date(extras["appealed_on"]):
        return Outcome(summary="Етапът не е променен.",
                       errors=[FieldError("appealed_on", "Посочете датата на жалбата като дата (ГГГГ-ММ-ДД).")])
    return {**change, **extras}


def _case_of(row: dict) -> str:
    return row.get("case_index") or row["registration_index"]


def every_row(page_after: Callable[[Optional[str]], dict]) -> Iterator[dict]:
    """The items of every page ``page_after(cursor)`` answers, following each page's ``next``."""
    after = None
    while True:
        page = page_after(after)
        yield from page["items"]
        after = page.get("next")
        if not after:
            return
