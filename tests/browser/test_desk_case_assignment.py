"""The case page's history and assignment in a real headless Chromium (Debian's): a clerk opens
a case a moment after registering it and sees its stage history as a timeline; sending the
assignment without an official gets an error summary whose link moves focus to the select; she
assigns it to an official picked from the directory (slapd) and the timeline shows the step
with her name; the official then finds it under "Моите преписки", sorts the list and switches
to the week's list; the admin opens the operators' page of dead letters from the menu. axe-core
(WCAG 2.0/2.1 A+AA) finds no serious or critical violation on any of these pages."""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import traceback

import pytest

pytestmark = pytest.mark.browser

DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
PROBE_TIMEOUT_S = 180
PAGES = ["case_history", "assign_error", "assigned", "my_cases", "sorted", "week", "operators"]
SCREENSHOT = os.environ.get("DELOVOD_DESK_CASE_SCREENSHOT", "")


@pytest.fixture(scope="module")
def case_index() -> str:
    """A letter a clerk registered through the desk, once status has opened its case."""
    from tests.e2e.test_desk import browser, letter, register, sign_in
    from tests.e2e.test_desk_assignment import case_page_with_history

    clerk = browser()
    assert sign_in(clerk, "ivana", "ivana-demo-2026").status_code == 200
    answer = register(clerk, letter(subject="Паднало дърво в парк „Браузър“"))
    assert answer.status_code == 201, answer.text
    index = re.search(r'id="registration-index">([^<]+)<', answer.text).group(1)
    case_page_with_history(clerk, index)
    return index


