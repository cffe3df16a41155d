"""Operators keep the calendar exceptions on the desk's operators' page, in a real headless
Chromium (Debian's): the admin follows the nav link to "Оператори"; a working Saturday without
a reason is refused next to the field with the typed date kept; with a reason it is listed
(dd.mm.yyyy, "Работна събота") and the history "Кой какво е променил" names the admin; the
registry's own table has it; "Премахни" takes it out again, and the history says so. axe-core
(WCAG 2.0/2.1 A+AA) finds no serious or critical violation on the page, its error and after
each change."""
from __future__ import annotations

import datetime as dt
import os
import random
import sys

import pytest

pytestmark = pytest.mark.browser

DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
PROBE_TIMEOUT_S = 180
PAGES = ["operators", "refused", "added", "removed"]


@pytest.fixture(scope="module")
def saturday() -> dt.date:
    """A Saturday of 2031 no other test uses (the stack is shared by the browser tier)."""
    return dt.date(2031, 1, 4) + dt.timedelta(weeks=random.randint(0, 50))


@pytest.fixture(scope="module")
def reason(saturday) -> str:
    return f"РМС № {random.randint(1000, 9999)}/{saturday:%d.%m} (проба)"


@pytest.fixture(scope="module")
def report(chromium, saturday, reason, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe

    work, address = tmp_path_factory.mktemp("desk-calendar-browser"), [random.randint(0, 255) for _ in range(3)]
    return run_probe(os.path.abspath(__file__), ["--url", DESK, "--chromium", chromium,
                                                 "--source", "127.{}.{}.{}".format(address[0] or 1, address[1],
                                                                                   address[2] or 1),
                                                 "--saturday", saturday.isoformat(), "--reason", reason],
                     work / "report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    from tests.browser.test_desk_pages import _step as step

    return step(report, name)


def test_the_admin_opens_the_calendar_exceptions_from_the_menu(report):
    opened = _step(report, "operators")
    assert opened["heading"] == "Оператори" and "Изключения в работния календар" in opened["sections"], opened


def test_a_row_without_a_reason_is_refused_next_to_the_field_with_the_date_kept(report, saturday):
    refused = _step(report, "refused")
    assert refused["status"] == 422 and refused["reason_error"].endswith(
        "Въведете основанието: номер и дата на решението (поне 3 знака)."), refused
    assert refused["summary_link"] == "#exception_reason" and refused["date"] == f"{saturday:%d.%m.%Y}", refused


def test_a_working_saturday_is_listed_with_the_admins_name_in_the_history(report, saturday, reason):
    added = _step(report, "added")
    assert added["status"] == 200 and added["banner"].startswith("Записана е версия"), added
    assert [f"{saturday:%d.%m.%Y}", "Работна събота", reason] in added["rows"], added
    when, who, what = added["history_top"]
    assert who.startswith("Мария") and what == f"Добавено: {saturday:%d.%m.%Y} — Работна събота ({reason})"
    assert {"date": saturday.isoformat(), "kind": "working_day", "reason": reason} in \
        added["registry"]["exceptions"], added
    assert added["registry"]["changes"][0]["by"].startswith("Мария"), added  # the person, never "desk"


def test_premahni_takes_it_out_and_the_history_says_so(report, saturday, reason):
    removed = _step(report, "removed")
    assert removed["status"] == 200 and all(r[0] != f"{saturday:%d.%m.%Y}" for r in removed["rows"]), removed
    assert removed["history_top"][2] == f"Премахнато: {saturday:%d.%m.%Y} — Работна събота ({reason})"


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    from tests.browser.test_desk_pages import _blocking

    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the operators' page ({state}):\n" + _blocking(axe)


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------


def probe(url: str, chromium: str, source: str, saturday: str, reason: str) -> dict:
    import requests

    from tests.browser.probing import browser_context, run_steps
    from tests.browser.test_desk_pages import _axe, _sign_in, _submit
    from tests.e2e.conftest import REGISTRY, token as staff_token

    day = dt.date.fromisoformat(saturday)
    with browser_context(url.rstrip("/"), chromium, source) as (context, base):
        page = context.new_page()
        page.set_default_timeout(20_000)

        def table() -> dict:
            rows = page.locator("#calendar-exceptions tbody tr")
            history = page.locator("#calendar-history tbody tr")
            return {"rows": [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()[:3]]
                             for i in range(rows.count())],
                    "history_top": [c.strip() for c in history.first.locator("td").all_inner_texts()]
                    if history.count() else []}

        def operators():
            _sign_in(page, base, "maria", "maria-demo-2026")
            page.get_by_role("link", name="Оператори", exact=True).click()
            page.wait_for_url("**/operators")
            return {"heading": page.locator("h1").inner_text().strip(),
                    "sections": page.locator("h2").all_inner_texts(), "axe": _axe(page)}

        def fill(why: str):
            page.get_by_label("Дата", exact=True).fill(f"{day:%d.%m.%Y}")
            page.get_by_label("Вид", exact=True).select_option("working_day")
            page.get_by_label("Основание", exact=True).fill(why)
            return _submit(page, "Добави")

        def refused():
            answer = fill("")
            return {"status": answer.status, "reason_error": page.locator("#exception_reason-error").inner_text(),
                    "summary_link": page.locator(".govuk-error-summary__list a").first.get_attribute("href"),
                    "date": page.get_by_label("Дата", exact=True).input_value(), "axe": _axe(page)}

        def added():
            answer = fill(reason)
            registry = requests.get(f"{REGISTRY}/api/v1/calendar/exceptions", timeout=10,
                                    headers={"Authorization": f"Bearer {staff_token('admin')}"}).json()
            return {"status": answer.status, "banner": page.locator("#calendar-result").inner_text().strip(),
                    **table(), "registry": registry, "axe": _axe(page)}

        def removed():
            answer = _submit(page, f"Премахни {day:%d.%m.%Y}")
            return {"status": answer.status, **table(), "axe": _axe(page)}

        return run_steps((("operators", operators), ("refused", refused), ("added", added), ("removed", removed)))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests.browser.probing import main

    main(probe, "Drive the desk's calendar exceptions in headless Chromium; write a JSON report.",
         ("--url", "--chromium", "--source", "--saturday", "--reason"))
