"""Reading registrations: by index (as issued, or a follow-up in the current form), the
case a registration belongs to, and a scan's download address."""
from __future__ import annotations

import datetime as dt
from typing import Optional
from zoneinfo import ZoneInfo

from ..domain.index import Register
from ..domain.registration import Registration
from .errors import NotFound
from .ports import AbstractRegistrationRepository, AbstractScanStore


class Queries:
    def __init__(self, repo: AbstractRegistrationRepository, store: AbstractScanStore, registers: dict,
                 tz: ZoneInfo):
        self.repo, self.store, self.tz = repo, store, tz
        self.registers: list[Register] = list({r.code: r for r in registers.values()}.values())

    def find(self, index: str) -> Optional[Registration]:
        """By the index as issued (its exact text, whatever form it was issued in), else, for
        a follow-up written in a register's current form, by the claim that form names
        (register, case year, number, sequence) and its date. The second way finds a
        follow-up issued in the old form (no case year) under a text another follow-up
        took first (docs/registration-index.md, "Follow-up indexes")."""
        found = self.repo.by_index(index)
        if found is not None:
            return found
        for register in self.registers:
            parsed = register.parse(index)
            if parsed is None or not parsed.seq or parsed.case_year is None:
                continue
            found = self.repo.by_claim(register.code, parsed.case_year, parsed.number, parsed.seq)
            if found is not None and found.registered_at.astimezone(self.tz).date() == parsed.date:
                return found
        return None

    def get(self, index: str) -> Registration:
        found = self.find(index)
        if found is None:
            raise NotFound(f"Няма регистриран документ с индекс {index}.")
        return found

    def case_of(self, registration: Registration) -> Registration:
        """The case a registration belongs to: itself, or the case its follow-up joined."""
        return registration if registration.case_index == registration.index else self.get(registration.case_index)

    def scan_url(self, index: str, n: int, actor: str, expires=dt.timedelta(minutes=5)) -> str:
        """A short-lived download address of the ``n``-th scan (audited)."""
        registration = self.get(index)
        if not 1 <= n <= len(registration.scans):
            raise NotFound(f"Документ {index} няма сканиран файл № {n}.")
        self.repo.audit(actor, "download_scan", index, {"scan": n})
        scan = registration.scans[n - 1]
        key = scan.object_key
        if scan.staging_key and not self.store.exists(key):
            key = scan.staging_key  # not moved yet (moments after the registration, or after a crash)
        return self.store.presigned_url(key, expires)