@pytest.fixture(scope="module")
def report(chromium, case_index, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe

    work = tmp_path_factory.mktemp("desk-case-browser")
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return run_probe(os.path.abspath(__file__), ["--url", DESK, "--chromium", chromium, "--source", source,
                                                 "--index", case_index], work / "report.json", work / "probe.log",
                     PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    from tests.browser.test_desk_pages import _step as step

    return step(report, name)


def test_the_case_page_shows_the_history_as_a_timeline(report):
    history = _step(report, "case_history")
    assert history["steps"] == ["Регистриран"] and history["official"] == "Не е разпределена", history


def test_an_assignment_without_an_official_is_summarised_and_the_link_focuses_the_select(report):
    error = _step(report, "assign_error")
    assert error["status"] == 422 and error["summary"] == "Преписката не е разпределена.", error
    assert error["message"] == "Изберете служител от списъка." and error["focused_after_link"] == "official", error


def test_the_clerk_assigns_the_case_to_an_official_from_the_directory(report):
    assigned = _step(report, "assigned")
    assert assigned["result"] == "Преписката е разпределена на Елена Маринова (Дирекция „Строителство и благоустройство“).", assigned
    assert assigned["steps"] == ["Регистриран", "Възложен"], assigned
    assert "Ивана Петрова" in assigned["last_step"] and "Елена Маринова" in assigned["last_step"], assigned
    assert "+359 32 656 702" in assigned["official"], assigned


def test_the_official_finds_it_in_my_cases_and_sorts_the_list(report, case_index):
    assert case_index in _step(report, "my_cases")["rows"]
    assert _step(report, "sorted")["sort"] == "descending"
    assert _step(report, "week")["heading"] == "Срок до края на седмицата"


def test_the_admin_reaches_the_operators_page_from_the_menu(report):
    operators = _step(report, "operators")
    assert operators["heading"] == "Оператори" and not operators["warnings"], operators


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    from tests.browser.test_desk_pages import _blocking

    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the desk's case pages ({state}):\n" + _blocking(axe)


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------


def probe(base: str, chromium: str, source: str, index: str) -> dict:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    from tests.browser.test_desk_pages import _axe, _sign_in, _submit
    from tests.browser.test_status_page import CHROMIUM_ARGS, Relay

    report: dict = {}

    def step(name, fn):
        try:
            report[name] = fn()
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            report[name] = {"error": traceback.format_exc(limit=4)}

    relay = Relay(base, source)
    url = relay.url
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
            try:
                def new_page():
                    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="bg-BG")
                    page = context.new_page()
                    page.set_default_timeout(20_000)
                    return page

                page = new_page()

                def steps() -> list[str]:
                    return [t.strip() for t in page.locator("#history .desk-timeline__title").all_inner_texts()]

                def case_history():
                    _sign_in(page, url, "ivana", "ivana-demo-2026")
                    page.goto(f"{url}/cases?index={quote(index)}")
                    return {"steps": steps(), "official": page.locator("#responsible-official").inner_text().strip(),
                            "axe": _axe(page)}

                def assign_error():
                    response = _submit(page, "Разпредели")
                    page.locator(".govuk-error-summary__list a").first.click()
                    focused = page.evaluate("() => document.activeElement.id")
                    return {"status": response.status, "summary": page.locator(".govuk-error-summary__title")
                            .inner_text().strip(), "message": page.locator("#official-error").inner_text()
                            .replace("Грешка:", "").strip(), "focused_after_link": focused, "axe": _axe(page)}

                def assigned():
                    page.get_by_label("Звено и служител").select_option("elena")
                    page.get_by_label("Бележка (по желание)").fill("По компетентност")
                    _submit(page, "Разпредели")
                    if SCREENSHOT:
                        page.screenshot(path=SCREENSHOT, full_page=True)
                    return {"result": page.locator("#assign-result").inner_text().strip(), "steps": steps(),
                            "last_step": page.locator("#history .desk-timeline__item").last.inner_text(),
                            "official": page.locator("#responsible-official").inner_text(), "axe": _axe(page)}

                official = new_page()

                def my_cases():
                    _sign_in(official, url, "elena", "elena-demo-2026")
                    official.get_by_role("link", name="Моите преписки", exact=True).click()
                    official.wait_for_url("**/my")
                    rows = [r.strip() for r in official.locator("#worklist tbody th").all_inner_texts()]
                    axe = _axe(official)
                    for _ in range(100):  # a stack used for long holds pages of elena's cases: the new one is due last
                        if index in rows or not official.locator("#next-page").count():
                            break
                        official.locator("#next-page").click()
                        official.wait_for_url("**after=*")
                        rows = [r.strip() for r in official.locator("#worklist tbody th").all_inner_texts()]
                    official.goto(f"{url}/my")
                    return {"rows": rows, "axe": axe}

                def sorted_():
                    official.locator("#worklist thead").get_by_role("link", name="Преписка").click()
                    official.wait_for_url("**/my?list=mine&sort=case_index")
                    official.locator("#worklist thead").get_by_role("link", name=re.compile("^Преписка")).click()
                    official.wait_for_url("**desc=1")
                    return {"sort": official.locator("#worklist th[aria-sort]:not([aria-sort=none])")
                            .get_attribute("aria-sort"), "axe": _axe(official)}

                def week():
                    official.get_by_role("link", name="Срок до края на седмицата").click()
                    official.wait_for_url("**/my?list=week")
                    return {"heading": official.locator("h1").inner_text().strip(), "axe": _axe(official)}

                admin = new_page()

                def operators():
                    _sign_in(admin, url, "maria", "maria-demo-2026")
                    admin.get_by_role("link", name="Оператори", exact=True).click()
                    admin.wait_for_url("**/operators", timeout=60_000)
                    return {"heading": admin.locator("h1").inner_text().strip(),
                            "warnings": admin.locator(".govuk-warning-text").all_inner_texts(), "axe": _axe(admin)}

                for name, fn in (("case_history", case_history), ("assign_error", assign_error),
                                 ("assigned", assigned), ("my_cases", my_cases), ("sorted", sorted_),
                                 ("week", week), ("operators", operators)):
                    step(name, fn)
            finally:
                browser.close()
    finally:
        relay.close()
    return report


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="Drive the desk's case page in headless Chromium; write a JSON report.")
    for name in ("--url", "--chromium", "--source", "--out", "--index"):
        cli.add_argument(name, required=True)
    opts = cli.parse_args()
    result = probe(opts.url.rstrip("/"), opts.chromium, opts.source, opts.index)
    with open(opts.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)
