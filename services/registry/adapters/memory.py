"""In-memory fakes of the registry's ports (proven against the real adapters by tests/contract)."""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import threading
import uuid
from typing import Iterable, Optional
from urllib.parse import quote

from servicekit.outbox import InMemoryOutbox, OutboxMessage

from ..domain.registration import Registration
from ..domain.uploads import Upload
from ..service_layer.calendar_table import KEPT_CHANGES
from ..service_layer.ports import IndexTaken, JournalEntry, SubmissionTaken, journal_words


class InMemoryRegistrationRepository:
    def __init__(self):
        self.items: dict[str, Registration] = {}  # by claim key
        self.indexes: dict[str, str] = {}  # index text -> claim key; the first holder keeps it, as in the database
        self.outbox = InMemoryOutbox()
        self.audit_log: list[tuple] = []
        self.announced: list[tuple[str, list[str]]] = []
        self.events: dict[str, list[OutboxMessage]] = {}
        self.code_history: dict[str, list[dict]] = {}
        self.journal: dict[tuple[str, dt.date], dict[str, JournalEntry]] = {}  # written on completion, as in Mongo
        self._lock = threading.Lock()

    def next_number(self, register_code: str, year: int) -> int:
        nums = [r.number for r in self.items.values() if (r.register_code, r.year, r.seq) == (register_code, year, 0)]
        return max(nums, default=0) + 1

    def next_seq(self, case_index: str) -> int:
        return max((r.seq for r in self.items.values() if r.case_index == case_index), default=0) + 1

    def announce(self, r: Registration, event_ids) -> None:
        self.announced.append((str(r.id), [s.staging_key for s in r.scans]))

    def withdraw(self, r: Registration, event_ids) -> None:
        self.announced.remove((str(r.id), [s.staging_key for s in r.scans]))

    def link(self, *registrations: Registration) -> None:
        """Nothing to do: the fake answers lookups from the registrations themselves."""

    def complete(self, registrations) -> None:
        for r in registrations:
            entry = (r.registered_by, "register", r.index, {"scans": len(r.scans), "kind": r.command.kind.value})
            if entry not in self.audit_log:
                self.audit_log.append(entry)
            at = r.registered_at.astimezone(dt.timezone.utc)
            c = r.command
            self.journal.setdefault((r.register_code, at.date()), {})[r.claim_key] = JournalEntry(
                at, r.index, r.register_code, r.year, r.number, r.seq, c.kind.value, c.channel.value, c.sender.name,
                c.subject, journal_words(c.sender.name, c.subject))

    def journal_words(self, register_code: str, year: int, month: int) -> dict[str, list[int]]:
        digest: dict[str, set[int]] = {}
        for (code, day), entries in self.journal.items():
            if (code, day.year, day.month) == (register_code, year, month):
                for e in entries.values():
                    for w in e.words.split():
                        digest.setdefault(w, set()).add(day.day)
        return {w: sorted(days) for w, days in digest.items()}

    def journal_year_words(self, register_code: str, year: int) -> Optional[dict[str, dict[int, int]]]:
        digest: dict[str, dict[int, int]] = {}
        for (code, day), entries in self.journal.items():
            if (code, day.year) == (register_code, year):
                for e in entries.values():
                    for w in e.words.split():
                        months = digest.setdefault(w, {})
                        months[day.month] = months.get(day.month, 0) | 1 << day.day
        return digest or None

    def journal_day(self, register_code: str, day: dt.date) -> list[JournalEntry]:
        return list(self.journal.get((register_code, day), {}).values())

    def claim(self, r: Registration, events: Iterable[OutboxMessage]) -> None:
        key = (r.register_code, r.year, r.number, r.seq)
        with self._lock:
            if any((x.register_code, x.year, x.number, x.seq) == key for x in self.items.values()):
                raise IndexTaken(str(key))
            sid = r.command.eportal_submission_id
            if sid and any(x.command.eportal_submission_id == sid for x in self.items.values()):
                raise SubmissionTaken(sid)
            if r.request_key and any(x.request_key == r.request_key for x in self.items.values()):
                raise SubmissionTaken(r.request_key)
            self.items[r.claim_key] = r
            self.indexes.setdefault(r.index, r.claim_key)
            self.outbox.extend(events)
            self.events[r.claim_key] = list(events)

    def code_version(self, case: Registration) -> int:
        return len(self.code_history.get(case.claim_key, []))

    def replace_access_code(self, case: Registration, code_hash: str, version: int, record: dict,
                            event: OutboxMessage) -> bool:
        with self._lock:
            if case.claim_key not in self.items:
                return False
            history = self.code_history.setdefault(case.claim_key, [])
            if len(history) != version - 1:
                return False
            history.append(record)
            self.items[case.claim_key] = dataclasses.replace(self.items[case.claim_key], access_code_hash=code_hash)
            self.outbox.append(event)
            self.events.setdefault(case.claim_key, []).append(event)
            return True

    def claim_many(self, claims) -> tuple:
        for added, (r, events) in enumerate(claims):
            try:
                self.claim(r, events)
            except (IndexTaken, SubmissionTaken) as exc:
                return added, exc
        return len(claims), None

    def by_index(self, index: str) -> Optional[Registration]:
        return self.items.get(self.indexes.get(index, ""))

    def by_claim(self, register_code: str, year: int, number: int, seq: int) -> Optional[Registration]:
        return self.items.get(f"{register_code}:{year}:{number}:{seq}")

    journal_row = by_claim

    def by_scan_hash(self, sha256: str) -> Optional[Registration]:
        return next((r for r in self.items.values() if any(s.sha256 == sha256 for s in r.scans)), None)

    def events_of(self, r: Registration) -> list[OutboxMessage]:
        return list(self.events.get(r.claim_key, []))

    def by_submission(self, submission_id: str) -> Optional[Registration]:
        return next((r for r in self.items.values() if r.command.eportal_submission_id == submission_id), None)

    def by_request(self, request_key: str) -> Optional[Registration]:
        return next((r for r in self.items.values() if r.request_key == request_key), None)

    def by_registration_id(self, registration_id) -> Optional[Registration]:
        return next((r for r in self.items.values() if r.id == registration_id), None)

    def audit(self, actor: str, action: str, target: str, detail: Optional[dict] = None) -> None:
        self.audit_log.append((actor, action, target, detail or {}))


