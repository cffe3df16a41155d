"""The registration aggregate and the citizen's access code."""
from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Optional

from delovod_proto.access_code import hash_access_code

from .commands import RegisterDocument
from .terms import DueDate


def new_access_code(run=lambda fn, *a: fn(*a)) -> tuple[str, str]:
    """A random 8-digit code (shown once) and its salted hash (the only thing stored).

    ``run`` may move the hashing off the caller's thread (the service passes eventlet's
    tpool: PBKDF2 is CPU-bound and would otherwise stall every green thread).
    """
    code = f"{secrets.randbelow(10**8):08d}"
    return code, run(hash_access_code, code)


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

    @property
    def claim_key(self) -> str:
        """The unique claim ``register:year:number:seq`` this registration holds."""
        return f"{self.register_code}:{self.year}:{self.number}:{self.seq}"

    def with_final_scan_keys(self) -> "Registration":
        """Decide, before the claim, the index-derived key of every staged scan."""
        self.scans = [Scan(**{**s.__dict__, "object_key": self.scan_key(n, s)}) for n, s in enumerate(self.scans, 1)]
        return self

    def scan_key(self, n: int, scan: Scan) -> str:
        """Object key derived from the index: register/year/number[-seq]/n-hash.ext."""
        tail = f"{self.number}-{self.seq}" if self.seq else f"{self.number}"
        return f"{self.register_code}/{self.year}/{tail}/{n}-{scan.sha256[:12]}.{scan.extension}"
