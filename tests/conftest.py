"""Shared test helpers. eventlet is patched first, as nameko's processes are."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E305

import time  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402


def until(probe, timeout_s: float = 30.0, interval_s: float = 0.1, what: str = "condition"):
    """Bounded retry for asynchronous effects (never a bare sleep)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(interval_s)
    raise AssertionError(f"{what} not met within {timeout_s}s")


@pytest.fixture
def uid() -> str:
    """A random name per test: isolation without cleaning shared state."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def test_db(uid):
    """A MongoDB URI of a database of this test's own, dropped afterwards (FerretDB keeps
    one SQLite file per database: hundreds of leftovers would slow its housekeeping)."""
    uri = f"mongodb://127.0.0.1:27017/test_{uid}"
    yield uri
    import pymongo

    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000) as client:
        client.drop_database(f"test_{uid}")
