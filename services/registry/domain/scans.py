"""Scan files: the type is detected from the content (``filetype`` magic numbers),
never from the name or the Content-Type header."""
from __future__ import annotations

import hashlib

import filetype

from .registration import Scan, safe_file_name

ALLOWED = {"application/pdf": "pdf", "image/tiff": "tif", "image/jpeg": "jpg", "image/png": "png"}


class ScanRejected(ValueError):
    """A scan refused, with ``reason`` ``empty``, ``too_large`` or ``wrong_type``."""

    def __init__(self, file_name: str, message: str, reason: str):
        super().__init__(message)
        self.file_name, self.reason = file_name, reason


def size_bg(n: int) -> str:
    """A size as people read it: "4,0 MB", "12 KB", "300 байта"."""
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB".replace(".", ",")
    return f"{n // 1024} KB" if n >= 1024 else f"{n} байта"


def inspect(file_name: str, data: bytes, max_bytes: int) -> Scan:
    """Validate one uploaded scan; raises :class:`ScanRejected` with a Bulgarian message
    that says what was wrong: empty, too large (how large, and the limit) or of a type not
    accepted (what it was recognised as)."""
    name = safe_file_name(file_name)
    if not data:
        raise ScanRejected(name, f"Файлът „{name}“ е празен.", "empty")
    if len(data) > max_bytes:
        limit = f"{max_bytes // 2**20} MB" if max_bytes >= 2**20 else size_bg(max_bytes)
        raise ScanRejected(name, f"Файлът „{name}“ е твърде голям: {size_bg(len(data))}, а допустимият размер е "
                                 f"до {limit}.", "too_large")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED:
        raise ScanRejected(name, f"Файлът „{name}“ не е от приет вид (разпознат като: "
                                 f"{kind.mime if kind else 'неизвестен'}); приемат се PDF, TIFF, JPEG и PNG.",
                           "wrong_type")
    return Scan(hashlib.sha256(data).hexdigest(), len(data), kind.mime, ALLOWED[kind.mime], name)
