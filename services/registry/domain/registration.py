"""The registration aggregate and the citizen's access code."""
from __future__ import annotations

import dataclasses

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Optional

from delovod_proto.access_code import AccessCodeKeys, hash_access_code

from .commands import RegisterDocument
from .terms import DueDate


def new_access_code(keys: AccessCodeKeys) -> tuple[str, str]:
    """A random 8-digit code (shown once) and its keyed hash (the only thing stored)."""
    code = f"{secrets.randbelow(10**8):08d}"
    return code, hash_access_code(code, keys)


def safe_file_name(name: str) -> str:
    """Keep a hostile upload name harmless: no paths, no control characters, bounded."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip(" .")
    return (name or "scan")[:120]


@dataclass(frozen=True)
class Scan:
    sha256: str
    size: int
    content_type: str
    extension: str
    file_name: str
    object_key: str = ""   # derived from the index: where the scan lives once moved
    staging_key: str = ""  # where it was uploaded before the number was claimed


@dataclass
class Registration:
    """A document with its registration index. Exists if and only if its number does."""

    id: uuid.UUID
    register_code: str
    year: int
    number: int
    seq: int
    index: str
    case_index: str
    registered_at: dt.datetime
    command: RegisterDocument
    access_code_hash: str
    registered_by: str
    due: Optional[DueDate] = None
    service_version: Optional[int] = None
    scans: list[Scan] = field(default_factory=list)
    request_key: Optional[str] = None  # a clerk's Idempotency-Key (with the clerk's id): one registration per key
    responsible_unit: Optional[str] = None  # an application's competent unit, from the catalogue

    @property
    def claim_key(self) -> str:
        """The unique claim ``register:year:number:seq`` this registration holds."""
        return f"{self.register_code}:{self.year}:{self.number}:{self.seq}"

    def with_staging_keys(self, predicted: Optional[tuple[int, int, int]] = None) -> "Registration":
        """Where each scan is uploaded before the number is claimed: the final key of the
        ``predicted`` (year, number, seq) if there is one, else
        ``staging/<id>/<n>-<sha256 prefix>.<ext>``: attempts of one repeatable request share
        the id, so only the same content may share a key."""
        guess = dataclasses.replace(self, year=predicted[0], number=predicted[1], seq=predicted[2]) if predicted else None
        self.scans = [Scan(**{**s.__dict__, "staging_key": guess.scan_key(n, s) if guess
                              else f"staging/{self.id}/{n}-{s.sha256[:16]}.{s.extension}"})
                      for n, s in enumerate(self.scans, 1)]
        return self

    def with_scan_keys(self) -> "Registration":
        """Set the index-derived key of every scan, for the number about to be claimed; a
        scan uploaded right there (the prediction held) has nothing to move."""
        self.scans = [Scan(**{**s.__dict__, "object_key": key, "staging_key": "" if s.staging_key == key else s.staging_key})
                      for n, s in enumerate(self.scans, 1) for key in [self.scan_key(n, s)]]
        return self

    def scan_key(self, n: int, scan: Scan) -> str:
        """register/year/number[-seq]/n-<registration id>.ext: the index's own place (the
        id part keeps two attempts at one number apart, whatever happens)."""
        tail = f"{self.number}-{self.seq}" if self.seq else f"{self.number}"
        return f"{self.register_code}/{self.year}/{tail}/{n}-{self.id.hex[:12]}.{scan.extension}"
