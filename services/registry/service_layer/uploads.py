"""Uploads: the presigned paper path (docs/registration-index.md, "Uploads").

1. **grant**: the clerk's client declares a file (name, size, SHA-256); the registry records
   the upload, then answers a presigned PUT URL for ``uploads/<upload id>`` that carries the
   SHA-256, so the object store accepts only those bytes and keeps the checksum.
2. The client PUTs the bytes straight to the object store.
3. **register from uploads**: for each upload named, the registry checks that it granted
   it to this clerk, that it has not expired and is not another registration's, and then the
   object: present, of the declared size, with the declared checksum stored by the object
   store, of an accepted type by its first 8 KB (one ranged GET; the rest of the bytes never
   pass through the registry). Then it takes the uploads for this registration (one insert
   each: an upload serves one registration only) and registers with the objects as staged
   scans (``Registrar.register_uploaded``): announce, claim, link, and on completion the
   move to the final keys, exactly as for scans uploaded through the registry.
   A multipart upload (a large file in parts): **grant** starts it in the object store and
   records its id with the grant, answering no URL; the client then asks for each request
   it sends (**step**: a part, the listing of the parts stored, completion, abort) and the
   registry signs it for that upload only. At registration the completed object is read
   once, streamed, and its SHA-256 must be the declared one (the store keeps none for it).
4. **sweep** (a background loop): an upload past its time to live plus twice the claim
   window that no registration holds loses its object and its record; one a registration
   holds loses its record (the registration owns the object). An object under ``uploads/``
   that the registry never granted (written with the store's own credentials) goes too. So
   an upload put and never registered, refused, abandoned or forged leaves nothing behind.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable, Optional

import filetype

from servicekit import logs
from servicekit.concurrently import Concurrently, in_turn

from ..domain import uploads as rules
from ..domain.commands import RegisterDocument
from ..domain.registration import Scan
from ..domain.scans import ALLOWED
from .claims import CLAIM_WINDOW
from .errors import Conflict, Invalid, NotFound
from .ports import AbstractCatalogue, AbstractRegistrationRepository, AbstractScanStore, AbstractUploadLedger
from .registrar import Registered, Registrar

log = logging.getLogger(__name__)
TYPE_BYTES = 8192  # what filetype reads to recognise a file
MAX_UPLOADS = 20


@dataclass(frozen=True)
class Grant:
    upload: rules.Upload
    url: str  # "" for a multipart upload: each of its requests is signed by ``step``
    expires_at: dt.datetime


@dataclass(frozen=True)
class Step:
    method: str
    url: str
    expires_at: dt.datetime


class Uploads:
    def __init__(self, ledger: AbstractUploadLedger, store: AbstractScanStore, repo: AbstractRegistrationRepository,
                 registrar: Registrar, max_scan_bytes: int, ttl: dt.timedelta,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 concurrently: Concurrently = in_turn):
        self.ledger, self.store, self.repo, self.registrar = ledger, store, repo, registrar
        self.max_scan_bytes, self.ttl, self.clock, self.concurrently = max_scan_bytes, ttl, clock, concurrently

    def grant(self, file_name: str, size: int, sha256: str, clerk: str, parts: bool = False) -> Grant:
        now = self.clock()
        try:
            upload = rules.grant(file_name, size, sha256, clerk, now, self.max_scan_bytes)
        except rules.UploadRefused as exc:
            raise Invalid(str(exc), [{"field": exc.field, "message": str(exc)}]) from None
        if parts:  # started before it is recorded: one never recorded is found by the sweeper's listing
            upload = dataclasses.replace(upload, multipart=self.store.start_multipart(upload.key))
        self.ledger.record(upload)  # before the URL exists: the sweeper knows every key signed
        url = "" if parts else self.store.presigned_upload(upload.key, upload.checksum, self.ttl)
        return Grant(upload, url, now + self.ttl)

    def step(self, upload_id: str, clerk: str, step: str, part_number: Optional[int] = None) -> Step:
        """One request of a multipart upload, signed for the clerk it was granted to, valid
        until the upload expires."""
        upload = self._granted(upload_id, clerk)
        if self.ledger.holder(upload.id) is not None:  # registered: its bytes were hashed and are final
            raise Invalid(f"Файлът „{upload.file_name}“ вече е регистриран; не може да се качва отново.",
                          [{"field": "uploads", "message": "Качването е приключило."}])
        try:
            rules.check_step(upload, step, part_number)
        except rules.UploadRefused as exc:
            raise Invalid(str(exc), [{"field": exc.field, "message": str(exc)}]) from None
        expires_at = upload.issued_at + self.ttl
        method, url = self.store.presigned_step(upload.key, upload.multipart, step, part_number,
                                                max(expires_at - self.clock(), dt.timedelta(seconds=1)))
        return Step(method, url, expires_at)

    def register(self, cmd: RegisterDocument, upload_ids: list[str], clerk: str,
                 catalogue: Optional[AbstractCatalogue]) -> Registered:
        if not 1 <= len(upload_ids) <= MAX_UPLOADS or len(set(upload_ids)) != len(upload_ids):
            raise Invalid(f"Посочете от 1 до {MAX_UPLOADS} различни качвания.",
                          [{"field": "uploads", "message": "От 1 до 20 различни идентификатора."}])
        request_key = rules.set_key(upload_ids)
        uploads = self.concurrently(*[lambda i=i: self._granted(i, clerk) for i in upload_ids])
        try:
            scans = self.concurrently(*[lambda u=u: self._verified(u) for u in uploads])
        except Invalid:  # not there: moved by the registration that took it (this one, repeated?), or never put
            earlier = self._repeat_or_taken(uploads, cmd, request_key)
            if earlier is None:
                raise
            return earlier
        for u in uploads:
            if self.ledger.take(u.id, request_key) != request_key:
                raise self._taken(u)
        try:  # a repeat whose objects are not moved yet meets its earlier claim there
            return self.registrar.register_uploaded(cmd, scans, clerk, catalogue, request_key)
        except Invalid as exc:
            if exc.extra.get("registration_index"):  # the same uploads, registered with other data
                raise self._reused(exc.extra["registration_index"]) from None
            raise

    def sweep(self, now: Optional[dt.datetime] = None) -> int:
        """Settle every upload past its time to live plus twice the claim window (by then no
        registration can still be verifying or claiming it). Returns how many were settled."""
        cutoff = (now or self.clock()) - self.ttl - 2 * CLAIM_WINDOW
        settled = 0
        for upload in self.ledger.issued_before(cutoff):
            holder = self.ledger.holder(upload.id)
            if holder is not None and self.repo.by_request(holder) is not None:
                if self.store.exists(upload.key):
                    continue  # registered, not moved yet: completion (or the relay) moves it; kept till then
            else:
                if upload.multipart:  # abandoned in parts: the parts go (completed or aborted: nothing to do)
                    self.store.abort_multipart(upload.key, upload.multipart)
                self.store.delete(upload.key)  # never registered: its bytes go (absent: nothing to do)
                logs.event(log, "upload_swept", upload=upload.id, size=upload.size)
            self.ledger.forget(upload.id)
            settled += 1
        for key, written in self.store.listed(rules.PREFIX):  # put there without a grant (or its record lost)
            if written < cutoff and self.ledger.get(key[len(rules.PREFIX):]) is None:
                self.store.delete(key)
                logs.event(log, "ungranted_upload_swept", key=key)
                settled += 1
        for key, multipart, started in self.store.pending_multiparts(rules.PREFIX):  # started, never recorded
            granted = self.ledger.get(key[len(rules.PREFIX):])
            if started < cutoff and (granted is None or granted.multipart != multipart):
                self.store.abort_multipart(key, multipart)
                logs.event(log, "ungranted_multipart_aborted", key=key)
                settled += 1
        return settled

    # -- the checks ---------------------------------------------------------------------
    def _granted(self, upload_id: str, clerk: str) -> rules.Upload:
        upload = self.ledger.get(upload_id)
        if upload is None or upload.clerk != clerk:  # a key the registry never granted this clerk
            raise NotFound(f"Няма качване с идентификатор „{upload_id[:40]}“.",
                           [{"field": "uploads", "message": "Непознато качване."}])
        if upload.expired(self.clock(), self.ttl):
            raise Invalid(f"Качването на файла „{upload.file_name}“ е изтекло; качете файла отново.",
                          [{"field": "uploads", "message": "Изтекло качване."}])
        return upload

    def _repeat_or_taken(self, uploads: list[rules.Upload], cmd, request_key: str) -> Optional[Registered]:
        """Why an upload's object is missing, when a registration took it: this request's
        earlier registration (a repeat), or another's (a conflict). None: never put."""
        earlier = self.repo.by_request(request_key)
        if earlier is not None:
            return self._repeat(earlier, cmd, [self._declared(u) for u in uploads])
        for u, holder in zip(uploads, self.concurrently(*[lambda u=u: self.ledger.holder(u.id) for u in uploads])):
            if holder not in (None, request_key):
                raise self._taken(u)
        return None

    def _verified(self, upload: rules.Upload) -> Scan:
        try:
            if upload.multipart:  # the store keeps no checksum of the whole: read it once
                (size, sha256), head = self.concurrently(lambda: self.store.sha256(upload.key, upload.size),
                                                         lambda: self.store.head(upload.key, TYPE_BYTES))
                rules.check_hashed(upload, size, sha256)
            else:
                (size, checksum), head = self.concurrently(lambda: self.store.stored(upload.key),
                                                           lambda: self.store.head(upload.key, TYPE_BYTES))
                rules.check_stored(upload, size, checksum)
        except KeyError:
            raise Invalid(f"Файлът „{upload.file_name}“ не е качен.",
                          [{"field": "uploads", "message": "Няма качен файл."}]) from None
        except rules.UploadRefused as exc:
            raise Invalid(str(exc), [{"field": "uploads", "message": str(exc)}]) from None
        kind = filetype.guess(head)
        if kind is None or kind.mime not in ALLOWED:
            message = (f"Файлът „{upload.file_name}“ не е от приет вид (разпознат като: "
                       f"{kind.mime if kind else 'неизвестен'}); приемат се PDF, TIFF, JPEG и PNG.")
            raise Invalid(message, [{"field": "uploads", "message": message}])
        return Scan(upload.sha256, upload.size, kind.mime, ALLOWED[kind.mime], upload.file_name,
                    staging_key=upload.key)

    @staticmethod
    def _declared(upload: rules.Upload) -> Scan:
        return Scan(upload.sha256, upload.size, "", "", upload.file_name, staging_key=upload.key)

    def _repeat(self, earlier, cmd, scans) -> Registered:
        try:
            return self.registrar.repeated(earlier, cmd, scans)
        except Invalid:
            raise self._reused(earlier.index) from None

    @staticmethod
    def _taken(upload: rules.Upload) -> Conflict:
        return Conflict(f"Качването на файла „{upload.file_name}“ вече е използвано за друг документ.",
                        [{"field": "uploads", "message": "Използвано за друг документ."}])

    @staticmethod
    def _reused(index: str) -> Conflict:
        return Conflict(f"Тези качвания вече са регистрирани с индекс {index} с други данни.",
                        [{"field": "uploads", "message": "Използвани за друг документ."}],
                        {"earlier_index": index})
