"""Fuzz tier: schemathesis (PyPI) against each running service, from the OpenAPI document
it serves. Authenticated per operation (tests/fuzz/hooks.py), bounded in examples per
operation and in wall time, with a fixed seed, so a failure replays with the command the
test prints. Checks: no server error, and every answer as documented (status code,
content type, headers, body schema)."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
WORK_DIR = ROOT / ".local" / "fuzz"  # schemathesis keeps its replay store (.schemathesis/) in the working directory
PORTS = {"registry": 8001, "status": 8002, "notifications": 8003, "catalogue": 8004}
SEED = int(os.environ.get("DELOVOD_FUZZ_SEED", "20261202"))
MAX_EXAMPLES = int(os.environ.get("DELOVOD_FUZZ_EXAMPLES", "25"))
WALL_TIME_S = 150  # per service; the four take about two minutes together on 2 cores
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,ignored_auth")


def command(service: str) -> list[str]:
    return [str(Path(sys.executable).parent / "st"), "run", f"http://127.0.0.1:{PORTS[service]}/openapi.json",
            "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
            "--seed", str(SEED), "--workers", "1", "--request-timeout", "20", "--output-truncate", "false",
            "--no-color"]


def environment() -> dict:
    path = os.pathsep.join(str(ROOT / p) for p in ("proto", "libs", "services", "."))
    return {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": path}


def replay(service: str) -> str:
    return (f"cd {WORK_DIR} && SCHEMATHESIS_HOOKS=tests.fuzz.hooks PYTHONPATH={ROOT}/proto:{ROOT}/libs:"
            f"{ROOT}/services:{ROOT} {shlex.join(command(service))}")


@pytest.mark.parametrize("service", PORTS)
def test_the_api_answers_every_fuzzed_request_as_documented(service):
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        run = subprocess.run(command(service), cwd=WORK_DIR, env=environment(), capture_output=True, text=True,
                             timeout=WALL_TIME_S)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"schemathesis ran over {WALL_TIME_S} s against {service}; replay: {replay(service)}\n"
                             f"{(exc.stdout or b'')[-3000:]!r}")
    output = run.stdout + run.stderr
    counts = re.search(r"(\d+) generated", output)
    print(f"{service}: {counts.group(1) if counts else '?'} cases, seed {SEED}, {time.monotonic() - started:.1f} s; "
          f"replay: {replay(service)}")
    assert run.returncode == 0, f"{output[-6000:]}\nreplay: {replay(service)}"
    assert counts and int(counts.group(1)) > 0, output[-3000:]
