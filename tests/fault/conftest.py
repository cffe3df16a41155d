"""Fault tier: the running stack (`make up`) under load while one of its processes is
killed or paused. Run by tests/run_all.sh after the other tiers (`pytest -m fault tests/fault`)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / ".local" / "fault"
COLUMNS = ("experiment", "requests", "acknowledged", "eportal", "lost", "duplicated", "gaps", "recovery_s",
           "caught_up_s", "slowest_s", "restarted", "took_s", "codes")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.fault)


ROWS: list[dict] = []


@pytest.fixture(scope="session")
def results() -> list[dict]:
    return ROWS


def table() -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in ROWS)) for c in COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in COLUMNS) for r in ROWS]
    return "\n".join(lines)


def pytest_sessionfinish(session):
    if ROWS:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "results.txt").write_text(table() + "\n")
        (RESULTS / "results.json").write_text(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                                          "experiments": ROWS}, ensure_ascii=False, indent=1))


def pytest_terminal_summary(terminalreporter):
    if ROWS:
        terminalreporter.write_line("\nFault tier (also in .local/fault/results.txt and results.json):")
        terminalreporter.write_line(table())
