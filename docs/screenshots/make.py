"""Screenshots of the main pages, taken in Debian's headless Chromium through Playwright (the
browser tier's setup: tests/browser/conftest.py), against a running stack (`make up`):

    make screenshots        (or: .venv/bin/python docs/screenshots/make.py [--out DIR])

It registers a few demo letters through the registry's API (so the journal has rows), then,
as a person would: the clerk ivana signs in, fills the register form with a PDF scan and
registers it; the official stoyan opens that case, assigns it to himself and starts work
on it, filters the journal, opens his cases, the overdue list and the surveys; the admin
maria opens the operators' dead letters; a citizen looks the case up on the status page
with its access code; the catalogue page with a search. Each page is saved at 1280 px
width, the whole page (the catalogue's top 2,500 px), as a PNG reduced to a 256-colour palette (the pages are flat
GOV.UK colours and text: a fraction of the full-colour size, still sharp).

Run in a clean interpreter (no eventlet): Playwright's sync API needs one."""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
DESK = os.environ.get("DELOVOD_TEST_DESK_URL", "http://127.0.0.1:8005")
STATUS = os.environ.get("DELOVOD_TEST_STATUS_URL", "http://127.0.0.1:8002")
CATALOGUE = os.environ.get("DELOVOD_TEST_CATALOGUE_URL", "http://127.0.0.1:8004")
REGISTRY = os.environ.get("DELOVOD_TEST_REGISTRY_URL", "http://127.0.0.1:8001")
CHROMIUM = os.environ.get("DELOVOD_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
WIDTH = 1280
CATALOGUE_TALLEST = 2500  # px: the catalogue's page of up to 100 results is shown from its top
# What a morning's post looks like (the journal's rows): kind, channel, subject, sender.
LETTERS = [("complaint", "counter", "Неработещо улично осветление на ул. „Гладстон“ 12", "Мария Петрова"),
           ("complaint", "email", "Шум от заведение след 23 ч. в кв. Кършияка", "Иван Георгиев"),
           ("signal", "post", "Опасно дърво до детската площадка в парк „Лаута“", "Елена Стоянова"),
           ("proposal", "eportal", "Предложение за велоалея по бул. „Марица“", "Сдружение „Зелен Пловдив“"),
           ("complaint", "post", "Дупки по пътя на ул. „Братя Миладинови“", "Георги Иванов")]


def token(role: str) -> str:
    return (ROOT / ".local" / "tokens" / f"{role}.jwt").read_text().strip()


def pdf(text: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buf.getvalue()


STOYAN = {"username": "stoyan", "name": "Стоян Георгиев", "unit": "Дирекция „Екология“",
          "phone": "+359 32 656 701", "email": "s.georgiev@plovdiv.example.bg"}  # as the directory has him


def register_letters() -> None:
    """The demo letters, through the registry's API as a clerk's scanner station would; the
    first two assigned to stoyan through status, as the case page's form does (his list)."""
    indexes = []
    with requests.Session() as http:
        for kind, channel, subject, name in LETTERS:
            sender = {"type": "organisation" if name.startswith("Сдружение") else "person", "name": name,
                      "preferred_channel": "none"}
            metadata = {"kind": kind, "channel": channel, "subject": subject, "sender": sender, "pages": 1}
            answer = http.post(f"{REGISTRY}/api/v1/documents", headers={"Authorization": f"Bearer {token('clerk')}"},
                               data={"metadata": json.dumps(metadata, ensure_ascii=False)},
                               files=[("scan", ("scan.pdf", pdf(subject), "application/pdf"))], timeout=60)
            if answer.status_code != 201:
                raise SystemExit(f"the registry refused a demo letter: {answer.status_code} {answer.text[:300]}")
            indexes.append(answer.json()["registration_index"])
        official = {"Authorization": f"Bearer {token('official')}"}
        for index in indexes[:2]:
            deadline = time.monotonic() + 60  # status opens the case from the registry's event
            while (answer := http.post(f"{STATUS}/api/v1/cases/assign", headers=official, timeout=30,
                                       json={"case_index": index, "official": STOYAN})).status_code == 404:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            answer.raise_for_status()


def small_png(png: bytes) -> bytes:
    """The screenshot with a 256-colour palette, no dithering (flat colours stay flat)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


class Shots:
    def __init__(self, out: Path):
        self.out, self.saved = out, []

    def take(self, page, name: str, tallest: int = 10_000) -> None:
        size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], tallest)}
        data = small_png(page.screenshot(full_page=True, clip=clip, animations="disabled"))
        (self.out / f"{name}.png").write_bytes(data)
        self.saved.append((name, len(data)))
        print(f"{name}.png  {len(data) // 1024} KB  {page.url}", flush=True)


def submit(page, button: str):
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    return navigation.value


def sign_in(page, username: str) -> None:
    page.goto(f"{DESK}/signin")
    page.get_by_label("Потребителско име").fill(username)
    page.get_by_label("Парола").fill(f"{username}-demo-2026")
    submit(page, "Вход")
    if "/signin" in page.url:
        raise SystemExit(f"{username} could not sign in at {DESK}")


def sign_out(page) -> None:
    page.goto(f"{DESK}/")
    submit(page, "Изход")


def desk_pages(browser, shots: Shots, scan: str) -> tuple[str, str]:
    """The desk's pages; the index and access code of the letter the clerk registered."""
    page = new_page(browser)
    page.goto(f"{DESK}/signin")
    page.get_by_label("Потребителско име").fill("ivana")
    shots.take(page, "01-signin")
    sign_in(page, "ivana")
    page.goto(f"{DESK}/documents/new")
    page.get_by_label("Вид на документа").select_option("complaint")
    page.get_by_label("Как е получен").select_option("counter")
    page.get_by_label("Относно").fill("Нощен шум от строителна площадка на ул. „Капитан Райчо“ 45")
    page.get_by_label("Име на подателя").fill("Петър Димитров")
    page.get_by_label("Вид на личния номер").select_option("egn")
    page.get_by_label("Личен номер").fill("7501020018")
    page.get_by_label("Как желае да бъде уведомяван").select_option("email")
    page.get_by_label("Електронна поща").fill(f"p.dimitrov.{random.randint(1, 10**6)}@example.bg")
    page.get_by_label("Брой страници").fill("2")
    page.get_by_label("Сканирани файлове").set_input_files([scan])
    shots.take(page, "02-register-form")
    submit(page, "Регистрирай")
    index = page.locator("#registration-index").inner_text().strip()
    code = page.locator("#access-code").inner_text().strip()
    shots.take(page, "03-registered")
    sign_out(page)

    sign_in(page, "stoyan")
    page.goto(f"{DESK}/cases?index={index}")
    page.get_by_label("Звено и служител").select_option("stoyan")
    page.get_by_label("Бележка (по желание)").fill("По компетентност: шум и строителство")
    submit(page, "Разпредели")
    deadline = time.monotonic() + 60  # status opens the case from the registry's event
    while True:
        page.get_by_label("Започни работа").check()
        if submit(page, "Запиши").status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    shots.take(page, "04-case")
    page.goto(f"{DESK}/journal?kind=complaint")
    shots.take(page, "05-journal-filtered")
    page.goto(f"{DESK}/my")
    shots.take(page, "06-my-cases")
    page.goto(f"{DESK}/overdue")
    shots.take(page, "07-overdue")
    page.goto(f"{DESK}/surveys")
    shots.take(page, "08-surveys")
    sign_out(page)

    sign_in(page, "maria")
    page.goto(f"{DESK}/operators")
    shots.take(page, "09-operators")
    page.context.close()
    return index, code


def citizen_pages(browser, shots: Shots, index: str, code: str) -> None:
    page = new_page(browser)
    page.goto(f"{STATUS}/")
    page.get_by_label("Регистрационен индекс", exact=True).fill(index)
    page.get_by_label("Код за достъп (8 цифри)", exact=True).fill(code)
    submit(page, "Провери")
    shots.take(page, "10-status-lookup")
    page.goto(f"{CATALOGUE}/?q=удостоверение за наследници")
    shots.take(page, "11-catalogue", tallest=CATALOGUE_TALLEST)
    page.context.close()


def new_page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="bg-BG")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def main() -> int:
    cli = argparse.ArgumentParser(description="Screenshots of the main pages into docs/screenshots/.")
    cli.add_argument("--out", default=str(Path(__file__).resolve().parent))
    out = Path(cli.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} is missing: run deploy/local/test_tools.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    register_letters()
    shots = Shots(out)
    with tempfile.TemporaryDirectory() as work:
        scan = os.path.join(work, "skan-zhalba.pdf")
        Path(scan).write_bytes(pdf("Zhalba: noshten shum ot stroitelna ploshtadka"))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
            try:
                index, code = desk_pages(browser, shots, scan)
                citizen_pages(browser, shots, index, code)
            finally:
                browser.close()
    print(f"{len(shots.saved)} screenshots, {sum(size for _, size in shots.saved) // 1024} KB in all, in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
