"""Shared test helpers. eventlet is patched first, as nameko's processes are."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E305

import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

pytest_plugins = ["pytester"]  # tests/unit/test_ci_skips.py runs a small suite of its own


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


# --- CI: a test that did not run fails the run ------------------------------------------------
# Under CI=true every skip (of a test, or of a whole module at collection) fails the run, and so
# does every xfail, unless it is marked `xfail(strict=True, reason="...")`: a known defect, named,
# whose fix is noticed because the test then passes and strict turns that pass into a failure.
# An xfail without a reason, a non-strict one, or `pytest.xfail()` called inside a test would let
# a test quietly stop asserting anything, so they count as skips. Each is listed at the end.
NOT_RUN = pytest.StashKey[dict]()


def _ci(config) -> bool:
    return os.environ.get("CI") == "true"


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _accepted_xfail(item) -> bool:
    marker = item.get_closest_marker("xfail")
    if marker is None:
        return False   # pytest.xfail() inside the test
    strict = marker.kwargs.get("strict", item.config.getini("xfail_strict"))
    return strict is True and bool(str(marker.kwargs.get("reason", "")).strip())


def pytest_configure(config):
    config.stash[NOT_RUN] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if hasattr(report, "wasxfail"):
        if not _accepted_xfail(item):
            item.config.stash[NOT_RUN][item.nodeid] = \
                f"xfail without strict=True and a reason ({report.wasxfail or 'no reason'})"
    elif report.skipped:
        item.config.stash[NOT_RUN][item.nodeid] = f"skipped: {_skip_reason(report)}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if report.skipped:
        collector.config.stash[NOT_RUN][report.nodeid] = f"skipped at collection: {_skip_reason(report)}"
    return report


def _not_run(config) -> dict[str, str]:
    return config.stash.get(NOT_RUN, {})


def pytest_terminal_summary(terminalreporter, config):
    if not (_ci(config) and _not_run(config)):
        return
    terminalreporter.write_sep("=", "CI=true: these tests did not run, so the run fails", red=True, bold=True)
    for nodeid, reason in sorted(_not_run(config).items()):
        terminalreporter.write_line(f"NOT RUN {nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _ci(session.config) and _not_run(session.config) and \
            exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
