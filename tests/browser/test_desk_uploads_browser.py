"""Scans dropped on the register form upload straight to the object store, in a real headless
Chromium (Debian's) with the desk's script on: the clerk drops two files on GOV.UK's drop zone
(one of 11 MB, sent in three parts of 5 MB; one small, in one presigned PUT); each gets a
progress bar that reaches 100 %, announced in the live region; the connection drops under the
second part of the large file (page.route aborts it) and the upload resumes from the parts the
store already has (ListParts; the first part is never sent again); the form is then sent with
the two uploads' ids; refused for a wrong ЕГН, the form comes back with both uploads kept, and
once corrected the registry registers the document with both scans, nothing uploaded again. axe-core (WCAG
2.0/2.1 A+AA) finds no serious or critical violation on the enhanced form, during and after the
uploads, and the browser reports no CSP violation (the page allows the desk's scripts only).

The form without JavaScript: tests/browser/test_desk_pages.py (its context runs no script)."""
from __future__ import annotations

import base64
import os
import random
import sys

import pytest

pytestmark = pytest.mark.browser

DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
PROBE_TIMEOUT_S = 240
MB = 1024 * 1024
LARGE = 11 * MB  # above the desk's 8 MB: three parts of 5, 5 and 1 MB
PAGES = ["form", "uploaded", "refused", "registered"]
DROPPED_TRIES = 4  # Uppy's XHR fetcher tries a request that failed on the network four times


