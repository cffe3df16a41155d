"""The desk in a real headless Chromium (Debian's) as it works without JavaScript: no page runs
a script but the register form, whose upload script (progressive enhancement; with it:
test_desk_uploads_browser.py) is not served to this browser, so the form sends the files itself
(the browser's JavaScript stays on for axe-core and Playwright's own probes):
a wrong password gets the one Bulgarian refusal; the clerk signs in, registers a letter with
two scans through the file picker and sees its index, and the receipt opens as a PDF; a form
with an invalid personal number gets an error summary whose link moves focus to the field; the
official signs in, opens the case and suspends it with a reason; the sender's e-mail arrives; axe-core (WCAG 2.0/2.1 A+AA)
finds no serious or critical violation on any page (sign-in, its error, home, the form, its
errors, the registered page, the case, its result, the overdue list), and the browser reports
no CSP violation.

The browser reaches the desk through the byte-for-byte relay of test_status_page.py from a
loopback address of its own, so the wrong password counts against that address only."""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import traceback

import pytest

pytestmark = pytest.mark.browser

DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PROBE_TIMEOUT_S = 240
REFUSED = "Грешно потребителско име или парола, или профилът е заключен."
PAGES = ["signin", "signin_refused", "home", "register_form", "register_errors", "registered", "case",
         "stage_changed", "overdue"]
SCREENSHOTS = "/tmp/desk-{}.png"


@pytest.fixture(scope="module")
def desk_url() -> str:
    import requests

    try:
        answer = requests.get(f"{DESK}/signin", timeout=5)
    except requests.RequestException as exc:
        pytest.fail(f"the desk at {DESK} does not answer ({exc}); start it with the stack", pytrace=False)
    assert answer.status_code == 200 and "text/html" in answer.headers["Content-Type"], answer.status_code
    return DESK


@pytest.fixture(scope="module")
def report(chromium, desk_url, tmp_path_factory) -> dict:
    from tests.browser.conftest import run_probe
    from tests.helpers import pdf_bytes

    work = tmp_path_factory.mktemp("desk-browser")
    scans = []
    for n in (1, 2):
        path = work / f"scan-{n}.pdf"
        path.write_bytes(pdf_bytes(f"desk browser {random.random()}"))
        scans.append(str(path))
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return run_probe(os.path.abspath(__file__), ["--url", desk_url, "--chromium", chromium, "--source", source,
                                                 "--scan", scans[0], "--scan", scans[1]],
                     work / "desk_report.json", work / "probe.log", PROBE_TIMEOUT_S)


def _step(report: dict, name: str) -> dict:
    step = report.get(name)
    assert step is not None, f"the probe did not run step {name!r}: {sorted(report)}"
    assert "error" not in step, f"step {name!r} failed in the browser:\n{step['error']}"
    return step


def _blocking(axe: dict) -> str:
    blocking = [v for v in axe["violations"] if v["impact"] in BLOCKING_IMPACTS]
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}\n" + "\n".join(
        f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"]) for v in blocking)


def test_a_wrong_password_gets_the_one_refusal(report):
    refused = _step(report, "signin_refused")
    assert refused["status"] == 401 and refused["summary"] == REFUSED, refused
    assert refused["password_value"] == "" and refused["username_value"] == "ivana", refused


def test_the_clerk_signs_in_and_registers_a_letter_with_two_scans(report):
    assert _step(report, "home")["heading"] == "Добре дошли, Ивана Петрова"
    registered = _step(report, "registered")
    assert registered["status"] == 201 and registered["index"], registered
    assert registered["scans"] == "2" and len(registered["access_code"]) == 8, registered


def test_the_senders_confirmation_email_arrives(report):
    """The letter registered in the browser reaches its sender: notifications' e-mail about it
    lands in the local mail sink (.local/mail, the stack's SMTP server) with the index."""
    from tests.conftest import until
    from tests.e2e.test_registration_flow import mails_for

    index = _step(report, "registered")["index"]
    mails = until(lambda: mails_for(index) or None, what=f"the e-mail about {index}", timeout_s=90, interval_s=1)
    assert {m["To"].addresses[0].addr_spec for m in mails} == {report["registered"]["email"]}
    assert any(index in m.get_body(("plain", "html")).get_content() for m in mails), [m["Subject"] for m in mails]


