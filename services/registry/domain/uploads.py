"""Uploads: scans a clerk's client puts straight into object storage with a presigned URL,
before the registration that uses them (docs/glossary.md, "upload grant").

The registry grants an upload for one declared file (name, size, SHA-256) at a key of its
own choosing, ``uploads/<upload id>``; the client PUTs the bytes there with the SHA-256
signed into the URL, so the object store refuses any other bytes and keeps the checksum.
A registration then names its uploads by id; the registry verifies each object (present,
of the declared size, with the declared checksum stored by the object store, of an
accepted type by its first bytes) and claims the number without reading the bytes again.

A large file goes in parts (S3 multipart): the registry starts the multipart upload itself,
records its id with the grant, and presigns each part, the listing of the parts stored (a
client resumes after a dropped connection from there), the completion and the abort. The
store keeps no checksum of the whole file for such an object (only one of the parts'
checksums), so the registry reads the completed object once, streamed, and registers it only
if its SHA-256 is the declared one (``check_hashed``).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Iterable, Optional

from .registration import safe_file_name
from .scans import size_bg

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
PREFIX = "uploads/"


class UploadRefused(ValueError):
    """An upload that cannot be granted or used; the message is Bulgarian, for the clerk."""

    def __init__(self, message: str, field: str = "uploads"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Upload:
    """A granted upload, recorded before its URL is handed out (so the sweeper knows every
    key the registry ever signed)."""

    id: str  # 32 hex digits, random
    sha256: str  # declared, hex
    size: int  # declared, bytes
    file_name: str
    clerk: str  # who was granted it; nobody else may use it
    issued_at: dt.datetime  # UTC, aware
    multipart: Optional[str] = None  # the object store's id of the multipart upload, for a file sent in parts

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.id}"

    @property
    def checksum(self) -> str:
        """The SHA-256 as S3 writes it (base64 of the digest, ``x-amz-checksum-sha256``)."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()

    def expired(self, now: dt.datetime, ttl: dt.timedelta) -> bool:
        return now - self.issued_at >= ttl


MIN_PART_BYTES = 5 * 1024 * 1024  # S3: every part but the last
MAX_PARTS = 10_000
PART_STEPS = ("part", "list", "complete", "abort")  # what a client of a multipart upload may ask to be signed


def grant(file_name: str, size: int, sha256: str, clerk: str, now: dt.datetime, max_bytes: int) -> Upload:
    """A new upload for a declared file; refuses what no registration could accept."""
    name = safe_file_name(file_name)
    digest = sha256.strip().lower()
    if not SHA256_HEX.fullmatch(digest):
        raise UploadRefused("Контролната сума SHA-256 трябва да е 64 шестнадесетични знака.", "sha256")
    if size <= 0:
        raise UploadRefused(f"Файлът „{name}“ е празен.", "size")
    if size > max_bytes:
        raise UploadRefused(f"Файлът „{name}“ е твърде голям: {size_bg(size)}, а допустимият размер е до "
                            f"{size_bg(max_bytes)}.", "size")
    return Upload(uuid.uuid4().hex, digest, size, name, clerk, now)


def check_stored(upload: Upload, size: int, checksum: Optional[str]) -> None:
    """The object the client put: of the declared size, with the declared SHA-256 as the
    checksum the object store verified and kept. An object without a stored checksum was
    not put through the registry's URL (which always carries one): refused, never trusted."""
    if size != upload.size:
        raise UploadRefused(f"Каченият файл „{upload.file_name}“ е {size_bg(size)}, а беше обявен като "
                            f"{size_bg(upload.size)}.")
    if checksum != upload.checksum:
        raise UploadRefused(f"Контролната сума на качения файл „{upload.file_name}“ не съвпада с обявената.")


def check_step(upload: Upload, step: str, part_number: Optional[int]) -> None:
    """A request a client of a multipart upload may have signed: one of ``PART_STEPS``, a part
    number only with "part" and within what the declared size can need."""
    if upload.multipart is None:
        raise UploadRefused(f"Файлът „{upload.file_name}“ не се качва на части.", "operation")
    if step not in PART_STEPS:
        raise UploadRefused("Непозната заявка за качване на части.", "operation")
    most = min(MAX_PARTS, -(-upload.size // MIN_PART_BYTES))
    if step == "part" and not (part_number is not None and 1 <= part_number <= most):
        raise UploadRefused(f"Номерът на частта трябва да е от 1 до {most}.", "part_number")


def check_hashed(upload: Upload, size: int, sha256: str) -> None:
    """A completed multipart object, read whole by the registry: the declared size and SHA-256."""
    if size != upload.size:
        raise UploadRefused(f"Каченият файл „{upload.file_name}“ е {size_bg(size)}, а беше обявен като "
                            f"{size_bg(upload.size)}.")
    if sha256 != upload.sha256:
        raise UploadRefused(f"Контролната сума на качения файл „{upload.file_name}“ не съвпада с обявената.")


def set_key(upload_ids: Iterable[str]) -> str:
    """The request key of a registration from these uploads: the same set of uploads is
    the same request (a repeat gets its registration), and an upload belongs to one set."""
    return "uploads:" + hashlib.sha256("\n".join(sorted(upload_ids)).encode()).hexdigest()[:32]
