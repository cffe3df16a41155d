"""Browser tier: a real headless Chromium (Debian's, never a downloaded one) against the running
stack (`make up`). Skips when the browser tools are missing (deploy/local/test_tools.sh installs
Chromium); fails when a page under test does not answer, as the e2e tier does."""
from __future__ import annotations

import importlib.util
import os

import pytest
import requests

CATALOGUE = os.environ.get("DELOVOD_TEST_CATALOGUE_URL", "http://127.0.0.1:8004")
STATUS = os.environ.get("DELOVOD_TEST_STATUS_URL", "http://127.0.0.1:8002")
CHROMIUM = os.environ.get("DELOVOD_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary, or a skip saying what to install."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run deploy/local/test_tools.sh (apt-get install chromium)")
    for module, package in (("playwright", "playwright"), ("axe_playwright_python", "axe-playwright-python")):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"Python package {package} is missing: pip install -r requirements-dev.txt")
    return CHROMIUM


def _page_url(name: str, base: str) -> str:
    """``base`` when its page answers with HTML; fails (never skips) when it does not."""
    try:
        answer = requests.get(f"{base}/", timeout=5)
    except requests.RequestException as exc:
        pytest.fail(f"the {name} at {base}/ does not answer ({exc}); start the stack with `make up`",
                    pytrace=False)
    if answer.status_code != 200 or "text/html" not in answer.headers.get("Content-Type", ""):
        pytest.fail(f"the {name} page at {base}/ answered {answer.status_code} "
                    f"{answer.headers.get('Content-Type')!r}, not an HTML page", pytrace=False)
    return base


@pytest.fixture(scope="session")
def catalogue_url() -> str:
    """The public catalogue's base URL."""
    return _page_url("catalogue", CATALOGUE)


@pytest.fixture(scope="session")
def status_url() -> str:
    """The citizens' status lookup page's base URL."""
    return _page_url("status lookup", STATUS)


def run_probe(script: str, args: list[str], out, log, timeout_s: float) -> dict:
    """Run a browser probe (``script`` run as a program, in a clean interpreter: Playwright's sync
    API is not reliable under the session-wide ``eventlet.monkey_patch()``) in its own process
    group, bounded by ``timeout_s``; the JSON report it wrote to ``out``, or a failed test."""
    import json
    import signal
    import subprocess
    import sys
    import time

    # A log file, not pipes, and a poll loop, not communicate(timeout=): under eventlet the green
    # subprocess raises a TimeoutExpired class of its own, which `except subprocess.TimeoutExpired`
    # does not catch.
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, script, *args, "--out", str(out)], stdin=subprocess.DEVNULL,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout_s
    timed_out = False
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(0.1)
    finally:
        try:  # the probe's own process group: on a timeout, and whatever it left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    output = open(log, encoding="utf-8", errors="replace").read()[-4000:]
    if timed_out:
        pytest.fail(f"the browser probe did not finish within {timeout_s}s:\n{output}", pytrace=False)
    if proc.returncode != 0 or not os.path.exists(out):
        pytest.fail(f"the browser probe failed (exit {proc.returncode}):\n{output}", pytrace=False)
    with open(out, encoding="utf-8") as fh:
        return json.load(fh)