def test_the_receipt_opens_as_a_pdf(report):
    receipt = _step(report, "receipt")
    assert receipt["status"] == 200 and receipt["content_type"] == "application/pdf", receipt
    assert receipt["starts"] == "%PDF", receipt


def test_an_invalid_field_is_summarised_and_its_link_focuses_it(report):
    errors = _step(report, "register_errors")
    assert errors["status"] == 422 and "Контролната цифра на ЕГН" in errors["summary"], errors
    assert errors["focused_after_link"] == "personal_number" and errors["kept_subject"], errors


def test_the_official_suspends_the_case_with_a_reason(report):
    case = _step(report, "case")
    assert case["masked"].startswith("********"), case
    changed = _step(report, "stage_changed")
    assert changed["result"].startswith("Етапът е „Спрян“"), changed


@pytest.mark.parametrize("state", PAGES)
def test_axe_finds_no_serious_or_critical_wcag_violation(report, state):
    axe = _step(report, state)["axe"]
    assert not _blocking(axe), f"axe-core {axe['version']} on the desk's {state} page:\n" + _blocking(axe)


def test_the_sign_in_form_is_reached_by_keyboard_with_visible_focus(report):
    stops = _step(report, "keyboard")["stops"]
    assert [s["id"] or s["text"] for s in stops] == ["Към основното съдържание", "Деловодство — Община Пловдив",
                                                     "username", "password", "Вход"], stops
    assert not [s for s in stops if not s["visible"]], stops


def test_the_browser_reports_no_content_security_policy_violation(report):
    console = _step(report, "network")["console"]
    assert not [m for m in console if "Content Security Policy" in m], console


# ----------------------------------------------------------------------------------------------
# The probe (runs only as a script, in an interpreter without eventlet)
# ----------------------------------------------------------------------------------------------


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


FOCUS = """() => {
  const a = document.activeElement, cs = getComputedStyle(a);
  const outlined = cs.outlineStyle !== 'none' && cs.outlineWidth !== '0px' && cs.outlineColor !== 'rgba(0, 0, 0, 0)';
  return {id: a.id || null, text: (a.innerText || '').trim(), visible: outlined || cs.boxShadow !== 'none'};
}"""


def _submit(page, button: str):
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    return navigation.value


def _sign_in(page, base, username, password):
    page.goto(f"{base}/signin")
    page.get_by_label("Потребителско име").fill(username)
    page.get_by_label("Парола").fill(password)
    return _submit(page, "Вход")


def _summary(page) -> str:
    return page.locator(".govuk-error-summary__title").inner_text().strip()


def _fill_letter(page, personal_number: str, scans: list[str]):
    page.get_by_label("Вид на документа").select_option("complaint")
    page.get_by_label("Как е получен").select_option("counter")
    page.get_by_label("Относно").fill("Нощен шум от строителство (проба в браузър)")
    page.get_by_label("Име на подателя").fill("Гражданин Браузъров")
    page.get_by_label("Вид на личния номер").select_option("egn")
    page.get_by_label("Личен номер").fill(personal_number)
    email = f"browser.{random.randint(1, 10**6)}@example.bg"
    page.get_by_label("Електронна поща").fill(email)
    page.get_by_label("Брой страници").fill("2")
    page.get_by_label("Сканирани файлове").set_input_files(scans)
    return email


