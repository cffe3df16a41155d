"""What a browser probe does around its own steps: headless Chromium (Debian's) reaching the page
through the byte-for-byte relay from a loopback address of the probe's own, each step's answer
or its traceback in the report, and the probe's command line. Imported by probes, which run as
scripts in an interpreter without eventlet (see conftest.run_probe)."""
from __future__ import annotations

import argparse
import json
import traceback
from contextlib import contextmanager
from typing import Callable, Iterable


@contextmanager
def browser_context(base: str, chromium: str, source: str):
    """``(context, url)``: a Bulgarian-locale browser context and the relay's URL for ``base``."""
    from playwright.sync_api import sync_playwright

    from tests.browser.test_status_page import CHROMIUM_ARGS, Relay

    relay = Relay(base, source)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
            try:
                yield browser.new_context(viewport={"width": 1280, "height": 900}, locale="bg-BG"), relay.url
            finally:
                browser.close()
    finally:
        relay.close()


def run_steps(steps: Iterable[tuple[str, Callable[[], dict]]]) -> dict:
    """Each step's answer by name, or ``{"error": its traceback}``; a failed step stops none after it."""
    report: dict = {}
    for name, fn in steps:
        try:
            report[name] = fn()
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            report[name] = {"error": traceback.format_exc(limit=4)}
    return report


def main(probe: Callable[..., dict], description: str, options: Iterable[str]) -> None:
    """The probe's command line: every option required, ``--out`` the JSON report's path."""
    cli = argparse.ArgumentParser(description=description)
    for name in ("--out", *options):
        cli.add_argument(name, required=True)
    opts = vars(cli.parse_args())
    out = opts.pop("out")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(probe(**opts), fh, ensure_ascii=False, indent=1)
