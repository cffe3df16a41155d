"""Scans in S3-compatible object storage through the ``minio`` SDK (MinIO in
production; SeaweedFS locally, unchanged)."""
from __future__ import annotations

import datetime as dt
import io
from typing import Optional
from urllib.parse import urlparse

from minio import Minio
from minio.commonconfig import CopySource


class S3ScanStore:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, region: str = "us-east-1"):
        url = urlparse(endpoint)
        self.client = Minio(url.netloc, access_key=access_key, secret_key=secret_key,
                            secure=url.scheme == "https", region=region)
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
        from minio.error import S3Error

        try:
            response = self.client.get_object(bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise KeyError(f"{bucket}/{key}")
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def size(self, bucket: str, key: str) -> int:
        from minio.error import S3Error

        try:
            return self.client.stat_object(bucket, key).size
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound", "NoSuchBucket"):
                raise KeyError(f"{bucket}/{key}")
            raise

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
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise

    def presigned_url(self, key: str, expires: dt.timedelta) -> str:
        return self.client.presigned_get_object(self.bucket, key, expires=expires)
