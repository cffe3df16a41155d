"""Admins keep the stage sets in the desk (issue 14 item 1), in a real headless Chromium
(Debian's): the admin follows the nav link to the sets, opens a catalogue service's own set
(a code of this run only: no real case is bound to it), leaves out a stage every set needs and
clears a label: status refuses, its Bulgarian messages stand next to those fields and what was
typed is kept; then saves: version 1 is listed with the admin's name and reason. axe-core
(WCAG 2.0/2.1 A+AA) finds no serious or critical violation on the list, the form and its
errors. A clerk and an official get 403 with a Bulgarian page."""
from __future__ import annotations

import os
import random
import sys

import pytest

pytestmark = pytest.mark.browser

DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
PROBE_TIMEOUT_S = 180
PAGES = ["sets", "opened", "refused", "saved"]


@pytest.fixture(scope="module")
def token() -> str:
    return f"{random.randint(0, 16 ** 6):06x}"


@pytest.fixture(scope="module")
def report(chromium, token, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe

    work = tmp_path_factory.mktemp("desk-stage-sets-browser")
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return run_probe(os.path.abspath(__file__), ["--url", DESK, "--chromium", chromium, "--source", source,
                                                 "--token", token],
                     work / "report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    from tests.browser.test_desk_pages import _step as step

    return step(report, name)


def test_the_admin_reaches_the_sets_through_the_nav_link(report):
    sets = _step(report, "sets")
    assert "/stage-sets/complaint" in sets["links"] and "/stage-sets/public_information_request" in sets["links"], sets
    opened = _step(report, "opened")
    assert opened["new"] and opened["based_on"] == "0", opened


def test_status_refusals_stand_next_to_the_fields_with_the_typed_values_kept(report, token):
    refused = _step(report, "refused")
    assert refused["status"] == 422, refused
    assert refused["answered_error"].endswith("Етап „Изпратен отговор“ е задължителен във всеки набор."), refused
    assert "Въведете наименование на етап „В процес на разглеждане“" in refused["label_error"], refused
    assert refused["reason"] == f"Проверка от браузъра {token}" and not refused["answered_checked"], refused
    assert refused["internal_closed"] == f"Архив {token}", refused


def test_the_saved_version_is_listed_with_the_admin_and_the_reason(report, token):
    saved = _step(report, "saved")
    assert saved["status"] == 200 and saved["banner"].startswith("Записана е версия 1, валидна от"), saved
    assert saved["top_row"][0] == "1" and saved["top_row"][3].startswith("Мария"), saved
    assert saved["top_row"][4] == f"Проверка от браузъра {token}", saved
    assert f"Работим по заявлението {token}" in saved["top_row"][2], saved


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    from tests.browser.test_desk_pages import _blocking

    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the desk's stage sets ({state}):\n" + _blocking(axe)


@pytest.mark.parametrize("who, password", [("ivana", "ivana-demo-2026"), ("stoyan", "stoyan-demo-2026")])
def test_no_one_but_an_admin_may_open_the_stage_sets(who, password):
    from tests.e2e.test_desk import browser, sign_in

    person = browser()
    assert sign_in(person, who, password).status_code == 200
    for path in ("/stage-sets", "/stage-sets/complaint"):
        answer = person.get(f"{DESK}{path}", timeout=15)
        assert answer.status_code == 403 and "Ролята ви няма право на това действие." in answer.text, path
    assert 'href="/stage-sets"' not in person.get(f"{DESK}/", timeout=15).text


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------


def probe(url: str, chromium: str, source: str, token: str) -> dict:
    from tests.browser.probing import browser_context, run_steps
    from tests.browser.test_desk_pages import _axe, _sign_in, _submit

    reason = f"Проверка от браузъра {token}"
    with browser_context(url.rstrip("/"), chromium, source) as (context, base):
        page = context.new_page()
        page.set_default_timeout(20_000)

        def sets():
            _sign_in(page, base, "maria", "maria-demo-2026")
            page.get_by_role("link", name="Етапи", exact=True).click()
            page.wait_for_url("**/stage-sets")
            links = page.locator("#stage-sets tbody a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
            return {"links": links, "axe": _axe(page)}

        def opened():
            page.get_by_label("Код на услугата от каталога").fill(f"BRW-{token}")
            _submit(page, "Отвори")
            return {"new": page.locator("#new-set").count() == 1,
                    "based_on": page.locator('input[name="based_on"]').input_value(), "axe": _axe(page)}

        def refused():
            page.locator("#use_answered").uncheck()
            page.locator("#public_in_progress").fill("")
            page.locator("#internal_closed").fill(f"Архив {token}")
            page.get_by_label("Причина за промяната").fill(reason)
            answer = _submit(page, "Запиши нова версия")
            return {"status": answer.status, "answered_error": page.locator("#stage_answered-error").inner_text(),
                    "label_error": page.locator("#public_in_progress-error").inner_text(),
                    "reason": page.get_by_label("Причина за промяната").input_value(),
                    "answered_checked": page.locator("#use_answered").is_checked(),
                    "internal_closed": page.locator("#internal_closed").input_value(), "axe": _axe(page)}

        def saved():
            page.locator("#use_answered").check()
            page.locator("#public_in_progress").fill(f"Работим по заявлението {token}")
            answer = _submit(page, "Запиши нова версия")
            rows = page.locator("#versions tbody tr")
            return {"status": answer.status, "banner": page.locator("#created-result").inner_text().strip(),
                    "top_row": [c.strip() for c in rows.first.locator("td").all_inner_texts()], "axe": _axe(page)}

        return run_steps((("sets", sets), ("opened", opened), ("refused", refused), ("saved", saved)))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests.browser.probing import main

    main(probe, "Drive the desk's stage set pages in headless Chromium; write a JSON report.",
         ("--url", "--chromium", "--source", "--token"))
