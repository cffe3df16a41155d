"""Outside a developer's machine (cookie_secure=true) the session cookie is Secure and
__Host- prefixed (bound to the host, path /, never set over plain HTTP by another subdomain);
a desk in this process on a port of its own, with the real slapd and database."""
import re

import pytest
import requests
from nameko.containers import ServiceContainer

from desk.entrypoints.service import DeskService
from desk.settings import DeskSettings
from servicekit.runner import nameko_config
from tests.e2e.test_desk_outage import free_port

pytestmark = pytest.mark.e2e


def test_the_session_cookie_is_secure_and_host_bound_when_configured():
    settings = DeskSettings(http_port=free_port(), cookie_secure=True)
    container = ServiceContainer(DeskService, nameko_config(settings))
    container.start()
    try:
        answer = requests.get(f"http://127.0.0.1:{settings.http_port}/signin", timeout=10)
    finally:
        container.stop()
    cookie = answer.headers["Set-Cookie"]
    assert re.match(r"__Host-desk=[\w-]{43};", cookie), cookie
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie, (attribute, cookie)
    assert "Domain=" not in cookie


def test_a_sign_in_without_the_forms_token_is_refused():
    s = requests.Session()
    s.get("http://127.0.0.1:8005/signin", timeout=10)
    answer = s.post("http://127.0.0.1:8005/signin", data={"username": "ivana", "password": "ivana-demo-2026"},
                    allow_redirects=False, timeout=10)
    assert answer.status_code == 403 and "Формата не е приета" in answer.text
    assert 'value="ivana"' in answer.text and "ivana-demo-2026" not in answer.text
