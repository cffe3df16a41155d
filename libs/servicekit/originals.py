"""Object storage for dead letters' originals too large to travel inside a dead letter
(Kafka refuses a message over 1 MB; base64 makes one a third larger). S3 through the
``minio`` SDK, as the registry's scans; the bucket is created on first use.

One object per dead letter: JSON ``{"key_b64", "headers": [{"name", "value_b64"}],
"value_b64"}``, the whole original message, so that a replay sends it back unchanged.
"""
from __future__ import annotations

import base64
import io
import json
from urllib.parse import urlparse

import urllib3
from minio import Minio

from servicekit import objects


class OriginalsStore:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str,
                 timeout_s: float = 10.0):
        url = urlparse(endpoint)
        # bounded: a store that does not answer is a failure to retry, never a hung consumer
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=min(timeout_s, 3.0), read=timeout_s),
                                   retries=urllib3.Retry(total=1, backoff_factor=0.2), maxsize=4)
        self.client = Minio(url.netloc, access_key=access_key, secret_key=secret_key,
                            secure=url.scheme == "https", http_client=http)
        self.bucket = bucket
        self._bucket_ready = False

    @classmethod
    def from_settings(cls, kit) -> "OriginalsStore":
        return cls(kit.dead_letters_s3_endpoint, kit.dead_letters_s3_access_key, kit.dead_letters_s3_secret_key,
                   kit.dead_letters_s3_bucket)

    def put(self, object_key: str, key: bytes | None, headers: list, value: bytes) -> None:
        """Keep one original message: its key, headers (``[(name, bytes)]``) and value."""
        data = json.dumps({
            "key_b64": base64.b64encode(key).decode() if key is not None else None,
            "headers": [{"name": n, "value_b64": base64.b64encode(v or b"").decode()} for n, v in headers],
            "value_b64": base64.b64encode(value).decode()}).encode()
        if not self._bucket_ready:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
            self._bucket_ready = True
        self.client.put_object(self.bucket, object_key, io.BytesIO(data), len(data), content_type="application/json")

    def get(self, bucket: str, object_key: str) -> tuple[bytes | None, list, bytes]:
        """The original message ``(key, headers, value)`` kept by :meth:`put`."""
        doc = json.loads(objects.read(self.client, bucket, object_key))
        key = base64.b64decode(doc["key_b64"]) if doc["key_b64"] is not None else None
        return key, [(h["name"], base64.b64decode(h["value_b64"])) for h in doc["headers"]], base64.b64decode(doc["value_b64"])
