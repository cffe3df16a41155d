"""The citizen's survey page in a real headless Chromium, keyboard only: the link from the
"closed" mail opens the form; the rating is chosen with the arrow keys, "Искам преразглеждане"
with Space; asking reconsideration without a comment gets the Bulgarian message; with the
comment the answer is taken; the link then answers 410. axe-core (WCAG 2.0/2.1 A+AA) finds no
serious or critical violation on the form, the error, the thanks and the used-link pages; focus
is visible; the browser reports no CSP violation. The browser runs in a clean interpreter (this
file run as a script), as in test_status_page.py."""
from __future__ import annotations

import argparse
import json
import os
import traceback

import pytest

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PROBE_TIMEOUT_S = 180
COMMENT = "Моля, преразгледайте отказа."
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def link(status_url) -> str:
    """A closed case's survey link, as its mail carries it."""
    from tests.e2e.conftest import token
    from tests.e2e.test_survey_live import closed_case_with_link

    clerk = {"Authorization": f"Bearer {token('clerk')}"}
    official = {"Authorization": f"Bearer {token('official')}"}
    _, url = closed_case_with_link(clerk, official)
    return status_url.rstrip("/") + url[url.index("/survey/"):]


@pytest.fixture(scope="module")
def report(chromium, link, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe

    work = tmp_path_factory.mktemp("survey-browser")
    return run_probe(os.path.abspath(__file__), ["--link", link, "--chromium", chromium],
                     work / "survey_report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    step = report.get(name)
    assert step is not None, f"the probe did not run step {name!r}: {sorted(report)}"
    assert "error" not in step, f"step {name!r} failed in the browser:\n{step['error']}"
    return step


def test_the_answer_is_given_by_keyboard_and_taken_once(report):
    assert _step(report, "form")["status"] == 200
    missing = _step(report, "missing_reason")
    assert missing["status"] == 200 and "напишете в коментара защо" in missing["alert"], missing
    assert missing["rating"] == "4" and missing["reconsideration"], missing
    thanks = _step(report, "thanks")
    assert thanks["status"] == 200 and thanks["heading"] == "Благодарим ви!", thanks
    assert _step(report, "used")["status"] == 410


def test_focus_is_visible_on_every_control(report):
    stops = _step(report, "form")["stops"]
    assert [s["id"] for s in stops] == ["rating-1", "comment", "reconsideration"], stops
    assert not [s for s in stops if s["outline"] == "none"], stops


@pytest.mark.parametrize("state", ["form", "missing_reason", "thanks", "used"])
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    axe = _step(report, state)["axe"]
    blocking = [v for v in axe["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, json.dumps(blocking, ensure_ascii=False, indent=1)


def test_the_browser_reports_no_content_security_policy_violation(report):
    assert not [m for m in report["console"] if "Content Security Policy" in m], report["console"]


# --- the probe (runs only as a script, in an interpreter without eventlet) ---------------------

ACTIVE = """() => { const a = document.activeElement; const cs = getComputedStyle(a);
  return {id: a.id || a.tagName.toLowerCase(),
          outline: cs.outlineStyle === 'none' || cs.outlineWidth === '0px' ? 'none' : cs.outlineStyle}; }"""


def _axe(page) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                        "resultTypes": ["violations"]}).response
    return {"violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                            "nodes": [n["html"][:200] for n in v["nodes"][:5]]} for v in response["violations"]]}


def _form(page, link: str) -> dict:
    answer = page.goto(link)
    stops = []
    for _ in range(3):  # the radio group is one Tab stop
        page.keyboard.press("Tab")
        stops.append(page.evaluate(ACTIVE))
    return {"status": answer.status, "stops": stops, "axe": _axe(page)}


def _send(page):
    with page.expect_navigation() as navigation:
        page.keyboard.press("Tab")  # to the button
        page.keyboard.press("Enter")
    return navigation.value


def _missing_reason(page, link: str) -> dict:
    page.goto(link)
    page.keyboard.press("Tab")  # the first radio
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # 1 -> 4, selecting as it moves
    page.keyboard.press("Tab")  # the comment, left empty
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # Искам преразглеждане
    answer = _send(page)
    return {"status": answer.status, "alert": page.locator("[role=alert]").inner_text(),
            "rating": page.locator("input[name=rating]:checked").get_attribute("value"),
            "reconsideration": page.locator("#reconsideration").is_checked(), "axe": _axe(page)}


def _thanks(page) -> dict:
    page.locator("#comment").focus()
    page.keyboard.type(COMMENT)
    page.keyboard.press("Tab")  # the checkbox, still checked
    answer = _send(page)
    return {"status": answer.status, "heading": page.locator("h1").inner_text().strip(), "axe": _axe(page)}


def _used(page, link: str) -> dict:
    return {"status": page.goto(link).status, "axe": _axe(page)}


def probe(link: str, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright

    report: dict = {"console": []}

    def step(name, fn, *args):
        try:
            report[name] = fn(*args)
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            report[name] = {"error": traceback.format_exc(limit=4)}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="bg-BG")
            page.set_default_timeout(15_000)
            page.on("console", lambda m: report["console"].append(f"{m.type}: {m.text}"))
            step("form", _form, page, link)
            step("missing_reason", _missing_reason, page, link)
            step("thanks", _thanks, page)
            step("used", _used, page, link)
        finally:
            browser.close()
    return report


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="Drive the survey page in headless Chromium; write a JSON report.")
    for name in ("--link", "--chromium", "--out"):
        cli.add_argument(name, required=True)
    opts = cli.parse_args()
    with open(opts.out, "w", encoding="utf-8") as fh:
        json.dump(probe(opts.link, opts.chromium), fh, ensure_ascii=False, indent=1)
