"""The desk (127.0.0.1:8005) over HTTP as a browser without JavaScript uses it, against the
running stack and the real slapd (127.0.0.1:3890): sign-in, registering a letter with two
scans (the registry records the clerk, not "desk"), its receipt, a stage change by an
official, the overdue list, CSRF, roles, the idle-session cookie's attributes, throttling.

Wrong passwords are sent from a loopback address of their own (127.x.y.z, new each run): the
desk throttles per client, and the other tiers and the next run use 127.0.0.1."""
import random
import re
import secrets

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.e2e.conftest import REGISTRY, token
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e
DESK = "http://127.0.0.1:8005"
REFUSED = "Грешно потребителско име или парола, или профилът е заключен."


class SourceAddress(HTTPAdapter):
    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(source: str | None = None) -> requests.Session:
    s = requests.Session()
    if source:
        s.mount("http://", SourceAddress(source))
    return s


def random_loopback() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(s: requests.Session, username: str, password: str) -> requests.Response:
    try:
        form = s.get(f"{DESK}/signin", timeout=10)
    except requests.ConnectionError as exc:
        pytest.fail(f"the desk does not answer at {DESK} ({exc}); start it with the stack", pytrace=False)
    return s.post(f"{DESK}/signin", data={"csrf": csrf(form.text), "username": username, "password": password},
                  timeout=15)


@pytest.fixture
def clerk_desk() -> requests.Session:
    s = browser()
    assert sign_in(s, "ivana", "ivana-demo-2026").status_code == 200
    return s


@pytest.fixture
def official_desk() -> requests.Session:
    s = browser()
    assert sign_in(s, "stoyan", "stoyan-demo-2026").status_code == 200
    return s


def letter(**over) -> dict:
    data = {"kind": "complaint", "channel": "counter", "subject": "Нощен шум от строителство на ул. Тестова",
            "sender_type": "person", "sender_name": "Гражданин Деловодов", "personal_number_kind": "egn",
            "personal_number": "7501020018", "preferred_channel": "email",
            "email": f"desk.{secrets.token_hex(3)}@example.bg", "pages": "2", "idempotency_key": secrets.token_hex(8)}
    data.update(over)
    return data


def two_scans():
    return [("scan", ("page-1.pdf", pdf_bytes(secrets.token_hex(8)), "application/pdf")),
            ("scan", ("page-2.pdf", pdf_bytes(secrets.token_hex(8)), "application/pdf"))]


def register(s: requests.Session, data: dict, files=None):
    form = s.get(f"{DESK}/documents/new", timeout=15)
    assert form.status_code == 200, form.text
    return s.post(f"{DESK}/documents", data={"csrf": csrf(form.text), **data},
                  files=two_scans() if files is None else files, timeout=60)


def test_sign_in_sets_a_strict_httponly_session_cookie_and_shows_the_person():
    s = browser()
    answer = sign_in(s, "ivana", "ivana-demo-2026")
    assert answer.status_code == 200 and "Ивана Петрова (деловодител)" in answer.text
    cookie = answer.history[0].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie, cookie
    assert "default-src 'none'; style-src 'self'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("username,password", [("ivana", "wrong-password"), ("nobody", "x-demo-2026"),
                                               ("petar", "petar-demo-2026")])
def test_wrong_password_unknown_and_locked_answer_alike(username, password):
    answer = sign_in(browser(random_loopback()), username, password)
    assert answer.status_code == 401 and REFUSED in answer.text and 'name="password"' in answer.text
    assert password not in answer.text  # never written back


def test_repeated_failures_are_throttled_per_username_and_client():
    s, name = browser(random_loopback()), f"ghost{secrets.token_hex(3)}"
    codes = [sign_in(s, name, "wrong").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429], codes


def test_a_form_without_the_sessions_csrf_token_is_refused(clerk_desk):
    answer = clerk_desk.post(f"{DESK}/documents", data={"csrf": "forged", **letter()}, files=two_scans(), timeout=30)
    assert answer.status_code == 403 and "Формата не е приета" in answer.text
    assert "Нощен шум от строителство" in answer.text  # what was typed is kept