def probe(base: str, chromium: str, source: str, scans: list[str]) -> dict:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from playwright.sync_api import sync_playwright

    from tests.browser.test_status_page import CHROMIUM_ARGS, Relay

    report: dict = {}
    console: list[str] = []

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
                # the form as without JavaScript: its upload scripts never arrive
                context.route(lambda u: "/static/uppy.min.js" in u or "/static/desk-upload.js" in u,
                              lambda route: route.abort())
                page = context.new_page()
                page.set_default_timeout(20_000)
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                state: dict = {}

                def signin():
                    answer = page.goto(f"{url}/signin")
                    return {"status": answer.status, "axe": _axe(page)}

                def keyboard():
                    page.goto(f"{url}/signin")
                    stops = []
                    for _ in range(5):
                        page.keyboard.press("Tab")
                        stops.append(page.evaluate(FOCUS))
                    return {"stops": stops}

                def signin_refused():
                    answer = _sign_in(page, url, "ivana", "wrong-password")
                    return {"status": answer.status, "summary": _summary(page),
                            "password_value": page.get_by_label("Парола").input_value(),
                            "username_value": page.get_by_label("Потребителско име").input_value(),
                            "axe": _axe(page)}

                def home():
                    _sign_in(page, url, "ivana", "ivana-demo-2026")
                    return {"heading": page.locator("h1").inner_text().strip(), "axe": _axe(page)}

                def register_form():
                    page.goto(f"{url}/documents/new")
                    return {"axe": _axe(page)}

                def register_errors():
                    page.goto(f"{url}/documents/new")
                    _fill_letter(page, "7501020019", scans)
                    answer = _submit(page, "Регистрирай")
                    result = {"status": answer.status, "summary": page.locator(".govuk-error-summary").inner_text(),
                              "kept_subject": "проба в браузър" in page.get_by_label("Относно").input_value(),
                              "axe": _axe(page)}
                    page.locator(".govuk-error-summary__list a[href='#personal_number']").click()
                    result["focused_after_link"] = page.evaluate("() => document.activeElement.id")
                    return result

                def registered():
                    page.goto(f"{url}/documents/new")
                    email = _fill_letter(page, "7501020018", scans)
                    answer = _submit(page, "Регистрирай")
                    state["index"] = page.locator("#registration-index").inner_text().strip()
                    page.screenshot(path=SCREENSHOTS.format("registered"), full_page=True)
                    scans_row = page.locator(".govuk-summary-list__row", has_text="Сканирани файлове")
                    return {"status": answer.status, "index": state["index"], "email": email,
                            "access_code": page.locator("#access-code").inner_text().strip(),
                            "scans": scans_row.locator("dd").inner_text().strip(), "axe": _axe(page)}

                def receipt():
                    link = page.get_by_role("link", name="Разписка (PDF)")
                    href = link.get_attribute("href")
                    with page.expect_response(lambda r: "/documents/receipt.pdf" in r.url) as caught:
                        link.click()
                    answer = caught.value
                    # the bytes as the browser's session gets them (the PDF viewer shows its own page)
                    body = context.request.get(f"{url}{href}").body()
                    return {"status": answer.status, "content_type": answer.header_value("content-type"),
                            "starts": body[:4].decode("latin-1")}

                def case():
                    page.goto(f"{url}/")
                    _submit(page, "Изход")
                    _sign_in(page, url, "stoyan", "stoyan-demo-2026")
                    page.goto(f"{url}/cases")
                    page.get_by_label("Регистрационен индекс").fill(state["index"])
                    _submit(page, "Отвори")
                    return {"masked": page.locator("#personal-number").inner_text().strip(), "axe": _axe(page)}

                def stage_changed():
                    import time

                    deadline = time.monotonic() + 60  # status opens the case from the registry's event
                    while True:
                        page.get_by_label("Започни работа").check()
                        answer = _submit(page, "Запиши")
                        if answer.status == 200 or time.monotonic() > deadline:
                            break
                        time.sleep(0.5)
                    page.get_by_label("Спри (с причина)").check()
                    page.get_by_label("Причина", exact=True).fill("Изискани са допълнителни документи")
                    answer = _submit(page, "Запиши")
                    page.screenshot(path=SCREENSHOTS.format("case"), full_page=True)
                    return {"status": answer.status, "result": page.locator("#stage-result").inner_text().strip(),
                            "axe": _axe(page)}

                def overdue():
                    page.goto(f"{url}/overdue")
                    return {"axe": _axe(page)}

                for name, fn in (("signin", signin), ("keyboard", keyboard), ("signin_refused", signin_refused), ("home", home),
                                 ("register_form", register_form), ("register_errors", register_errors),
                                 ("registered", registered), ("receipt", receipt), ("case", case),
                                 ("stage_changed", stage_changed), ("overdue", overdue)):
                    step(name, fn)
                report["network"] = {"console": console}
            finally:
                browser.close()
    finally:
        relay.close()
    return report


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="Drive the desk in headless Chromium; write a JSON report.")
    for name in ("--url", "--chromium", "--source", "--out"):
        cli.add_argument(name, required=True)
    cli.add_argument("--scan", action="append", required=True)
    opts = cli.parse_args()
    result = probe(opts.url.rstrip("/"), opts.chromium, opts.source, opts.scan)
    with open(opts.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)
