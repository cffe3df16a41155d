"""Reading objects from S3 with the minio SDK, written once for every service: the bytes of an
object (or a range of them) with the connection given back to the pool, and an object's
metadata, where "not there" is an answer (``KeyError`` / ``None``), not an S3 error."""
from __future__ import annotations

from typing import Optional

from minio import Minio
from minio.datatypes import Object
from minio.error import S3Error

# The codes S3 servers answer for an object (or its bucket) that is not there.
MISSING = ("NoSuchKey", "NoSuchObject", "NotFound", "NoSuchBucket")


def read(client: Minio, bucket: str, key: str, offset: int = 0, length: int = 0) -> bytes:
    """The object's bytes (``length`` of them from ``offset``; 0: to the end). ``KeyError``
    when it is not there."""
    try:
        response = client.get_object(bucket, key, offset=offset, length=length)
    except S3Error as exc:
        if exc.code in MISSING:
            raise KeyError(f"{bucket}/{key}") from exc
        raise
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def stat(client: Minio, bucket: str, key: str, extra_headers: Optional[dict] = None) -> Optional[Object]:
    """The object's metadata, or None when it is not there."""
    try:
        return client.stat_object(bucket, key, extra_headers=extra_headers)
    except S3Error as exc:
        if exc.code in MISSING:
            return None
        raise
