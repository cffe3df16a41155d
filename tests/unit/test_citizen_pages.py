"""The citizens' HTML pages (status lookup, catalogue, the 503 page): every answer carries the
same security headers, its CSP allows exactly the page's own stylesheet and nothing inline
besides, and the access code travels only in a POST body, never in a URL."""
import base64
import hashlib
import json
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.entrypoints.service import CatalogueService
from catalogue.importer import read_rows
from catalogue.service_layer.catalogue import Catalogue
from delovod_proto.rpc import CaseLookupRequest, CaseNotFound
from status.adapters.memory import InMemoryCaseRepository
from status.entrypoints.service import StatusService
from status.service_layer.guard import LookupGuard
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered
from tests.unit.catalogue.test_catalogue import DAY, SEED

CASE, CODE, WRONG = "ЖЛБ-1/25.11.2026", "12345678", "87654321"
CLIENT = "203.0.113.7"


class Markup(HTMLParser):
    """What a CSP has to allow: <style> bodies, scripts, style attributes, handlers, forms."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.styles, self.scripts, self.inline, self.forms, self._in_style = [], [], [], [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_style = tag == "style"
        if self._in_style:
            self.styles.append("")
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "form":
            self.forms.append(attrs)
        self.inline += [f"{tag}[{name}]" for name in attrs if name == "style" or name.startswith("on")]

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles[-1] += data


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in filter(None, (p.strip() for p in csp.split(";"))):
        name, *values = part.split()
        out[name] = values
    return out


def assert_page_security(h, html: str) -> None:
    """The header set every citizen page must carry: ``h`` are a response's headers (werkzeug's
    or requests'), ``html`` its body."""
    assert h.get("Content-Type", "").replace(" ", "").lower() == "text/html;charset=utf-8", dict(h)
    assert h.get("X-Content-Type-Options") == "nosniff", dict(h)
    assert h.get("Referrer-Policy") == "no-referrer", dict(h)
    csp = directives(h.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == ["'none'"], csp
    assert csp.get("frame-ancestors") == ["'none'"], csp
    assert csp.get("base-uri") == ["'none'"] and csp.get("form-action") == ["'self'"], csp
    assert "script-src" not in csp, f"no page runs a script: {csp}"
    everything = " ".join(v for values in csp.values() for v in values)
    assert "unsafe" not in everything and "*" not in everything and "data:" not in everything, csp
    markup = Markup(html)
    assert not markup.scripts and not markup.inline, (markup.scripts, markup.inline)
    hashes = sorted(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                    for s in markup.styles)
    assert sorted(csp.get("style-src", [])) == hashes, (csp.get("style-src"), hashes)


def request(method="GET", path="/", query=None, form=None, headers=None):
    return Request(EnvironBuilder(method=method, path=path, query_string=query, data=form, headers=headers,
                                  environ_base={"REMOTE_ADDR": CLIENT}).get_environ())


@pytest.fixture
def status():
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, guard=LookupGuard(window_s=900, clock=lambda: 0.0))
    tracker.on_document_registered(registered(CASE, code=CODE))
    service = StatusService()
    service.app = SimpleNamespace(tracker=tracker, settings=SimpleNamespace(trusted_proxies=0,
                                                                          trusted_proxy_networks=""))
    return service


@pytest.fixture
def catalogue():
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=0)
    cat.import_rows(read_rows(SEED), valid_from=DAY)
    service = CatalogueService()
    service.app = SimpleNamespace(catalogue=cat)
    return service


def lookup(status, code=CODE, headers=None):
    return status.lookup_page(request("POST", form={"index": CASE, "code": code}, headers=headers))


def throttle(status):
    """Ten wrong codes from one client for one case: the limit per index and client."""
    wrong = CaseLookupRequest(registration_index=CASE, access_code=WRONG)
    for _ in range(10):
        with pytest.raises(CaseNotFound):
            status.app.tracker.lookup(wrong, client=CLIENT)


class Broken:
    def search(self, *args, **kwargs):
        raise ConnectionError("127.0.0.1:27017: [Errno 111] Connection refused")

    lookup = units = search


