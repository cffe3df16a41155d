"""Operators change the catalogue in the desk, in a real headless Chromium (Debian's): the admin
signs in, follows the nav link to the catalogue, finds a service and opens it; a change dated
yesterday is refused by the catalogue, with its Bulgarian message next to the date and the
typed reason kept; the same change from today makes a new version, listed with the admin's name
and reason, and the citizens' catalogue page shows it at once; a change from tomorrow is listed
too, but the citizens' page keeps today's version until then (the catalogue's API shows it for
tomorrow). axe-core (WCAG 2.0/2.1 A+AA) finds no serious or critical violation on the list, the
service's page and its error. A clerk gets 403 with a Bulgarian page."""
from __future__ import annotations

import datetime as dt
import os
import random
import sys
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
PROBE_TIMEOUT_S = 180
CODE = "PLV-TRA-preregistracia-kuche"  # a change of its validity text moves no case's term or fee
PAGES = ["catalogue", "service", "refused"]


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Sofia")).date()  # the administration's day, as the services count it


@pytest.fixture(scope="module")
def token() -> str:
    return f"{random.randint(0, 16 ** 6):06x}"


@pytest.fixture(scope="module")
def report(chromium, catalogue_url, token, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe

    work = tmp_path_factory.mktemp("desk-catalogue-browser")
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return run_probe(os.path.abspath(__file__), ["--url", DESK, "--chromium", chromium, "--source", source,
                                                 "--catalogue", catalogue_url, "--token", token],
                     work / "report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    from tests.browser.test_desk_pages import _step as step

    return step(report, name)


def test_the_admin_finds_the_service_through_the_nav_link(report):
    found = _step(report, "catalogue")
    assert f"/catalogue/services/{CODE}" in found["links"], found
    opened = _step(report, "service")
    assert opened["heading"] == "Пререгистрация на куче" and opened["valid_from"] == today().isoformat(), opened


def test_a_change_dated_yesterday_is_refused_next_to_the_date_with_the_reason_kept(report, token):
    refused = _step(report, "refused")
    assert refused["status"] == 422, refused
    assert "Промяна не може да важи от минала дата" in refused["date_error"], refused
    assert refused["reason"] == f"Проверка от браузъра {token}", refused


def test_a_change_from_today_is_a_version_by_the_admin_and_the_citizens_page_shows_it(report, token):
    saved = _step(report, "saved")
    assert saved["banner"] == f"Записана е версия {saved['version']}, валидна от {today():%d.%m.%Y}.", saved
    assert saved["top_row"][1:] == [f"{today():%d.%m.%Y}", "Пререгистрация на куче",
                                    saved["top_row"][3], f"Проверка от браузъра {token}"], saved
    assert saved["top_row"][3].startswith("Мария"), saved  # the person, never "desk"
    citizens = _step(report, "citizens_today")
    assert f"Безсрочно ({token})" in citizens["article"], citizens
    assert f"Версия {saved['version']}, в сила от {today():%d.%m.%Y}." in citizens["article"], citizens


def test_a_change_from_tomorrow_waits_for_its_day(report, token):
    later = _step(report, "saved_tomorrow")
    tomorrow = today() + dt.timedelta(days=1)
    assert later["banner"].endswith(f"валидна от {tomorrow:%d.%m.%Y}."), later
    citizens = _step(report, "citizens_before_tomorrow")
    assert f"Безсрочно ({token})" in citizens["article"] and f"Утре ({token})" not in citizens["article"], citizens
    assert citizens["tomorrow_api"]["validity"] == f"Утре ({token})", citizens
    assert citizens["tomorrow_api"]["changed_by"].startswith("Мария"), citizens


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    from tests.browser.test_desk_pages import _blocking

    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the desk's catalogue ({state}):\n" + _blocking(axe)


def test_a_clerk_may_not_open_the_catalogue():
    from tests.e2e.test_desk import browser, sign_in

    clerk = browser()
    assert sign_in(clerk, "ivana", "ivana-demo-2026").status_code == 200
    for path in ("/catalogue", f"/catalogue/services/{CODE}"):
        answer = clerk.get(f"{DESK}{path}", timeout=15)
        assert answer.status_code == 403 and "Ролята ви няма право на това действие." in answer.text, path
    assert 'href="/catalogue"' not in clerk.get(f"{DESK}/", timeout=15).text


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------


def probe(url: str, chromium: str, source: str, catalogue: str, token: str) -> dict:
    import time

    import requests

    from tests.browser.probing import browser_context, run_steps
    from tests.browser.test_desk_pages import _axe, _sign_in, _submit

    reason, day = f"Проверка от браузъра {token}", today()
    catalogue = catalogue.rstrip("/")
    with browser_context(url.rstrip("/"), chromium, source) as (context, base):
        page, cpage = context.new_page(), context.new_page()
        page.set_default_timeout(20_000)
        cpage.set_default_timeout(20_000)

        def citizens_article(text: str, timeout_s: float = 45) -> str:
            """The service's card on the citizens' page, once it shows ``text`` (the catalogue
            rebuilds its index of today's versions within its TTL), or as it is at the deadline."""
            deadline = time.monotonic() + timeout_s
            while True:
                cpage.goto(f"{catalogue}/?q={CODE}")
                article = cpage.locator("article", has=cpage.locator(f'[id="s-{CODE}"]')).inner_text()
                if text in article or time.monotonic() > deadline:
                    return article
                time.sleep(1)

        def catalogue_list():
            _sign_in(page, base, "maria", "maria-demo-2026")
            page.get_by_role("link", name="Каталог", exact=True).click()
            page.wait_for_url("**/catalogue")
            page.get_by_label("Търсене по име или код").fill(CODE)
            _submit(page, "Търси")
            links = page.locator("#services tbody a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
            return {"links": links, "axe": _axe(page)}

        def service():
            page.locator(f'#services tbody a[href="/catalogue/services/{CODE}"]').click()
            page.wait_for_url(f"**/catalogue/services/{CODE}")
            return {"heading": page.locator("h1").inner_text().strip(),
                    "valid_from": page.get_by_label("Валидна от").input_value(), "axe": _axe(page)}

        def edit(validity: str, valid_from: dt.date):
            page.get_by_label("Срок на валидност на резултата").fill(validity)
            page.get_by_label("Валидна от").fill(valid_from.isoformat())
            page.get_by_label("Причина за промяната").fill(reason)
            return _submit(page, "Запиши нова версия")

        def refused():
            answer = edit(f"Вчера ({token})", day - dt.timedelta(days=1))
            return {"status": answer.status, "date_error": page.locator("#valid_from-error").inner_text(),
                    "reason": page.get_by_label("Причина за промяната").input_value(), "axe": _axe(page)}

        def saved(validity: str, valid_from: dt.date):
            answer = edit(validity, valid_from)
            rows = page.locator("#versions tbody tr")
            return {"status": answer.status, "banner": page.locator("#edited-result").inner_text().strip(),
                    "version": int(rows.first.locator("td").first.inner_text().split()[0]),
                    "top_row": [c.strip() for c in rows.first.locator("td").all_inner_texts()]}

        def citizens_before_tomorrow():
            tomorrow = (day + dt.timedelta(days=1)).isoformat()
            api = requests.get(f"{catalogue}/api/v1/services/{CODE}", params={"at": tomorrow}, timeout=10)
            return {"article": citizens_article(f"Утре ({token})", timeout_s=5), "tomorrow_api": api.json()}

        return run_steps((("catalogue", catalogue_list), ("service", service), ("refused", refused),
                          ("saved", lambda: saved(f"Безсрочно ({token})", day)),
                          ("citizens_today", lambda: {"article": citizens_article(f"Безсрочно ({token})")}),
                          ("saved_tomorrow", lambda: saved(f"Утре ({token})", day + dt.timedelta(days=1))),
                          ("citizens_before_tomorrow", citizens_before_tomorrow)))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests.browser.probing import main

    main(probe, "Drive the desk's catalogue pages in headless Chromium; write a JSON report.",
         ("--url", "--chromium", "--source", "--catalogue", "--token"))
