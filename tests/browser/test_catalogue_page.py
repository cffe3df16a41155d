"""The public catalogue page in a real headless Chromium: keyboard-only search (Latin query,
Cyrillic result), the skip link and Tab order, accessible names, and axe-core (WCAG 2.0/2.1 A+AA).

Playwright's sync API is not reliable under the session-wide ``eventlet.monkey_patch()`` of
tests/conftest.py (the browser starts, but closing it hangs), so the browser is driven by this
same file run as a script in a clean interpreter (``python test_catalogue_page.py --out f.json``),
bounded by a timeout, and the tests assert on the JSON report it writes."""
from __future__ import annotations

import argparse
import json
import os
import traceback
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.browser

QUERY = "udostoverenie za naslednici"
EXPECTED_IN_NAME = "наследници"
SEARCH_LABEL = "Търсене (на кирилица или латиница)"
SKIP_LINK = "Към резултатите"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
SCREENSHOT = "/tmp/catalogue.png"
PROBE_TIMEOUT_S = 120
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
CONTROLS = "input:not([type=hidden]), select, textarea, button"

# ----------------------------------------------------------------------------------------------
# The tests (pytest side: no browser library is imported here)
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(chromium, catalogue_url, tmp_path_factory) -> dict:
    """Run the browser probe once for this module in its own process group; its JSON report."""
    work = tmp_path_factory.mktemp("browser")
    out, log = work / "catalogue_report.json", work / "probe.log"
    from tests.browser.conftest import run_probe

    return run_probe(os.path.abspath(__file__), ["--url", catalogue_url, "--chromium", chromium,
                                                 "--screenshot", SCREENSHOT], out, log, PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    step = report.get(name)
    assert step is not None, f"the probe did not run step {name!r}: {sorted(report)}"
    assert "error" not in step, f"step {name!r} failed in the browser:\n{step['error']}"
    return step


def test_keyboard_search_in_latin_finds_the_cyrillic_service(report):
    search = _step(report, "search")
    assert search["tabs_to_search_box"] <= 5, search
    assert search["value_after"] == QUERY, search
    assert "q=udostoverenie" in search["url"], search
    assert any(EXPECTED_IN_NAME in name for name in search["names"]), (
        f"no service named with {EXPECTED_IN_NAME!r} for {QUERY!r}: {search['names']}")
    assert search["count_text"] == f"Намерени услуги: {len(search['names'])}", search


def test_skip_link_is_the_first_tab_stop_and_leads_to_the_results(report):
    skip = _step(report, "skip_link")
    first = skip["first_tab_stop"]
    assert first is not None, "the first Tab press focused nothing"
    assert (first["tag"], first["text"], first["href"]) == ("a", SKIP_LINK, "#results"), first
    assert first["on_screen"], f"the focused skip link is not visible: {first}"
    assert first["outline"] != "none", f"the focused skip link has no visible focus indicator: {first}"
    assert skip["after_enter"]["hash"] == "#results", skip["after_enter"]
    assert skip["after_enter"]["target"] == "results", skip["after_enter"]
    assert skip["after_enter"]["results_top"] < skip["after_enter"]["viewport_height"], skip["after_enter"]
    following = skip["next_tab_stop"]
    assert following is not None and following["in_results"], (
        f"Tab after the skip link did not continue inside #results: {following}")


def test_every_form_control_is_reachable_by_tab_and_named(report):
    tabs = _step(report, "tab_order")
    stops = tabs["stops"]
    assert stops, "no element received focus by Tab"
    assert stops[0]["text"] == SKIP_LINK, stops[:3]
    assert all(s["outline"] != "none" for s in stops), [s for s in stops if s["outline"] == "none"]
    controls = tabs["controls"]
    assert {(c["role"], c["name"]) for c in controls} >= {
        ("searchbox", SEARCH_LABEL), ("combobox", "Звено"), ("checkbox", "Само електронни услуги"),
        ("button", "Търси")}, controls
    unreachable = [c for c in controls if c["tabstop"] is None]
    assert not unreachable, f"form controls not reachable by Tab: {unreachable}"
    unnamed = [c for c in controls if not c["name"].strip()]
    assert not unnamed, f"form controls without an accessible name: {unnamed}"
    order = [c["tabstop"] for c in controls]
    assert order == sorted(order), f"form controls are not in DOM order by Tab: {controls}"


def test_axe_finds_no_serious_or_critical_wcag_violation(report):
    axe = _step(report, "axe")
    assert "q=udostoverenie" in axe["url"] and axe["results_on_page"] > 0, axe["url"]
    blocking = [v for v in axe["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core {axe['version']} ({', '.join(AXE_TAGS)}) on {axe['url']}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}\n" + "\n".join(
            f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"]) for v in blocking)


def test_results_page_screenshot_is_written(report):
    shot = _step(report, "screenshot")
    assert shot["path"] == SCREENSHOT and os.path.getsize(SCREENSHOT) > 10_000, shot


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------

ACTIVE = """() => {
  const a = document.activeElement;
  if (!a || a === document.body || a === document.documentElement) return null;
  const r = a.getBoundingClientRect(), cs = getComputedStyle(a);
  return {tag: a.tagName.toLowerCase(), id: a.id || null, type: a.getAttribute('type'),
          text: (a.innerText || a.value || '').trim().slice(0, 80), href: a.getAttribute('href'),
          in_results: !!a.closest('#results'), outline: cs.outlineStyle === 'none' ? 'none'
            : `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
          on_screen: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
            && r.right <= innerWidth && r.bottom <= innerHeight};
}"""
MARK_ACTIVE = """(i) => {
  const a = document.activeElement;
  if (!a || a === document.body || a === document.documentElement) return 'none';
  if (a.hasAttribute('data-tabstop')) return 'seen';
  a.setAttribute('data-tabstop', String(i));
  return 'new';
}"""


def _skip_link(page, base: str) -> dict:
    page.goto(f"{base}/")
    page.keyboard.press("Tab")
    first = page.evaluate(ACTIVE)
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#results'", timeout=5_000)
    after = page.evaluate("""() => ({hash: location.hash,
        target: (document.querySelector(':target') || {}).id || null,
        results_top: document.getElementById('results').getBoundingClientRect().top,
        viewport_height: innerHeight})""")
    page.keyboard.press("Tab")
    return {"first_tab_stop": first, "after_enter": after, "next_tab_stop": page.evaluate(ACTIVE)}


def _search(page, base: str) -> dict:
    page.goto(f"{base}/")
    box = page.get_by_role("searchbox", name=SEARCH_LABEL, exact=True)
    tabs = 0
    while not box.evaluate("el => el === document.activeElement"):
        if tabs == 10:
            raise AssertionError(f"the search box was not reached in {tabs} Tab presses")
        page.keyboard.press("Tab")
        tabs += 1
    page.keyboard.type(QUERY)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return {"tabs_to_search_box": tabs, "url": page.url, "value_after": box.input_value(),
            "names": page.locator("#results h2").all_inner_texts(),
            "count_text": page.locator("#results > p").first.inner_text().strip()}


def _screenshot(page, path: str) -> dict:
    page.screenshot(path=path, full_page=True)
    return {"path": path, "url": page.url}


def _axe(page) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                        "resultTypes": ["violations"]}).response
    return {"url": page.url, "version": response["testEngine"]["version"],
            "results_on_page": page.locator("#results article").count(),
            "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"], "helpUrl": v["helpUrl"],
                            "nodes": [{"target": " ".join(map(str, n["target"])), "html": n["html"][:300],
                                       "summary": (n.get("failureSummary") or "").replace("\n", " ")}
                                      for n in v["nodes"][:10]]}
                           for v in response["violations"]]}