class InMemoryScanStore:
    bucket = "memory-scans"

    def __init__(self):
        self.objects: dict[str, bytes] = {}
        self.modified: dict[str, dt.datetime] = {}  # last written, where a test sets it (else long ago)
        self.checksums: dict[str, str] = {}  # SHA-256 (base64) of objects put through an upload URL
        self.multiparts: dict[str, tuple] = {}
        self.now = dt.datetime.min.replace(tzinfo=dt.timezone.utc)  # when a multipart upload starts, where a test sets it

    def put(self, key: str, data: bytes, content_type: str, metadata: Optional[dict] = None) -> None:
        self.objects[key] = data
        self.checksums.pop(key, None)

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def fetch(self, bucket: str, key: str) -> bytes:
        return self.objects[self._name(bucket, key)]

    def size(self, bucket: str, key: str) -> int:
        return len(self.objects[self._name(bucket, key)])

    def _name(self, bucket: str, key: str) -> str:
        """Its own bucket's objects by key; another bucket's (e-portal uploads) as bucket/key."""
        return key if bucket == self.bucket else f"{bucket}/{key}"

    def move(self, source_key: str, target_key: str) -> None:
        if source_key in self.objects:
            self.objects[target_key] = self.objects.pop(source_key)
            if source_key in self.checksums:  # S3's copy keeps the checksum (SeaweedFS: measured)
                self.checksums[target_key] = self.checksums.pop(source_key)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self.checksums.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def presigned_url(self, key: str, expires: dt.timedelta) -> str:
        return f"memory://{key}?expires={int(expires.total_seconds())}"

    def presigned_upload(self, key: str, checksum: str, expires: dt.timedelta) -> str:
        return f"memory://{key}?checksum={quote(checksum, safe='')}&expires={int(expires.total_seconds())}"

    def put_checked(self, key: str, data: bytes, checksum: str) -> bool:
        """What a client's PUT to a presigned upload URL does: refused (False, nothing
        written) unless ``data`` has the SHA-256 signed into the URL, then kept with it."""
        if base64.b64encode(hashlib.sha256(data).digest()).decode() != checksum:
            return False
        self.objects[key], self.checksums[key] = data, checksum
        return True

    def stored(self, key: str) -> tuple[int, Optional[str]]:
        return len(self.objects[key]), self.checksums.get(key)  # put() keeps none, as S3 without the header

    def listed(self, prefix: str) -> list[tuple[str, dt.datetime]]:
        return [(k, self.modified.get(k, dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
                for k in self.objects if k.startswith(prefix)]

    def head(self, key: str, n: int) -> bytes:
        return self.objects[key][:n]

    # multipart: {upload id: (key, {part number: bytes}, started)}
    def start_multipart(self, key: str) -> str:
        upload_id = uuid.uuid4().hex
        self.multiparts[upload_id] = (key, {}, self.now)
        return upload_id

    def presigned_step(self, key: str, upload_id: str, step: str, part_number=None, expires=None) -> tuple[str, str]:
        method = {"part": "PUT", "list": "GET", "complete": "POST", "abort": "DELETE"}[step]
        return method, f"memory://{key}?uploadId={upload_id}" + (f"&partNumber={part_number}" if step == "part" else "")

    def put_part(self, upload_id: str, n: int, data: bytes) -> None:
        """What a client's PUT of a part does (NoSuchUpload once aborted: KeyError)."""
        self.multiparts[upload_id][1][n] = data

    def complete_parts(self, upload_id: str) -> None:
        """What the client's CompleteMultipartUpload does: the parts, in order, become the object."""
        key, parts, _ = self.multiparts.pop(upload_id)
        self.objects[key] = b"".join(parts[n] for n in sorted(parts))
        self.checksums.pop(key, None)  # no whole-file checksum, as SeaweedFS

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.multiparts.pop(upload_id, None)

    def pending_multiparts(self, prefix: str) -> list[tuple[str, str, dt.datetime]]:
        return [(k, i, started) for i, (k, _, started) in self.multiparts.items() if k.startswith(prefix)]

    def sha256(self, key: str, at_most: int) -> tuple[int, str]:
        data = self.objects[key]
        return (len(data), "") if len(data) > at_most else (len(data), hashlib.sha256(data).hexdigest())


class InMemoryCalendarStore:
    def __init__(self):
        self.rows: list[dict] = []
        self.version = 0
        self.history: list[dict] = []

    def load(self) -> tuple[list[dict], int]:
        return list(self.rows), self.version

    def save(self, rows: list[dict], expected_version: int, actor: str, change: Optional[dict] = None) -> bool:
        if expected_version != self.version:
            return False
        self.rows, self.version = list(rows), self.version + 1
        if change is not None:
            self.history = (self.history + [change])[-KEPT_CHANGES:]
        return True

    def changes(self) -> list[dict]:
        return list(self.history)


class InMemoryUploadLedger:
    def __init__(self):
        self.uploads: dict[str, Upload] = {}
        self.holders: dict[str, str] = {}
        self._lock = threading.Lock()

    def record(self, upload: Upload) -> None:
        self.uploads[upload.id] = upload

    def get(self, upload_id: str) -> Optional[Upload]:
        return self.uploads.get(upload_id)

    def holder(self, upload_id: str) -> Optional[str]:
        return self.holders.get(upload_id)

    def take(self, upload_id: str, holder: str) -> str:
        with self._lock:
            return self.holders.setdefault(upload_id, holder)

    def issued_before(self, cutoff: dt.datetime) -> list[Upload]:
        return [u for u in self.uploads.values() if u.issued_at < cutoff]

    def forget(self, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)
        self.holders.pop(upload_id, None)
