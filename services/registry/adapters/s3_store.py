"""Scans in S3-compatible object storage through the ``minio`` SDK (MinIO in
production; SeaweedFS locally, unchanged).

Every call is bounded: minio's own HTTP client would wait 5 minutes to connect and to
read, and retry 5 times, so a paused server held a clerk for minutes and a refusing one
for 5 s before a 500. Here the client gets the limits from the settings, and a server
that refuses, cannot be reached, answers 5xx or does not answer in time is
:class:`~servicekit.errors.Unavailable` (``s3``): a 503 with ``Retry-After`` to a clerk,
a wait to the e-portal consumer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlparse

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import ServerError
from urllib3.exceptions import HTTPError

from servicekit import objects
from servicekit.errors import outages_unavailable

# urllib3's HTTPError covers refused, unreachable, timed out, too many 5xx answers (after
# the retries) and no free connection in time (EmptyPoolError); ServerError is minio's for
# a 5xx answer without an S3 error body.
OUTAGES = (HTTPError, ServerError)
HASH_CHUNK = 1024 * 1024  # what reading a completed multipart object holds at once


@dataclass(frozen=True)
class S3Limits:
    """How long and how often one call may try, and how many connections it may use."""

    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    retries: int = 2  # of a refused connection or a 5xx answer; a request sent and not answered in time is not repeated
    connections: int = 10  # at most this many open at once; more calls at once wait for one
    connection_wait_s: float = 5.0  # how long a call waits for a free connection


class _BoundedPoolManager(urllib3.PoolManager):
    """A pool that never holds more than ``maxsize`` connections per host (``block=True``)
    and makes a call wait at most ``pool_timeout`` for a free one. urllib3 has the
    setting, but minio passes no ``pool_timeout``, and without it a call would wait for a
    free connection as long as it takes; so it is added to every call here."""

    def __init__(self, pool_timeout: float, **kw):
        super().__init__(**kw)
        self.pool_timeout = pool_timeout

    def urlopen(self, method, url, redirect=True, **kw):
        kw.setdefault("pool_timeout", self.pool_timeout)
        return super().urlopen(method, url, redirect=redirect, **kw)


def http_client(limits: S3Limits) -> urllib3.PoolManager:
    """minio's default client (certifi CAs, retried 5xx) with our limits."""
    return _BoundedPoolManager(
        limits.connection_wait_s, maxsize=limits.connections, block=True,
        timeout=urllib3.Timeout(connect=limits.connect_timeout_s, read=limits.read_timeout_s),
        cert_reqs="CERT_REQUIRED", ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=limits.retries, connect=limits.retries, read=0, status=limits.retries,
                              backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]))


