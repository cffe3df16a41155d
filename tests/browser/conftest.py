"""Browser tier: a real headless Chromium (Debian's, never a downloaded one) against the running
stack (`make up`). Skips when the browser tools are missing (deploy/local/test_tools.sh installs
Chromium); fails when the catalogue does not answer, as the e2e tier does."""
from __future__ import annotations

import importlib.util
import os

import pytest
import requests

CATALOGUE = os.environ.get("DELOVOD_TEST_CATALOGUE_URL", "http://127.0.0.1:8004")
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


@pytest.fixture(scope="session")
def catalogue_url() -> str:
    """The public catalogue's base URL; fails (never skips) when it does not answer."""
    try:
        answer = requests.get(f"{CATALOGUE}/", timeout=5)
    except requests.RequestException as exc:
        pytest.fail(f"the catalogue at {CATALOGUE}/ does not answer ({exc}); start the stack with `make up`",
                    pytrace=False)
    if answer.status_code != 200 or "text/html" not in answer.headers.get("Content-Type", ""):
        pytest.fail(f"the catalogue page at {CATALOGUE}/ answered {answer.status_code} "
                    f"{answer.headers.get('Content-Type')!r}, not an HTML page", pytrace=False)
    return CATALOGUE