def test_pages_need_a_session():
    answer = requests.get(f"{DESK}/documents/new", allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["Location"] == "/signin"


def test_a_letter_with_two_scans_is_registered_by_the_clerk_and_its_receipt_opens(clerk_desk):
    answer = register(clerk_desk, letter())
    assert answer.status_code == 201, answer.text
    index = re.search(r'id="registration-index">([^<]+)<', answer.text).group(1)
    code = re.search(r'id="access-code"[^>]*>(\d{8})<', answer.text).group(1)
    assert 'id="due-date"' in answer.text and "Срок " in answer.text  # the date and its explanation
    registered = requests.get(f"{REGISTRY}/api/v1/documents/by-index", params={"index": index},
                              headers={"Authorization": f"Bearer {token('clerk')}"}, timeout=10).json()
    assert registered["registered_by"] == "ivana" and len(registered["scans"]) == 2  # the person, never "desk"
    receipt = clerk_desk.get(f"{DESK}/documents/receipt.pdf", params={"index": index}, timeout=30)
    assert receipt.status_code == 200 and receipt.headers["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF") and code not in receipt.url
    stamp = clerk_desk.get(f"{DESK}/documents/stamp.pdf", params={"index": index}, timeout=30)
    assert stamp.status_code == 200 and stamp.content.startswith(b"%PDF")


def test_the_same_form_sent_twice_registers_once(clerk_desk):
    data, files = letter(), two_scans()  # as a browser sends the same form again: the same files
    first, again = register(clerk_desk, data, files), register(clerk_desk, data, files)
    assert first.status_code == 201 and again.status_code == 200, again.text
    index = re.search(r'id="registration-index">([^<]+)<', first.text).group(1)
    assert f'id="registration-index">{index}<' in again.text and 'id="access-code"' not in again.text


def test_invalid_fields_get_a_linked_bulgarian_summary_and_the_form_keeps_them(clerk_desk):
    answer = register(clerk_desk, letter(personal_number="7501020019", subject="Ш"))
    assert answer.status_code == 422
    assert 'class="govuk-error-summary"' in answer.text and 'href="#personal_number"' in answer.text
    assert 'href="#subject"' in answer.text and "Контролната цифра на ЕГН" in answer.text
    assert 'value="7501020019"' in answer.text and 'id="personal_number-error"' in answer.text


def test_an_official_moves_the_case_with_a_reason_and_a_clerk_may_not(clerk_desk, official_desk):
    registered = register(clerk_desk, letter())
    index = re.search(r'id="registration-index">([^<]+)<', registered.text).group(1)
    case = official_desk.get(f"{DESK}/cases", params={"index": index}, timeout=15)
    assert case.status_code == 200 and "********18" in case.text and "7501020018" not in case.text
    from tests.conftest import until

    def move(stage, reason=""):
        page = official_desk.get(f"{DESK}/cases", params={"index": index}, timeout=15)
        return official_desk.post(f"{DESK}/cases/stage", data={"csrf": csrf(page.text), "case_index": index,
                                                                "stage": stage, "reason": reason}, timeout=15)
    # status opens the case from the registry's event: until then it answers 404
    started = until(lambda: (lambda r: r if r.status_code == 200 else None)(move("in_progress")),
                    what="status knows the case", timeout_s=60, interval_s=0.5)
    assert "Етапът е „В работа“" in started.text
    refused = move("suspended")
    assert refused.status_code == 422 and "Посочете причината" in refused.text
    suspended = move("suspended", "Изискани са допълнителни документи")
    assert suspended.status_code == 200 and "Етапът е „Спрян“" in suspended.text
    page = clerk_desk.get(f"{DESK}/cases", params={"index": index}, timeout=15)
    clerk_try = clerk_desk.post(f"{DESK}/cases/stage", data={"csrf": csrf(page.text), "case_index": index,
                                                             "stage": "closed"}, timeout=15)
    assert clerk_try.status_code == 403 and "Ролята ви няма право" in clerk_try.text


def test_the_overdue_list_is_for_officials(clerk_desk, official_desk):
    assert official_desk.get(f"{DESK}/overdue", timeout=15).status_code == 200
    assert clerk_desk.get(f"{DESK}/overdue", timeout=15).status_code == 403


def test_sign_out_ends_the_session(clerk_desk):
    home = clerk_desk.get(f"{DESK}/", timeout=10)
    out = clerk_desk.post(f"{DESK}/signout", data={"csrf": csrf(home.text)}, allow_redirects=False, timeout=10)
    assert out.status_code == 303
    assert clerk_desk.get(f"{DESK}/", allow_redirects=False, timeout=10).headers["Location"] == "/signin"


def test_a_scan_of_the_wrong_type_is_refused_on_its_field_and_markup_typed_stays_text(clerk_desk):
    files = [("scan", ("notes.txt", b"just text, not a scan", "text/plain"))]
    answer = register(clerk_desk, letter(subject="<b>Жалба</b> за шума"), files)
    assert answer.status_code == 422, answer.text
    assert 'href="#scan"' in answer.text and 'id="scan-error"' in answer.text
    assert "&lt;b&gt;Жалба&lt;/b&gt; за шума" in answer.text and "<b>Жалба</b>" not in answer.text


def test_a_form_sent_after_the_session_ran_out_is_kept_for_after_signing_in_again(clerk_desk):
    import datetime as dt
    import hashlib

    import pymongo

    form = clerk_desk.get(f"{DESK}/documents/new", timeout=15)
    cookie = clerk_desk.cookies["desk_session"]
    with pymongo.MongoClient("mongodb://127.0.0.1:27017/desk", serverSelectionTimeoutMS=5000) as client:
        client.desk.sessions.update_one({"_id": hashlib.sha256(cookie.encode()).hexdigest()},  # idle for 2 hours
                                        {"$set": {"last_seen": dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)}})
    data = letter(subject="Писмо след изтекла сесия")
    answer = clerk_desk.post(f"{DESK}/documents", data={"csrf": csrf(form.text), **data}, files=two_scans(), timeout=30)
    assert answer.status_code == 401 and "Сесията ви изтече" in answer.text and "запазени" in answer.text
    again = clerk_desk.post(f"{DESK}/signin", data={"csrf": csrf(answer.text), "username": "ivana",
                                                     "password": "ivana-demo-2026"}, timeout=15)
    assert again.url.endswith("/documents/new") and 'id="notice"' in again.text
    assert "Писмо след изтекла сесия" in again.text and f'value="{data["email"]}"' in again.text