def _tab_order(page, url: str) -> dict:
    page.goto(url)  # fresh: focus starts at the top of the document
    stops = []
    for i in range(300):
        page.keyboard.press("Tab")
        if page.evaluate(MARK_ACTIVE, i) != "new":
            break
        stops.append(page.evaluate(ACTIVE))
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    controls = []
    for node_id in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": CONTROLS})["nodeIds"]:
        flat = cdp.send("DOM.getAttributes", {"nodeId": node_id})["attributes"]
        attrs = dict(zip(flat[::2], flat[1::2]))
        ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False})["nodes"][0]
        controls.append({"id": attrs.get("id"), "type": attrs.get("type"),
                         "role": ax.get("role", {}).get("value"), "name": ax.get("name", {}).get("value", ""),
                         "tabstop": int(attrs["data-tabstop"]) if "data-tabstop" in attrs else None})
    cdp.detach()
    return {"url": url, "stops": stops, "controls": controls}


def probe(base: str, chromium: str, screenshot: str) -> dict:
    from playwright.sync_api import sync_playwright

    report: dict = {}

    def step(name, fn, *args):
        try:
            report[name] = fn(*args)
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            report[name] = {"error": traceback.format_exc(limit=4)}

    results_url = f"{base}/?{urlencode({'q': QUERY, 'unit': ''})}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="bg-BG")
            page.set_default_timeout(15_000)
            step("skip_link", _skip_link, page, base)
            step("search", _search, page, base)
            if "q=" not in page.url:  # the keyboard search failed: the later steps still get their page
                page.goto(results_url)
            step("screenshot", _screenshot, page, screenshot)
            step("axe", _axe, page)
            step("tab_order", _tab_order, page, page.url)
        finally:
            browser.close()
    return report


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="Drive the catalogue page in headless Chromium; write a JSON report.")
    cli.add_argument("--url", required=True)
    cli.add_argument("--chromium", required=True)
    cli.add_argument("--screenshot", default=SCREENSHOT)
    cli.add_argument("--out", required=True)
    opts = cli.parse_args()
    result = probe(opts.url.rstrip("/"), opts.chromium, opts.screenshot)
    with open(opts.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)
