"""Every HTTP answer is problem+json, also when a dependency is late or something breaks."""
import json

import eventlet
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from servicekit.errors import Unavailable, call_rpc
from servicekit.http import handle_problems


class Endpoint:
    def __init__(self, error):
        self.error = error

    @handle_problems
    def serve(self, request):
        raise self.error


def answer(error):
    response = Endpoint(error).serve(Request(EnvironBuilder(path="/api/v1/x").get_environ()))
    return response, json.loads(response.get_data())


def test_a_late_dependency_is_503_with_retry_after():
    response, body = answer(Unavailable("catalogue", 10))
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert response.mimetype == "application/problem+json" and "временно" in body["detail"]


def test_anything_unexpected_is_a_logged_500_without_its_details(caplog):
    response, body = answer(KeyError("secret internals"))
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert "secret" not in json.dumps(body) and body["instance"] == "/api/v1/x"
    assert any(r.exc_info and "secret internals" in str(r.exc_info[1]) for r in caplog.records)


def test_an_rpc_call_that_gets_no_answer_gives_up_with_unavailable():
    with pytest.raises(Unavailable) as err:
        call_rpc("registry", lambda request: eventlet.sleep(5), {"x": 1}, timeout_s=0.05)
    assert err.value.service == "registry"
    assert call_rpc("registry", lambda request: request["x"], {"x": 1}) == 1


def test_werkzeugs_own_errors_keep_their_status():
    from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

    response, body = answer(BadRequest())
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert body["detail"] == "Заявката не може да бъде прочетена."
    assert answer(RequestEntityTooLarge())[0].status_code == 413


def test_a_citizens_page_that_fails_shows_no_internals(caplog):
    from servicekit.pages import page_errors

    class Page:
        @page_errors
        def serve(self, request):
            raise ConnectionError("127.0.0.1:27017: [Errno 111] Connection refused")

    response = Page().serve(Request(EnvironBuilder(path="/").get_environ()))
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and "27017" not in text and "временно не работи" in text
    assert "27017" in caplog.text  # the operator still sees it
