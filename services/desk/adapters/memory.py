"""In-memory stand-ins for the unit tests: sessions, a directory, the other services."""
from __future__ import annotations

import copy
from typing import Optional

from ..domain.people import Person
from ..domain.session import Session, storage_key
from ..service_layer.ports import Refused, SignInRefused, Unavailable


class MemorySessions:
    def __init__(self):
        self.rows: dict[str, Session] = {}

    def get(self, session_id: str) -> Optional[Session]:
        found = self.rows.get(storage_key(session_id))
        return copy.deepcopy(found) if found else None

    def put(self, session: Session) -> None:
        self.rows[storage_key(session.id)] = copy.deepcopy(session)

    def delete(self, session_id: str) -> None:
        self.rows.pop(storage_key(session_id), None)


class MemoryRoster:
    def __init__(self, officials=()):
        self.people = list(officials)

    def replace(self, officials):
        self.people = list(officials)

    def officials(self):
        return list(self.people)


class FakeDirectory:
    """``{username: (password, Person)}``; ``locked`` users are refused like a wrong password."""

    def __init__(self, people: dict[str, tuple[str, Person]], locked: frozenset = frozenset(), down: bool = False):
        self.people, self.locked, self.down, self.asked = people, locked, down, 0

    def authenticate(self, username: str, password: str) -> Person:
        self.asked += 1
        if self.down:
            raise Unavailable("directory")
        known = self.people.get(username)
        if known is None or known[0] != password or username in self.locked:
            raise SignInRefused()
        return known[1]


class FakeServices:
    """Records the calls; answers with ``answers[name]`` (an exception is raised)."""

    def __init__(self, **answers):
        self.answers, self.calls = answers, []

    def _answer(self, name, *args):
        self.calls.append((name, *args))
        answer = self.answers.get(name)
        if isinstance(answer, (Refused, Unavailable)):
            raise answer
        return answer

    def register(self, person, metadata, scans, idempotency_key):
        return self._answer("register", person, metadata, scans, idempotency_key)

    def register_uploaded(self, person, metadata, upload_ids):
        return self._answer("register_uploaded", person, metadata, upload_ids)

    def grant_upload(self, person, file):
        return self._answer("grant_upload", person, file)

    def upload_step(self, person, upload_id, step):
        return self._answer("upload_step", person, upload_id, step)

    def document(self, person, index):
        return self._answer("document", person, index)

    def pdf(self, person, which, index, code=None):
        return self._answer("pdf", person, which, index, code)

    def reissue_access_code(self, person, index, reason):
        return self._answer("reissue_access_code", person, index, reason)

    def scan(self, person, index, n):
        return self._answer("scan", person, index, n)

    def change_stage(self, person, change):
        return self._answer("change_stage", person, change)

    def contact_attempts(self, person, case_index):
        return self._answer("contact_attempts", person, case_index) or []

    def preview_letter(self, person, change):
        return self._answer("preview_letter", person, change)

    def overdue(self, person, after=None, limit=200):
        return self._listed("overdue", person, after, limit)

    def survey_summary(self, person):
        return self._answer("survey_summary", person)

    def survey_answers(self, person):
        return self._answer("survey_answers", person)

    def case_history(self, person, index):
        return self._answer("case_history", person, index)

    def assign(self, person, assignment):
        return self._answer("assign", person, assignment)

    def case_stages(self, person, case_indexes):
        """``answers["case_stages"]``: {case index: {"stage", "days_overdue"}}, or an exception."""
        answer = self.answers.get("case_stages")
        self.calls.append(("case_stages", person, list(case_indexes)))
        if isinstance(answer, (Refused, Unavailable)):
            raise answer
        return [{"case_index": i, **answer[i]} for i in case_indexes if answer and i in answer]

    def staged_cases(self, person, query):
        """``answers["staged_cases"]``: every matching case in order (paged here as status
        pages them: ``limit`` after ``after``), or an exception."""
        every = self._answer("staged_cases", person, dict(query)) or []
        key = lambda c: f"{c['registered_at']}|{c['case_index']}"  # noqa: E731
        rest = [c for c in every if not query.get("after") or key(c) > query["after"]]
        page = rest[:query.get("limit", 200)]
        return {"items": page, "next": key(page[-1]) if len(rest) > len(page) else None}

    def journal_rows(self, person, query):
        """``answers["journal_rows"]``: {index: row}; the rows of the indexes asked, in order."""
        answer = self._answer("journal_rows", person, dict(query)) or {}
        return [answer[i] for i in query["indexes"] if i in answer]

    def assigned(self, person, username, after=None, limit=200):
        return self._listed("assigned", person, after, limit, username)

    def due(self, person, until, after=None, limit=200):
        return self._listed("due", person, after, limit, until)

    def _listed(self, name, person, after, limit, *args):
        """``answers[name]``: every case of the list (paged here as status pages them: by due
        date, none last, then index; ``limit`` after ``after``), or an exception."""
        every = self._answer(name, person, *args, after, limit) or []
        key = lambda c: f"{c.get('due_date') or '9999-12-31'}|{c['case_index']}"  # noqa: E731
        rest = sorted((c for c in every if not after or key(c) > after), key=key)
        page = rest[:limit]
        return {"items": page, "next": key(page[-1]) if len(rest) > len(page) else None}

    def dead_notifications(self, person):
        return self._answer("dead_notifications", person) or []

    def replay_notification(self, person, notification_id):
        return self._answer("replay_notification", person, notification_id)

    def journal(self, person, query):
        """``answers["journal"]``: one page, or a list of pages (one per call, in turn)."""
        answer = self.answers.get("journal")
        if isinstance(answer, list):
            self.calls.append(("journal", person, dict(query)))
            return answer[sum(1 for c in self.calls if c[0] == "journal") - 1]
        return self._answer("journal", person, dict(query))

    def catalogue_services(self, person):
        return self._answer("catalogue_services", person) or []

    def catalogue_search(self, person, q):
        return self._answer("catalogue_search", person, q) or []

    def catalogue_service(self, person, code, at=None):
        return self._answer("catalogue_service", person, code, at)

    def calendar(self, person):
        return self._answer("calendar", person)

    def replace_calendar(self, person, edit):
        return self._answer("replace_calendar", person, edit)

    def catalogue_versions(self, person, code):
        return self._answer("catalogue_versions", person, code) or []

    def edit_catalogue_service(self, person, code, edit):
        return self._answer("edit_catalogue_service", person, code, edit)

    def stage_sets(self, person):
        return self._answer("stage_sets", person) or []

    def stage_set_versions(self, person, key):
        return self._answer("stage_set_versions", person, key) or []

    def create_stage_set_version(self, person, key, edit):
        return self._answer("create_stage_set_version", person, key, edit)


class FakeDeadLetters:
    """Kafka's dead letters: ``rows`` as the page lists them; ``down`` raises Unavailable."""

    def __init__(self, rows=(), down=False):
        self.rows, self.down, self.replayed = list(rows), down, []

    def letters(self):
        if self.down:
            raise Unavailable("kafka")
        return list(self.rows)

    def replay(self, where):
        if self.down:
            raise Unavailable("kafka")
        found = next((r for r in self.rows if r["where"] == where), None)
        if found:
            self.replayed.append(where)
        return found
