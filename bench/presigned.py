"""The presigned paper path as a clerk's client runs it, every step on the clock: ask the
registry for an upload (POST /api/v1/uploads), PUT the scan straight to the object store
with the URL granted (the SHA-256 signed into it, so the store checks the bytes), then
register with the upload's id (POST /api/v1/documents/from-uploads)."""
from __future__ import annotations

import hashlib
from typing import Callable

import requests

REGISTRY = "http://127.0.0.1:8001"


def registrar(token: str, metadata: dict, http: requests.Session) -> Callable[[bytes], None]:
    """One registration of ``scan`` by the presigned path, the client's upload included."""
    auth = {"Authorization": f"Bearer {token}"}

    def register(scan: bytes, session=None) -> None:
        s = session or http
        grant = s.post(f"{REGISTRY}/api/v1/uploads", headers=auth, timeout=30,
                       json={"file_name": "s.pdf", "size": len(scan), "sha256": hashlib.sha256(scan).hexdigest()})
        assert grant.status_code == 201, grant.text
        put = s.put(grant.json()["url"], data=scan, timeout=30)
        assert put.status_code == 200, put.text
        done = s.post(f"{REGISTRY}/api/v1/documents/from-uploads", headers=auth, timeout=30,
                      json={"metadata": metadata, "uploads": [grant.json()["upload_id"]]})
        assert done.status_code == 201, done.text
    return register
