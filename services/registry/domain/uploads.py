"""Uploads: scans a clerk's client puts straight into object storage with a presigned URL,
before the registration that uses them (docs/glossary.md, "upload grant").

The registry grants an upload for one declared file (name, size, SHA-256) at a key of its
own choosing, ``uploads/<upload id>``; the client PUTs the bytes there with the SHA-256
signed into the URL, so the object store refuses any other bytes and keeps the checksum.
A registration then names its uploads by id; the registry verifies each object (present,
of the declared size, with the declared checksum stored by the object store, of an
accepted type by its first bytes) and claims the number without reading the bytes again.
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

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.id}"

    @property
    def checksum(self) -> str:
        """The SHA-256 as S3 writes it (base64 of the digest, ``x-amz-checksum-sha256``)."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()

    def expired(self, now: dt.datetime, ttl: dt.timedelta) -> bool:
        return now - self.issued_at >= ttl


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


def set_key(upload_ids: Iterable[str]) -> str:
    """The request key of a registration from these uploads: the same set of uploads is
    the same request (a repeat gets its registration), and an upload belongs to one set."""
    return "uploads:" + hashlib.sha256("\n".join(sorted(upload_ids)).encode()).hexdigest()[:32]
