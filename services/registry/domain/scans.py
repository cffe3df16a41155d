"""Scan files: the type is detected from the content (``filetype`` magic numbers),
never from the name or the Content-Type header."""
from __future__ import annotations

import hashlib

import filetype

from .registration import Scan, safe_file_name

ALLOWED = {"application/pdf": "pdf", "image/tiff": "tif", "image/jpeg": "jpg", "image/png": "png"}


class ScanRejected(ValueError):
    def __init__(self, file_name: str, message: str):
        super().__init__(message)
        self.file_name = file_name


def inspect(file_name: str, data: bytes, max_bytes: int) -> Scan:
    """Validate one uploaded scan; raises :class:`ScanRejected` with a Bulgarian message."""
    name = safe_file_name(file_name)
    if not data:
        raise ScanRejected(name, f"Файлът „{name}“ е празен.")
    if len(data) > max_bytes:
        raise ScanRejected(name, f"Файлът „{name}“ е по-голям от {max_bytes // (1024 * 1024)} MB.")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED:
        raise ScanRejected(name, f"Файлът „{name}“ не е PDF, TIFF, JPEG или PNG (разпознат като: "
                                 f"{kind.mime if kind else 'неизвестен'}).")
    return Scan(hashlib.sha256(data).hexdigest(), len(data), kind.mime, ALLOWED[kind.mime], name)
