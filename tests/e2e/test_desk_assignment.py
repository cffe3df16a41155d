"""Assigning a case on the running stack, with the real slapd: a clerk registers a letter
through the desk, assigns it to an official picked from the directory (name, phone, mail and
unit as the directory has them), the case page shows the history with who did what, status
records the clerk (never "desk"), the citizen's status page names the official with their
phone and email, and the official finds the case in "Моите преписки" and its CSV."""
import html
import re

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import STATUS, token
from tests.e2e.test_desk import DESK, browser, csrf, letter, register, sign_in

pytestmark = pytest.mark.e2e


def signed_in(username: str) -> requests.Session:
    s = browser()
    assert sign_in(s, username, f"{username}-demo-2026").status_code == 200
    return s


def registered_case(clerk: requests.Session) -> tuple[str, str]:
    answer = register(clerk, letter(subject="Разкопан тротоар на ул. Разпределена"))
    assert answer.status_code == 201, answer.text
    return (re.search(r'id="registration-index">([^<]+)<', answer.text).group(1),
            re.search(r'id="access-code"[^>]*>(\d{8})<', answer.text).group(1))


def case_page_with_history(s: requests.Session, index: str) -> requests.Response:
    """The case page once status has opened the case (from the registry's event)."""
    def ready():
        page = s.get(f"{DESK}/cases", params={"index": index}, timeout=15)
        return page if 'id="history"' in page.text else None
    return until(ready, what="status knows the case", timeout_s=60, interval_s=0.5)


def test_a_clerk_assigns_a_case_and_everyone_sees_the_official():
    clerk = signed_in("ivana")  # her sign-in also refreshes the officials' roster from the directory
    index, code = registered_case(clerk)
    page = case_page_with_history(clerk, index)
    assert "Регистриран" in page.text and "Не е разпределена" in page.text
    assert 'value="stoyan"' in page.text and 'value="elena"' in page.text  # from slapd, not from code
    assigned = clerk.post(f"{DESK}/cases/assign", data={"csrf": csrf(page.text), "case_index": index,
                                                        "official": "stoyan", "assign_reason": "по компетентност"},
                          timeout=15)
    assert assigned.status_code == 200, assigned.text
    assert "Преписката е разпределена на Стоян Георгиев (Дирекция „Екология“)." in assigned.text
    assert "тел. +359 32 656 701" in assigned.text and "s.georgiev@plovdiv.example.bg" in assigned.text
    assert re.search(r"Възложен</h3>\s*<p[^>]*><time[^>]*>[^<]+</time> · Ивана Петрова", assigned.text)

    view = requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index},
                        headers={"Authorization": f"Bearer {token('official')}"}, timeout=10).json()
    assert view["stage"] == "assigned" and view["official"]["unit"] == "Дирекция „Екология“"
    assert view["history"][-1]["by"] == {"username": "ivana", "name": "Ивана Петрова"}  # the person, never "desk"

    citizen = requests.post(f"{STATUS}/", data={"index": index, "code": code}, timeout=10,
                            headers={"Origin": STATUS})
    assert citizen.status_code == 200
    assert "Стоян Георгиев, Дирекция „Екология“" in citizen.text
    assert "+359 32 656 701" in citizen.text and "s.georgiev@plovdiv.example.bg" in citizen.text

    again = clerk.post(f"{DESK}/cases/assign", data={"csrf": csrf(page.text), "case_index": index,
                                                     "official": "stoyan"}, timeout=15)
    assert again.status_code == 422 and "вече е разпределена на Стоян Георгиев" in again.text

    official = signed_in("stoyan")
    mine = official.get(f"{DESK}/my", timeout=15)
    assert mine.status_code == 200 and index in every_page(official, mine)
    exported = official.get(f"{DESK}/my.csv", timeout=15)
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    assert index in exported.content.decode("utf-8-sig")
    elena = signed_in("elena")
    assert index not in every_page(elena, elena.get(f"{DESK}/my", timeout=15))


def every_page(session, first) -> str:
    """The text of a list's pages, following "Следваща страница" (status's cursor) to the end."""
    texts, page = [first.text], first
    while (found := re.search(r'id="next-page" href="([^"]+)"', page.text)) and len(texts) < 200:
        page = session.get(f"{DESK}{html.unescape(found.group(1))}", timeout=15)
        assert page.status_code == 200
        texts.append(page.text)
    return "".join(texts)


def test_the_staff_case_api_wants_a_token_and_names_a_missing_case():
    assert requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": "ЖЛБ-1/2026"}, timeout=10).status_code == 401
    missing = requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": "НЯМА-999/2026"}, timeout=10,
                           headers={"Authorization": f"Bearer {token('clerk')}"})
    assert missing.status_code == 404 and missing.json()["detail"] == "Няма преписка с индекс НЯМА-999/2026."


def test_the_overdue_list_downloads_as_csv_for_officials_only():
    export = signed_in("stoyan").get(f"{DESK}/overdue.csv", timeout=30)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert export.content.decode("utf-8-sig").splitlines()[0].endswith("Дни след срока")
    assert signed_in("ivana").get(f"{DESK}/overdue.csv", timeout=15).status_code == 403


def test_an_official_previews_the_letter_in_the_desk_and_the_citizen_gets_exactly_it():
    """The Charter's letter, seen by the official before the change: the desk shows what
    notifications would send, nothing changes until "Запиши", and the mail then sent is it."""
    import html as html_lib

    from tests.e2e.test_registration_flow import mails_for

    clerk = signed_in("ivana")
    index, _ = registered_case(clerk)
    page = case_page_with_history(clerk, index)
    assert clerk.post(f"{DESK}/cases/assign", data={"csrf": csrf(page.text), "case_index": index,
                                                    "official": "stoyan"}, timeout=15).status_code == 200
    official = signed_in("stoyan")
    page = official.get(f"{DESK}/cases", params={"index": index}, timeout=15)
    form = {"csrf": csrf(page.text), "case_index": index, "stage": "in_progress", "reason": "", "due_date": ""}

    def previewed():  # notifications learns of the assignment from status's event
        answer = official.post(f"{DESK}/cases/stage", data={**form, "action": "preview"}, timeout=15)
        return answer if answer.status_code == 200 and "Стоян Георгиев" in answer.text else None
    shown = until(previewed, what="the preview names the official", timeout_s=60, interval_s=1)
    assert "Писмото до гражданина при тази промяна (по електронна поща)" in shown.text
    body = html_lib.unescape(re.search(r'<div class="govuk-body desk-letter">(.*?)</div>', shown.text, re.S).group(1))
    subject = html_lib.unescape(re.search(r"<strong>Относно:</strong> ([^<]+)</p>", shown.text).group(1))
    assert requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index}, timeout=10,
                        headers={"Authorization": f"Bearer {token('official')}"}).json()["stage"] == "assigned"

    saved = official.post(f"{DESK}/cases/stage", data={**form, "action": "save"}, timeout=15)
    assert saved.status_code == 200, saved.text
    sent = until(lambda: [m for m in mails_for(index) if m["Subject"] == subject], what="the previewed mail",
                 timeout_s=60)[0]
    assert sent.get_body(("plain",)).get_content().rstrip("\n") == body.rstrip("\n")

    def mails_listed():
        page = official.get(f"{DESK}/cases", params={"index": index}, timeout=15)
        return page if page.text.count("Имейл: изпратено на ") >= 3 else None
    page = until(mails_listed, what="the case page lists the mails sent (registered, assigned, in progress)",
                 timeout_s=60)
    assert 'id="attempts"' in page.text
