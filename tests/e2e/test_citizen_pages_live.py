"""The citizens' pages of the running stack: every page carries the security headers, the access
code travels only in a POST body (never in a URL, so never in the history or a Referer), and
throttling answers 429 with Retry-After on the page and on the JSON API.

Each citizen here is a client address of its own on the loopback (127.x.y.z, bound as the
source address): the failures these tests provoke lock that address out, not 127.0.0.1, which
the other tests and the next run use."""
import random

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import until
from tests.e2e.conftest import CATALOGUE, STATUS
from tests.e2e.test_registration_flow import metadata, register
from tests.unit.test_citizen_pages import Markup, assert_page_security

pytestmark = pytest.mark.e2e

WRONG = "00000000"


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


def citizen() -> requests.Session:
    """A browser-less citizen at a loopback address of its own."""
    session = requests.Session()
    session.mount("http://", _SourceAddress(f"127.{random.randint(1, 254)}.{random.randint(0, 255)}."
                                            f"{random.randint(1, 254)}"))
    return session


def api_lookup(session, index, code):
    return session.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}, timeout=10)


def page_lookup(session, index, code, **kwargs):
    return session.post(f"{STATUS}/", data={"index": index, "code": code}, allow_redirects=False, timeout=10,
                        **kwargs)


@pytest.fixture
def case(clerk):
    """A case the registry registered and status knows: (index, access code)."""
    r = register(clerk, metadata())
    assert r.status_code == 201, r.text
    index, code = r.json()["registration_index"], r.json()["access_code"]
    # a new address for each try: waiting must not use up a client's failures
    until(lambda: api_lookup(citizen(), index, code).ok, what="case open in status", timeout_s=60, interval_s=0.5)
    return index, code


def test_every_page_of_the_running_stack_carries_the_security_headers(case):
    index, code = case
    pages = {
        "status form": citizen().get(f"{STATUS}/", timeout=10),
        "status form from the QR code": citizen().get(f"{STATUS}/", params={"index": index}, timeout=10),
        "status result": page_lookup(citizen(), index, code),
        "status wrong code": page_lookup(citizen(), index, WRONG),
        "catalogue": requests.get(f"{CATALOGUE}/", timeout=10),
        "catalogue search": requests.get(f"{CATALOGUE}/", params={"q": "naslednici"}, timeout=10),
    }
    for name, r in pages.items():
        assert r.status_code == 200, (name, r.status_code)
        try:
            assert_page_security(r.headers, r.text)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_the_code_travels_only_in_a_post_body_and_the_answer_is_the_page(case):
    index, code = case
    form = Markup(citizen().get(f"{STATUS}/", timeout=10).text).forms
    assert form == [{"method": "post", "action": "/"}], form

    r = page_lookup(citizen(), index, code)
    assert r.status_code == 200 and "Location" not in r.headers and not r.history
    assert r.url == f"{STATUS}/" and code not in r.url and code not in r.text
    assert f"Преписка {index}" in r.text and "Текущ етап: <strong>Регистриран</strong>" in r.text

    old_link = citizen().get(f"{STATUS}/", params={"index": index, "code": code}, timeout=10)
    assert old_link.status_code == 200 and "Текущ етап" not in old_link.text, "a GET must look nothing up"
    assert "кодът за достъп не се приема в адреса" in old_link.text


def test_a_form_posted_from_another_site_is_refused(case):
    index, code = case
    r = page_lookup(citizen(), index, code, headers={"Sec-Fetch-Site": "cross-site",
                                                    "Origin": "https://evil.example"})
    assert r.status_code == 403 and "Текущ етап" not in r.text
    assert_page_security(r.headers, r.text)


def test_too_many_wrong_codes_answer_429_with_retry_after_on_the_page(case):
    index, code = case
    guesser = citizen()
    for _ in range(10):  # lookup_failures_per_index_and_client
        r = page_lookup(guesser, index, WRONG)
        assert r.status_code == 200 and "Няма преписка" in r.text, r.status_code
    r = page_lookup(guesser, index, code)
    assert r.status_code == 429 and "Твърде много неуспешни опити" in r.text
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60 + 1, r.headers
    assert_page_security(r.headers, r.text)
    assert api_lookup(citizen(), index, code).ok, "the citizen at another address still gets in"


def test_too_many_wrong_codes_answer_429_with_retry_after_on_the_api(case):
    index, code = case
    guesser = citizen()
    for _ in range(10):
        assert api_lookup(guesser, index, WRONG).status_code == 404
    api = api_lookup(guesser, index, code)
    assert api.status_code == 429 and api.headers["Content-Type"].startswith("application/problem+json")
    assert api.headers.get("Retry-After") == str(api.json()["retry_after_s"]), api.headers
