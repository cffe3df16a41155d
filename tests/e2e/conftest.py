"""E2E tier: the running stack (`make up`), over its public interfaces only."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGISTRY, STATUS, NOTIFICATIONS, CATALOGUE = ("http://127.0.0.1:8001", "http://127.0.0.1:8002",
                                              "http://127.0.0.1:8003", "http://127.0.0.1:8004")


def token(role: str) -> str:
    return (ROOT / ".local" / "tokens" / f"{role}.jwt").read_text().strip()


@pytest.fixture
def clerk():
    return {"Authorization": f"Bearer {token('clerk')}"}


@pytest.fixture
def official():
    return {"Authorization": f"Bearer {token('official')}"}
