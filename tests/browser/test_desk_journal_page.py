"""The journal in a real headless Chromium (Debian's): an official filters today's journal by a
word of the sender's name typed in Latin letters and finds the letter a clerk just registered
(its personal number masked); the CSV link downloads that row in UTF-8 with a BOM, the print
link opens it as a PDF; axe-core
(WCAG 2.0/2.1 A+AA) finds no serious or critical violation on the journal, its filtered page
and its error page."""
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
PAGES = ["journal", "filtered", "date_error"]


@pytest.fixture(scope="module")
def letter_index() -> tuple[str, str]:
    """A letter registered through the desk by the clerk, from a sender named by a fresh word."""
    from tests.e2e.test_desk import browser, letter, register, sign_in
    from tests.e2e.test_desk_journal import word

    cyrillic, latin = word()
    clerk = browser()
    assert sign_in(clerk, "ivana", "ivana-demo-2026").status_code == 200
    answer = register(clerk, letter(sender_name=f"Гражданин {cyrillic.title()}"))
    assert answer.status_code == 201, answer.text
    return re.search(r'id="registration-index">([^<]+)<', answer.text).group(1), latin


@pytest.fixture(scope="module")
def report(chromium, letter_index, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe

    work = tmp_path_factory.mktemp("desk-journal-browser")
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    index, latin = letter_index
    return run_probe(os.path.abspath(__file__), ["--url", DESK, "--chromium", chromium, "--source", source,
                                                 "--word", latin, "--index", index],
                     work / "report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    from tests.browser.test_desk_pages import _step as step

    return step(report, name)


def test_the_filter_finds_the_letter_by_a_latin_word_with_the_number_masked(report, letter_index):
    filtered = _step(report, "filtered")
    assert filtered["rows"] == [letter_index[0]], filtered
    assert "7501020018" not in filtered["table"] and "********18" in filtered["table"]
    assert filtered["caption"].startswith("Регистрирани документи")


def test_the_csv_export_downloads_the_filtered_rows_for_excel(report, letter_index):
    export = _step(report, "export")
    assert export["bom"] and export["name"].endswith(".csv"), export
    assert export["lines"][0].startswith("Индекс;") and export["lines"][1].startswith(letter_index[0] + ";")
    assert len(export["lines"]) == 2 and "********18" in export["lines"][1] and "7501020018" not in export["lines"][1]


def test_the_printable_journal_opens_as_a_pdf_with_the_filtered_row(report, letter_index):
    printed = _step(report, "printed")
    assert printed["type"] == "application/pdf" and printed["pages"] >= 1, printed
    assert letter_index[0] in printed["text"] and "Входящ дневник" in printed["text"]
    assert "от Стоян Георгиев" in printed["text"] and "7501020018" not in printed["text"]


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    from tests.browser.test_desk_pages import _blocking

    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the desk's journal ({state}):\n" + _blocking(axe)


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------


def probe(base: str, chromium: str, source: str, word: str) -> dict:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
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
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="bg-BG",
                                              accept_downloads=True)
                page = context.new_page()
                page.set_default_timeout(20_000)

                def journal():
                    _sign_in(page, url, "stoyan", "stoyan-demo-2026")
                    page.get_by_role("link", name="Дневник", exact=True).click()
                    page.wait_for_url("**/journal")
                    return {"heading": page.locator("h1").inner_text().strip(), "axe": _axe(page)}

                def filtered():
                    page.get_by_label("Подател или думи от „Относно“").fill(word)
                    page.get_by_label("Как е получен").select_option("counter")
                    _submit(page, "Покажи")
                    table = page.locator("#journal")
                    return {"rows": [r.strip() for r in table.locator("tbody th").all_inner_texts()],
                            "table": table.inner_text(), "caption": table.locator("caption").inner_text().strip(),
                            "axe": _axe(page)}

                def export():
                    with page.expect_download() as download:
                        page.get_by_role("link", name="Изтегли всички редове на филтъра (CSV)").click()
                    data = open(download.value.path(), "rb").read()
                    return {"name": download.value.suggested_filename, "bom": data.startswith("\ufeff".encode()),
                            "lines": data.decode("utf-8-sig").splitlines()}

                def printed():
                    import io

                    from pypdf import PdfReader

                    href = page.get_by_role("link", name="Дневник за печат (PDF)").get_attribute("href")
                    answer = context.request.get(url + href)
                    reader = PdfReader(io.BytesIO(answer.body()))
                    return {"type": answer.headers.get("content-type"), "pages": len(reader.pages),
                            "text": "\n".join(p.extract_text() for p in reader.pages)}

                def date_error():
                    page.goto(f"{url}/journal?from=2026-02-30")
                    return {"summary": page.locator(".govuk-error-summary__title").inner_text().strip(),
                            "axe": _axe(page)}

                for name, fn in (("journal", journal), ("filtered", filtered), ("export", export),
                                 ("printed", printed), ("date_error", date_error)):
                    step(name, fn)
            finally:
                browser.close()
    finally:
        relay.close()
    return report


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="Drive the desk's journal in headless Chromium; write a JSON report.")
    for name in ("--url", "--chromium", "--source", "--out", "--word", "--index"):
        cli.add_argument(name, required=True)
    opts = cli.parse_args()
    result = probe(opts.url.rstrip("/"), opts.chromium, opts.source, opts.word)
    with open(opts.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)
