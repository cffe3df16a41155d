"""What the desk's use cases need from the outside: the directory, the session store, and the
other services' APIs (each call made on behalf of a person)."""
from __future__ import annotations

from typing import Optional, Protocol

from ..domain.people import Official, Person
from ..domain.session import Session


class SignInRefused(Exception):
    """Wrong password, unknown user, locked account or no role: one answer for all."""


class Unavailable(Exception):
    """A server the desk needs did not answer (or answered 5xx): nothing was done there."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class Refused(Exception):
    """A service answered with a problem (4xx): its Bulgarian ``detail`` and field ``errors``."""

    def __init__(self, status: int, detail: str, errors: Optional[list[dict]] = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []


class Directory(Protocol):
    def authenticate(self, username: str, password: str) -> Person:
        """The person, or SignInRefused; Unavailable when the directory does not answer."""


class RosterStore(Protocol):
    """The officials a case can be assigned to (refreshed from the directory at each sign-in)."""

    def replace(self, officials: list[Official]) -> None: ...

    def officials(self) -> list[Official]: ...


class DeadLetterTopic(Protocol):
    """Kafka's dead letters (every service's consumers write there)."""

    def letters(self) -> list[dict]:
        """Each as {where, consumer, topic, at, failed_at, reason, errors}, the latest first."""

    def replay(self, where: str) -> Optional[dict]:
        """Send the one at ``where`` again; None if there is none."""


class SessionStore(Protocol):
    def get(self, session_id: str) -> Optional[Session]: ...

    def put(self, session: Session) -> None: ...

    def delete(self, session_id: str) -> None: ...


class Services(Protocol):
    """The registry, status and catalogue APIs; every call carries the person's token.
    Raises Refused (4xx problem) or Unavailable."""

    def register(self, person: Person, metadata: dict, scans: list[tuple[str, bytes, str]],
                 idempotency_key: str) -> dict: ...

    def register_uploaded(self, person: Person, metadata: dict, upload_ids: list[str]) -> dict:
        """Register from scans the person's browser uploaded beforehand (the set of uploads is
        the request's key: sent twice, it answers the first registration)."""

    def grant_upload(self, person: Person, file: dict) -> dict:
        """An upload of one declared scan (file_name, size, sha256, parts): the registry's grant."""

    def upload_step(self, person: Person, upload_id: str, step: dict) -> dict:
        """One request of an upload in parts (step, part_number), presigned by the registry."""

    def document(self, person: Person, index: str) -> dict: ...

    def pdf(self, person: Person, which: str, index: str, code: Optional[str] = None) -> bytes: ...

    def reissue_access_code(self, person: Person, index: str, reason: str) -> dict: ...

    def scan(self, person: Person, index: str, n: int) -> tuple[bytes, str]:
        """The n-th scan's bytes and content type (fetched through a short-lived link)."""

    def change_stage(self, person: Person, change: dict) -> dict: ...

    def contact_attempts(self, person: Person, case_index: str) -> list[dict]:
        """Notifications' attempts to reach the citizen of the case (NotificationAttempt items)."""

    def preview_letter(self, person: Person, change: dict) -> dict:
        """The letter notifications would send for ``change`` (subject, body, channel)."""

    def overdue(self, person: Person, after: Optional[str] = None, limit: int = 200) -> dict:
        """A page of the cases running late, the longest overdue first (by due date, then index):
        ``{"items": [...], "next": cursor or None}``."""

    def case_history(self, person: Person, index: str) -> dict:
        """Status's staff view of the case: stage, due date, official, every change."""

    def assign(self, person: Person, assignment: dict) -> dict: ...

    def case_stages(self, person: Person, case_indexes: list[str]) -> list[dict]:
        """Status's stage and days late of each known case (up to 200)."""

    def staged_cases(self, person: Person, query: dict) -> dict:
        """A page of status's cases in a stage (``stage``) or running late (``overdue``) registered
        on local days ``from``..``to``, by registration time then index, ``limit`` after ``after``:
        ``{"items": [{"case_index", "registered_at", "stage", "stage_label", "days_overdue"}],
        "next": cursor or None}``."""

    def journal_rows(self, person: Person, query: dict) -> list[dict]:
        """The registry's journal rows of up to 200 registrations (``indexes``), in that order,
        those passing the journal's other filters (register, kind, channel, q)."""

    def assigned(self, person: Person, username: str, after: Optional[str] = None, limit: int = 200) -> dict:
        """A page of ``username``'s open cases by due date (none last), then index: ``{"items", "next"}``."""

    def due(self, person: Person, until: str, after: Optional[str] = None, limit: int = 200) -> dict:
        """A page of the cases whose term runs and ends from today through ``until``: ``{"items", "next"}``."""

    def dead_notifications(self, person: Person) -> list[dict]: ...

    def replay_notification(self, person: Person, notification_id: str) -> dict: ...

    def journal(self, person: Person, query: dict) -> dict:
        """A page of the registry's journal: ``{"items": [...], "next": cursor or None}``."""

    def catalogue_services(self, person: Person) -> list[dict]: ...

    def catalogue_search(self, person: Person, q: str) -> list[dict]:
        """The catalogue's services matching ``q`` (ServiceSummary items, best match first)."""

    def catalogue_service(self, person: Person, code: str, at: Optional[str] = None) -> dict:
        """The service's version valid on ``at`` (today when None), a ServiceDetail."""

    def catalogue_versions(self, person: Person, code: str) -> list[dict]:
        """Every version of the service (VersionView items: valid from, who, why), oldest first."""

    def edit_catalogue_service(self, person: Person, code: str, edit: dict) -> dict:
        """A new version (``edit`` a ServiceEdit) made by ``person``: the ServiceEdited answer."""

    def calendar(self, person: Person) -> dict:
        """The registry's calendar exceptions with their version and history (a CalendarTable)."""

    def replace_calendar(self, person: Person, edit: dict) -> dict:
        """The whole new table (``edit`` a CalendarEdit) saved by ``person``: the CalendarTable as stored."""

    def stage_sets(self, person: Person) -> list[dict]:
        """Status's stage sets, the newest version of each (StageSetView items)."""

    def stage_set_versions(self, person: Person, key: str) -> list[dict]:
        """Every version of one set, the oldest first (Refused 404 for a set that has none)."""

    def create_stage_set_version(self, person: Person, key: str, edit: dict) -> dict:
        """A new version (``edit`` a StageSetEdit) made by ``person``: the StageSetView stored."""

    def survey_summary(self, person: Person) -> dict:
        """Status's survey results per catalogue service and per unit."""

    def survey_answers(self, person: Person) -> list[dict]:
        """Every survey answer, the latest first."""