@outages_unavailable("s3", OUTAGES)
class S3ScanStore:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, region: str = "us-east-1",
                 limits: S3Limits = S3Limits(), public_endpoint: str = ""):
        """``public_endpoint``: the store's address as clerks' browsers reach it, for the
        upload URLs (signed for that host; presigning makes no request); default ``endpoint``."""
        url = urlparse(endpoint)
        self.http = http_client(limits)
        self.client = Minio(url.netloc, access_key=access_key, secret_key=secret_key,
                            secure=url.scheme == "https", region=region, http_client=self.http)
        public = urlparse(public_endpoint) if public_endpoint else url
        self.signer = self.client if public == url else Minio(
            public.netloc, access_key=access_key, secret_key=secret_key, secure=public.scheme == "https",
            region=region, http_client=self.http)
        self.bucket = bucket

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket)

    def put(self, key: str, data: bytes, content_type: str, metadata: Optional[dict] = None) -> None:
        self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type=content_type,
                               metadata=metadata or {})

    def get(self, key: str) -> bytes:
        return self.fetch(self.bucket, key)

    def fetch(self, bucket: str, key: str) -> bytes:
        return objects.read(self.client, bucket, key)

    def size(self, bucket: str, key: str) -> int:
        found = objects.stat(self.client, bucket, key)
        if found is None:
            raise KeyError(f"{bucket}/{key}")
        return found.size

    def move(self, source_key: str, target_key: str) -> None:
        """Server-side copy, then delete. Idempotent: once the source is gone, nothing to do."""
        from minio.error import S3Error

        try:
            self.client.copy_object(self.bucket, target_key, CopySource(self.bucket, source_key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound") and self.exists(target_key):
                return
            raise
        self.client.remove_object(self.bucket, source_key)

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, key)

    def exists(self, key: str) -> bool:
        return objects.stat(self.client, self.bucket, key) is not None

    def presigned_url(self, key: str, expires: dt.timedelta) -> str:
        return self.client.presigned_get_object(self.bucket, key, expires=expires)

    def presigned_upload(self, key: str, checksum: str, expires: dt.timedelta) -> str:
        """A presigned PUT with ``x-amz-checksum-sha256`` as a signed query parameter: the
        store refuses a body of another SHA-256 (400 BadDigest, nothing written) and keeps
        the checksum. (Sent as an unsigned header instead, SeaweedFS refuses the request:
        403 SignatureDoesNotMatch; minio's presigning signs no header but ``host``.)"""
        return self.signer.get_presigned_url("PUT", self.bucket, key, expires=expires,
                                             extra_query_params={"x-amz-checksum-sha256": checksum})

    def stored(self, key: str) -> tuple[int, Optional[str]]:
        found = objects.stat(self.client, self.bucket, key, extra_headers={"x-amz-checksum-mode": "ENABLED"})
        if found is None:
            raise KeyError(key)
        return found.size, found.metadata.get("x-amz-checksum-sha256")

    def listed(self, prefix: str) -> list[tuple[str, dt.datetime]]:
        return [(o.object_name, o.last_modified) for o in self.client.list_objects(self.bucket, prefix, recursive=True)]

    def head(self, key: str, n: int) -> bytes:
        return objects.read(self.client, self.bucket, key, 0, n)

    # -- multipart uploads (a large scan in parts, straight from the clerk's browser) -----
    STEPS = {"part": "PUT", "list": "GET", "complete": "POST", "abort": "DELETE"}

    def start_multipart(self, key: str) -> str:
        return self.client._create_multipart_upload(self.bucket, key, {})

    def presigned_step(self, key: str, upload_id: str, step: str, part_number: Optional[int],
                       expires: dt.timedelta) -> tuple[str, str]:
        """Presigned like the single PUT, with nothing but ``host`` signed. A part is not
        signed with its SHA-256 (the client's uploader asks for the URL without the bytes);
        the registry reads the completed object instead (service_layer/uploads.py)."""
        query = {"uploadId": upload_id, **({"partNumber": str(part_number)} if step == "part" else {})}
        method = self.STEPS[step]
        return method, self.signer.get_presigned_url(method, self.bucket, key, expires=expires,
                                                      extra_query_params=query)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        from minio.error import S3Error

        try:
            self.client._abort_multipart_upload(self.bucket, key, upload_id)
        except S3Error as exc:
            if exc.code not in ("NoSuchUpload", *objects.MISSING):
                raise

    def pending_multiparts(self, prefix: str) -> list[tuple[str, str, dt.datetime]]:
        found, key_marker, id_marker = [], None, None
        while True:
            page = self.client._list_multipart_uploads(self.bucket, prefix=prefix, key_marker=key_marker,
                                                       upload_id_marker=id_marker, max_uploads=1000)
            found += [(u.object_name, u.upload_id, u.initiated_time) for u in page.uploads]
            if not page.is_truncated or not page.uploads:
                return found
            key_marker, id_marker = page.next_key_marker, page.next_upload_id_marker

    def sha256(self, key: str, at_most: int) -> tuple[int, str]:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in objects.MISSING:
                raise KeyError(key) from exc
            raise
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in response.stream(HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if size > at_most:  # bigger than declared: refused without reading the rest
                    return size, ""
        finally:
            response.close()
            response.release_conn()
        return size, digest.hexdigest()