@pytest.fixture(scope="module")
def report(chromium, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe
    from tests.helpers import pdf_bytes

    work, address = tmp_path_factory.mktemp("desk-uploads-browser"), [random.randint(1, 254) for _ in range(3)]
    pdfs = []
    for n in (1, 2):
        path = work / f"scan-{n}.pdf"
        path.write_bytes(pdf_bytes(f"desk upload {n} {random.random()}"))
        pdfs.append(str(path))
    return run_probe(os.path.abspath(__file__), ["--url", DESK, "--chromium", chromium,
                                                 "--source", "127.{}.{}.{}".format(*address),
                                                 "--small", pdfs[0], "--large", pdfs[1]],
                     work / "report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    from tests.browser.test_desk_pages import _step as step

    return step(report, name)


def test_the_form_gets_a_drop_zone_with_a_labelled_button(report):
    form = _step(report, "form")
    assert form["button"].startswith("Сканирани файлове"), form
    assert form["input_hidden"] and form["live"] == "polite", form


def test_both_files_reach_100_percent_and_it_is_announced(report):
    uploaded = _step(report, "uploaded")
    assert uploaded["bars"] == [100, 100] and uploaded["states"] == ["Качен, 100 %"] * 2, uploaded
    assert any(a.endswith("качен, 100 %.") for a in uploaded["announced"]), uploaded["announced"]


def test_the_large_file_goes_in_parts_and_resumes_after_a_dropped_connection(report):
    s3 = _step(report, "uploaded")["s3"]
    assert s3["aborted"] == ["PUT part 2"] * DROPPED_TRIES, s3
    parts = [r for r in s3["sent"] if r.startswith("PUT part")]
    assert parts.count("PUT part 1") == 1 and parts.count("PUT part 3") == 1, s3  # part 1 never sent again
    assert parts.count("PUT part 2") == DROPPED_TRIES + 1, s3
    second = [i for i, r in enumerate(s3["sent"]) if r == "PUT part 2"]
    assert "GET list" in s3["sent"][second[-2] + 1:second[-1]], s3  # resumed from ListParts
    assert s3["sent"].count("POST complete") == 1 and s3["sent"].count("PUT single") == 1, s3
    assert any("продължи от прекъснатото място" in a for a in _step(report, "uploaded")["announced"])


def test_a_refused_form_keeps_the_uploaded_scans(report):
    refused = _step(report, "refused")
    assert refused["status"] == 422 and "ЕГН" in refused["summary"], refused
    assert refused["kept"] == ["pismo.pdf", "golyam-skan.pdf"] and refused["s3_after"] == [], refused


def test_the_document_is_registered_with_both_scans(report):
    registered = _step(report, "registered")
    assert registered["status"] == 201 and registered["index"] and registered["scans"] == "2", registered
    assert registered["posted_files"] == 0 and registered["posted_uploads"] == 2, registered
    assert registered["s3_after"] == [], registered  # the kept uploads were not sent again


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    from tests.browser.test_desk_pages import _blocking

    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the register form ({state}):\n" + _blocking(axe)


def test_the_browser_reports_no_content_security_policy_violation(report):
    console = _step(report, "registered")["console"]
    assert not [m for m in console if "Content Security Policy" in m], console


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------

DROP = """async ([small, large, pad]) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const big = bytes(large);
  const filler = new Uint8Array(pad - big.length).fill(32);
  const dt = new DataTransfer();
  dt.items.add(new File([bytes(small)], 'pismo.pdf', {type: 'application/pdf'}));
  dt.items.add(new File([big, filler], 'golyam-skan.pdf', {type: 'application/pdf'}));
  const zone = document.querySelector('.govuk-file-upload-button');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
  }
}"""

LISTEN = """() => {
  window.__announced = [];
  const live = document.getElementById('scan-progress');
  new MutationObserver(() => { if (live.textContent) window.__announced.push(live.textContent) })
    .observe(live, {childList: true, characterData: true, subtree: true});
}"""


def _s3_request(request) -> str:
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(request.url).query)
    if "partNumber" in query:
        return f"PUT part {query['partNumber'][0]}"
    if "uploadId" in query:
        return {"GET": "GET list", "POST": "POST complete", "DELETE": "DELETE abort"}[request.method]
    return "PUT single" if request.method == "PUT" else f"{request.method} other"


def probe(url: str, chromium: str, source: str, small: str, large: str) -> dict:
    from tests.browser.probing import browser_context, run_steps
    from tests.browser.test_desk_pages import _axe, _sign_in, _submit

    s3 = {"sent": [], "aborted": []}
    console: list[str] = []
    with browser_context(url.rstrip("/"), chromium, source) as (context, base):
        # The test's network namespace has loopback only, so Chromium says navigator.onLine is
        # false, and Uppy's S3 client would wait for an 'online' event before every request.
        context.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', {get: () => true})")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))

        def to_s3(route):
            what = _s3_request(route.request)
            s3["sent"].append(what)
            # The connection drops under the second part and stays down for Uppy's own retries of
            # that request (four tries): the file's upload fails, and the script resumes it.
            if what == "PUT part 2" and len(s3["aborted"]) < DROPPED_TRIES:
                s3["aborted"].append(what)
                return route.abort("connectionreset")
            return route.continue_()

        page.route(lambda u: ":8333/" in u, to_s3)

        def form():
            _sign_in(page, base, "ivana", "ivana-demo-2026")
            page.goto(f"{base}/documents/new")
            page.wait_for_selector(".govuk-file-upload-button")
            page.evaluate(LISTEN)
            button = page.locator("#scan")
            return {"button": button.evaluate("b => b.tagName") == "BUTTON" and page.evaluate(
                        "() => { const b = document.getElementById('scan'); return b.getAttribute('aria-labelledby')"
                        ".split(' ').map(id => document.getElementById(id).textContent.trim()).join(' ') }"),
                    "input_hidden": page.locator("#scan-input").is_hidden(),
                    "live": page.locator("#scan-progress").get_attribute("aria-live"), "axe": _axe(page)}

        def uploaded():
            page.get_by_label("Вид на документа").select_option("complaint")
            page.get_by_label("Как е получен").select_option("counter")
            page.get_by_label("Относно").fill("Сканове, качени направо в хранилището (проба в браузър)")
            page.get_by_label("Име на подателя").fill("Гражданин Качващ")
            page.get_by_label("Електронна поща").fill(f"upload.{random.randint(1, 10**6)}@example.bg")
            page.get_by_label("Брой страници").fill("12")
            with open(small, "rb") as a, open(large, "rb") as b:
                page.evaluate(DROP, [base64.b64encode(a.read()).decode(), base64.b64encode(b.read()).decode(), LARGE])
            page.wait_for_function("() => [...document.querySelectorAll('.desk-upload__state')]"
                                   ".filter(s => s.textContent === 'Качен, 100 %').length === 2", timeout=120_000)
            return {"bars": [int(v) for v in page.eval_on_selector_all(".desk-upload__bar", "bs => bs.map(b => b.value)")],
                    "states": page.locator(".desk-upload__state").all_inner_texts(),
                    "announced": page.evaluate("() => window.__announced"), "s3": s3, "axe": _axe(page)}

        def refused():
            page.get_by_label("Вид на личния номер").select_option("egn")
            page.get_by_label("Личен номер").fill("7501020019")  # a wrong check digit
            sent = len(s3["sent"])
            answer = _submit(page, "Регистрирай")
            return {"status": answer.status, "summary": page.locator(".govuk-error-summary").inner_text(),
                    "kept": page.locator("#scan-kept .desk-upload__name").all_inner_texts(),
                    "s3_after": s3["sent"][sent:], "axe": _axe(page)}

        def registered():
            page.get_by_label("Личен номер").fill("7501020018")
            sent = len(s3["sent"])
            posted = {}

            def seen(request):
                if request.method == "POST" and request.url.endswith("/documents"):
                    body = request.post_data_buffer or b""
                    posted["files"] = body.count(b'name="scan"; filename=') if b"filename=" in body else 0
                    posted["uploads"] = body.count(b"name=upload") + body.count(b'name="upload"')
            page.on("request", seen)
            answer = _submit(page, "Регистрирай")
            if not page.locator("#registration-index").count():
                return {"status": answer.status, "page": page.locator("main").inner_text()[:1500]}
            scans_row = page.locator(".govuk-summary-list__row", has_text="Сканирани файлове")
            return {"status": answer.status, "index": page.locator("#registration-index").inner_text().strip(),
                    "s3_after": s3["sent"][sent:],
                    "scans": scans_row.locator("dd").inner_text().strip(), "posted_files": posted.get("files"),
                    "posted_uploads": posted.get("uploads"), "console": console, "axe": _axe(page)}

        return run_steps((("form", form), ("uploaded", uploaded), ("refused", refused), ("registered", registered)))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests.browser.probing import main

    main(probe, "Drop scans on the desk's register form in headless Chromium; write a JSON report.",
         ("--url", "--chromium", "--source", "--small", "--large"))
