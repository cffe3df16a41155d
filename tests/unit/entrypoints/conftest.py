"""Entrypoint tests: a nameko worker (``worker_factory``) with the service layer it would
get from its composition root, and werkzeug requests built in memory."""
import contextlib
import io
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from servicekit.auth import issue_token

SECRET = b"entrypoint-test-secret-of-32-bytes!!"


def bearer(role: str) -> dict:
    return {"Authorization": f"Bearer {issue_token(SECRET, f'{role}-1', role.title(), role)}"}


def request(method: str, path: str, **kwargs) -> Request:
    return Request(EnvironBuilder(method=method, path=path, **kwargs).get_environ())


@pytest.fixture
def settings():
    kit = SimpleNamespace(rpc_timeout_s=10.0, timezone="Europe/Sofia")
    return SimpleNamespace(auth_secret=lambda: SECRET, max_request_mb=120, kit=kit)


@pytest.fixture
def uploads():
    return SimpleNamespace(hold=lambda n: contextlib.nullcontext())


def multipart(metadata: str, scan: bytes = b"%PDF-1.4 scan") -> dict:
    return {"metadata": metadata, "scan": (io.BytesIO(scan), "scan.pdf", "application/pdf")}
