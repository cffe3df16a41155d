"""The citizens' status lookup page in a real headless Chromium, keyboard only (Tab, typing,
Enter; no clicks): a case registered through the registry's API and known to status is found
and shows its stage; a wrong code gets the Bulgarian alert; enough wrong tries from one client
are throttled, and the page says so; axe-core (WCAG 2.0/2.1 A+AA) finds no serious or critical
violation on the empty form, the result, the error and the throttled page; focus is visible; the
access code never appears in a URL or a Referer, and the browser reports no CSP violation.

The browser reaches the service through a byte-for-byte TCP relay whose upstream connections
come from a loopback address of their own (127.x.y.z, new each run): the wrong tries lock that
address out, not 127.0.0.1, which the other tiers and the next run use. As in
test_catalogue_page.py, the browser runs in a clean interpreter (this file run as a script)."""
from __future__ import annotations

import argparse
import json
import os
import random
import traceback

import pytest

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PROBE_TIMEOUT_S = 180
MAX_TRIES = 15  # the limit per index and client is 10 (lookup_failures_per_index_and_client)
INDEX_LABEL, CODE_LABEL, SUBMIT = "Регистрационен индекс", "Код за достъп (8 цифри)", "Провери"
NOT_FOUND = "Няма преписка с този индекс и код за достъп"
THROTTLED = "Твърде много неуспешни опити"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
SCREENSHOT = "/tmp/status-page.png"

# ----------------------------------------------------------------------------------------------
# The tests (pytest side: no browser library is imported here)
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case(status_url) -> tuple[str, str]:
    """A case registered through the registry's HTTP API that status already knows."""
    from tests.conftest import until
    from tests.e2e.conftest import token
    from tests.e2e.test_citizen_pages_live import api_lookup, citizen
    from tests.e2e.test_registration_flow import metadata, register

    r = register({"Authorization": f"Bearer {token('clerk')}"}, metadata())
    assert r.status_code == 201, r.text
    index, code = r.json()["registration_index"], r.json()["access_code"]
    until(lambda: api_lookup(citizen(), index, code).ok, what="case open in status", timeout_s=60, interval_s=0.5)
    return index, code


@pytest.fixture(scope="module")
def report(chromium, status_url, case, tmp_path_factory) -> dict:
    """Run the browser probe once for this module; its JSON report."""
    from tests.browser.conftest import run_probe

    index, code = case
    work = tmp_path_factory.mktemp("status-browser")
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return run_probe(os.path.abspath(__file__),
                     ["--url", status_url, "--chromium", chromium, "--index", index, "--code", code,
                      "--wrong-code", wrong_code(code), "--source", source, "--screenshot", SCREENSHOT],
                     work / "status_report.json", work / "probe.log", PROBE_TIMEOUT_S)


def wrong_code(code: str) -> str:
    return "00000000" if code != "00000000" else "11111111"


def _step(report: dict, name: str) -> dict:
    step = report.get(name)
    assert step is not None, f"the probe did not run step {name!r}: {sorted(report)}"
    assert "error" not in step, f"step {name!r} failed in the browser:\n{step['error']}"
    return step


def _blocking(axe: dict) -> str:
    blocking = [v for v in axe["violations"] if v["impact"] in BLOCKING_IMPACTS]
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}\n" + "\n".join(
        f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"]) for v in blocking)


def test_keyboard_lookup_shows_the_case_and_its_stage(report, case):
    index, _ = case
    found = _step(report, "lookup")
    assert found["tabs_to_index"] <= 3, found
    assert found["method"] == "POST" and found["status"] == 200, found
    assert found["heading"] == f"Преписка {index}", found
    assert found["stage"] == "Регистриран", found
    assert found["index_value"] == index and found["code_value"] == "", found


def test_the_code_never_appears_in_a_url_or_a_referer(report, case):
    _, code = case
    for name in ("lookup", "wrong_code", "throttle"):
        step = _step(report, name)
        assert code not in step["url"] and "code=" not in step["url"], (name, step["url"])
    network = _step(report, "network")
    leaked = [r for r in network["requests"] if code in r["url"] or code in (r["referer"] or "")]
    assert not leaked, leaked
    assert network["requests"] and all(r["referer"] is None for r in network["requests"]), network["requests"]
    assert network["posted_code"], "the code did not travel in a POST body"


def test_a_wrong_code_shows_the_bulgarian_alert(report):
    wrong = _step(report, "wrong_code")
    assert wrong["status"] == 200 and wrong["alert_role"] == "alert", wrong
    assert wrong["alert"].startswith(NOT_FOUND), wrong


def test_enough_wrong_tries_are_throttled_and_the_page_says_so(report):
    throttle = _step(report, "throttle")
    assert throttle["status"] == 429, throttle
    assert throttle["tries"] <= 10, f"throttled only after {throttle['tries']} more tries: {throttle}"
    assert throttle["alert"].startswith(THROTTLED), throttle
    assert 0 < int(throttle["retry_after"]) <= 15 * 60 + 1, throttle


def test_focus_is_visible_on_every_form_control(report):
    stops = _step(report, "focus")["stops"]
    assert [(s["id"] or s["tag"]) for s in stops[:3]] == ["index", "code", "button"], stops
    invisible = [s for s in stops if s["outline"] == "none"]
    assert not invisible, f"focused without a visible indicator: {invisible}"


@pytest.mark.parametrize("state", ["empty_form", "lookup", "wrong_code", "throttle"])
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} ({', '.join(AXE_TAGS)}) on the {state} state:\n" \
                               + _blocking(axe)


def test_the_browser_reports_no_content_security_policy_violation(report):
    network = _step(report, "network")
    csp = [m for m in network["console"] if "Content Security Policy" in m]
    assert not csp, csp
    headers = _step(report, "empty_form")["headers"]
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), headers
    assert headers.get("x-content-type-options") == "nosniff", headers
    assert headers.get("referrer-policy") == "no-referrer", headers


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------