def test_a_new_access_code_needs_a_reason_is_shown_once_and_the_scans_open(clerk_desk):
    files = two_scans()
    registered = register(clerk_desk, letter(), files)
    index = re.search(r'id="registration-index">([^<]+)<', registered.text).group(1)
    old_code = re.search(r'id="access-code"[^>]*>(\d{8})<', registered.text).group(1)
    case = clerk_desk.get(f"{DESK}/cases", params={"index": index}, timeout=15)
    scan = clerk_desk.get(f"{DESK}/documents/scan", params={"index": index, "n": 2}, timeout=30)
    assert scan.status_code == 200 and scan.content == files[1][1][1]  # the second file, byte for byte
    assert scan.headers["Content-Type"] == "application/pdf" and "8333" not in case.text
    refused = clerk_desk.post(f"{DESK}/cases/access-code", data={"csrf": csrf(case.text), "case_index": index,
                                                                  "code_reason": ""}, timeout=15)
    assert refused.status_code == 422 and 'href="#code_reason"' in refused.text
    reissued = clerk_desk.post(f"{DESK}/cases/access-code", data={"csrf": csrf(case.text), "case_index": index,
                                                                   "code_reason": "Гражданинът загуби разписката"},
                               timeout=15)
    assert reissued.status_code == 200, reissued.text
    new_code = re.search(r'id="new-access-code"[^>]*>(\d{8})<', reissued.text).group(1)
    assert new_code != old_code
    again = clerk_desk.get(f"{DESK}/cases", params={"index": index}, timeout=15)
    assert new_code not in again.text  # shown once