PAGES = {
    "status: the empty form": lambda s, c: s.lookup_page(request()),
    "status: the form from the receipt's QR code": lambda s, c: s.lookup_page(request(query={"index": CASE})),
    "status: a case found": lambda s, c: lookup(s),
    "status: a wrong code": lambda s, c: lookup(s, WRONG),
    "status: too many tries": lambda s, c: (throttle(s), lookup(s))[1],
    "status: a form from another site": lambda s, c: lookup(s, headers={"Sec-Fetch-Site": "cross-site"}),
    "status: the 503 page": lambda s, c: (setattr(s.app, "tracker", Broken()), lookup(s))[1],
    "catalogue: the search page": lambda s, c: c.catalogue_page(request(query={"q": "naslednici"})),
    "catalogue: the 503 page": lambda s, c: (setattr(c.app, "catalogue", Broken()), c.catalogue_page(request()))[1],
}


@pytest.mark.parametrize("name", PAGES)
def test_every_citizen_page_carries_the_security_headers(name, status, catalogue):
    response = PAGES[name](status, catalogue)
    assert_page_security(response.headers, response.get_data(as_text=True))


def test_the_status_page_answers_a_posted_lookup_with_the_page_itself(status):
    form = Markup(status.lookup_page(request()).get_data(as_text=True)).forms
    assert form == [{"method": "post", "action": "/"}], form
    response = lookup(status)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Location" not in response.headers
    assert f"Преписка {CASE}" in html and "Текущ етап: <strong>Регистриран</strong>" in html
    assert CODE not in html, "the code is never written back into the page"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_get_with_the_code_in_the_address_looks_nothing_up(status):
    response = status.lookup_page(request(query={"index": CASE, "code": CODE}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Текущ етап" not in html and "Относно" not in html, "a GET must not look the case up"
    assert "кодът за достъп не се приема в адреса" in html and 'role="alert"' in html
    assert f'value="{CASE}"' in html and CODE not in html  # the index is kept, the code is not
    for _ in range(12):  # and a GET is never counted as a failed try
        status.lookup_page(request(query={"index": CASE, "code": WRONG}))
    assert "Текущ етап" in lookup(status).get_data(as_text=True)


def test_the_form_from_the_qr_code_keeps_its_index_and_says_nothing_about_the_code(status):
    html = status.lookup_page(request(query={"index": CASE})).get_data(as_text=True)
    assert f'value="{CASE}"' in html and 'role="alert"' not in html


def test_a_posted_form_from_another_site_is_refused_and_not_counted(status):
    for _ in range(12):
        response = lookup(status, WRONG, headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
        assert response.status_code == 403
        assert "само от страницата за проверка" in response.get_data(as_text=True)
    for site in ("same-origin", "none"):  # the page's own form; an address typed or bookmarked
        assert "Текущ етап" in lookup(status, headers={"Sec-Fetch-Site": site}).get_data(as_text=True)
    assert "Текущ етап" in lookup(status).get_data(as_text=True)  # browsers without fetch metadata


def test_a_throttled_lookup_page_is_429_with_retry_after(status):
    throttle(status)
    response = lookup(status)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 901
    assert "Твърде много неуспешни опити" in response.get_data(as_text=True)


def test_the_lookup_api_429_carries_retry_after_as_well_as_the_body_field(status):
    throttle(status)
    response = status.lookup_http(request(query={"index": CASE, "code": CODE}))
    body = json.loads(response.get_data())
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.headers.get("Retry-After") == str(body["retry_after_s"]), dict(response.headers)


def test_the_503_page_shows_no_internals_and_asks_to_retry(status):
    status.app.tracker = Broken()
    response = lookup(status)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "27017" not in html and "временно не работи" in html


def test_a_form_the_server_cannot_read_is_the_callers_error_not_an_outage(status, caplog):
    body = (b'--zz\r\nContent-Disposition: form-data; name="index"\r\n\r\n' + b"a" * 600_000 + b"\r\n--zz--\r\n")
    response = status.lookup_page(Request(EnvironBuilder(method="POST", path="/", data=body,
                                                         content_type="multipart/form-data; boundary=zz")
                                          .get_environ()))
    assert response.status_code == 413, response.status_code
    assert "не може да бъде обработена" in response.get_data(as_text=True)
    assert_page_security(response.headers, response.get_data(as_text=True))
    assert "page_failed" not in caplog.text


def test_an_index_too_long_to_be_one_is_not_written_back_whole(status):
    html = status.lookup_page(request("POST", form={"index": "Ж" * 5000, "code": CODE})).get_data(as_text=True)
    assert "Ж" * 101 not in html and 'maxlength="100"' in html