ACTIVE = """() => {
  const a = document.activeElement;
  if (!a || a === document.body || a === document.documentElement) return null;
  const cs = getComputedStyle(a);
  return {tag: a.tagName.toLowerCase(), id: a.id || null,
          outline: cs.outlineStyle === 'none' || cs.outlineWidth === '0px' ? 'none'
            : `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`};
}"""


class Relay:
    """Forwards a local port to the service, byte for byte, from ``source`` (a loopback address).
    Hand-written (some thirty lines) because the browser cannot choose its source address and a
    proxy server would be one more program to install for one test."""

    def __init__(self, target: str, source: str):
        import socket
        import threading
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        self.upstream, self.source = (parts.hostname, parts.port or 80), source
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        import threading

        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=30, source_address=(self.source, 0))
            except OSError:  # the browser sees the connection closed, as it would without the relay
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        import socket

        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.server.close()


def _axe(page) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                        "resultTypes": ["violations"]}).response
    return {"version": response["testEngine"]["version"],
            "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"], "helpUrl": v["helpUrl"],
                            "nodes": [{"target": " ".join(map(str, n["target"])), "html": n["html"][:300],
                                       "summary": (n.get("failureSummary") or "").replace("\n", " ")}
                                      for n in v["nodes"][:10]]}
                           for v in response["violations"]]}


def _tab_to(page, label: str) -> int:
    """Press Tab until the field labelled ``label`` has focus; how many presses it took."""
    field = page.get_by_label(label, exact=True)
    for tabs in range(10):
        if field.evaluate("el => el === document.activeElement"):
            return tabs
        page.keyboard.press("Tab")
    raise AssertionError(f"{label!r} was not reached in 10 Tab presses")


def _submit(page, base: str, index: str, code: str):
    """The empty form, filled and sent by keyboard only; the answer to the form's request."""
    page.goto(f"{base}/")
    tabs = _tab_to(page, INDEX_LABEL)
    page.keyboard.type(index)
    page.keyboard.press("Tab")
    page.keyboard.type(code)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return tabs, navigation.value


def _alert(page) -> dict:
    alert = page.locator("[role=alert]").first
    return {"alert": alert.inner_text().strip(), "alert_role": alert.get_attribute("role")}


def _empty_form(page, base: str) -> dict:
    answer = page.goto(f"{base}/")
    return {"status": answer.status, "headers": answer.all_headers(), "url": page.url, "axe": _axe(page)}


def _focus(page, base: str) -> dict:
    page.goto(f"{base}/")
    stops = []
    for _ in range(3):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(ACTIVE))
    return {"stops": stops}


def _lookup(page, base: str, index: str, code: str) -> dict:
    tabs, answer = _submit(page, base, index, code)
    return {"tabs_to_index": tabs, "status": answer.status, "method": answer.request.method, "url": page.url,
            "heading": page.locator("section h2").inner_text().strip(),
            "stage": page.locator("section strong").first.inner_text().strip(),
            "index_value": page.get_by_label(INDEX_LABEL, exact=True).input_value(),
            "code_value": page.get_by_label(CODE_LABEL, exact=True).input_value(), "axe": _axe(page)}


def _wrong_code(page, base: str, index: str, wrong: str) -> dict:
    _, answer = _submit(page, base, index, wrong)
    return {"status": answer.status, "url": page.url, **_alert(page), "axe": _axe(page)}


def _throttle(page, base: str, index: str, wrong: str) -> dict:
    for tries in range(1, MAX_TRIES + 1):
        _, answer = _submit(page, base, index, wrong)
        if answer.status == 429:
            return {"tries": tries, "status": 429, "retry_after": answer.header_value("retry-after"),
                    "url": page.url, **_alert(page), "axe": _axe(page)}
    return {"tries": MAX_TRIES, "status": answer.status, "retry_after": None, "url": page.url, **_alert(page),
            "axe": _axe(page)}


def probe(base: str, chromium: str, index: str, code: str, wrong: str, source: str, screenshot: str) -> dict:
    from playwright.sync_api import sync_playwright

    report: dict = {}
    requests_seen, console, posted = [], [], []

    def step(name, fn, *args):
        try:
            report[name] = fn(*args)
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            report[name] = {"error": traceback.format_exc(limit=4)}

    def seen(request):
        requests_seen.append({"url": request.url, "method": request.method,
                              "referer": request.headers.get("referer")})
        if request.method == "POST" and f"code={code}" in (request.post_data or ""):
            posted.append(request.url)

    relay = Relay(base, source)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="bg-BG")
                page.set_default_timeout(15_000)
                page.on("request", seen)
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                step("empty_form", _empty_form, page, relay.url)
                step("focus", _focus, page, relay.url)
                step("lookup", _lookup, page, relay.url, index, code)
                page.screenshot(path=screenshot, full_page=True)
                step("wrong_code", _wrong_code, page, relay.url, index, wrong)
                step("throttle", _throttle, page, relay.url, index, wrong)
                report["network"] = {"requests": requests_seen, "console": console, "posted_code": posted}
            finally:
                browser.close()
    finally:
        relay.close()
    return report


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="Drive the status page in headless Chromium; write a JSON report.")
    for name in ("--url", "--chromium", "--index", "--code", "--wrong-code", "--source", "--out"):
        cli.add_argument(name, required=True)
    cli.add_argument("--screenshot", default=SCREENSHOT)
    opts = cli.parse_args()
    result = probe(opts.url.rstrip("/"), opts.chromium, opts.index, opts.code, opts.wrong_code, opts.source,
                   opts.screenshot)
    with open(opts.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)
