"""Every answer of a service's web server carries nosniff and no-referrer, and werkzeug's
own English 404/405 pages (found by an outside review on the citizen hosts: no CSP, no
nosniff) become short Bulgarian pages with the strictest policy."""
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from servicekit.pages import EveryAnswerHeaders, page_response


@Request.application
def app(request):
    if request.path == "/page":
        return page_response("<p>страница</p>")
    if request.path == "/api":
        return Response('{"ok": true}', mimetype="application/json")
    if request.path == "/only-get":
        return MethodNotAllowed(valid_methods=["GET"])
    return NotFound()


client = Client(EveryAnswerHeaders(app))


def test_an_unknown_path_gets_a_bulgarian_page_with_every_header():
    response = client.get("/nonexistent")
    assert response.status_code == 404
    assert 'lang="bg"' in response.get_data(as_text=True) and "Няма такава страница" in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["Referrer-Policy"] == "no-referrer"
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_a_method_a_route_does_not_take_gets_a_bulgarian_page():
    response = client.put("/only-get")
    assert response.status_code == 405 and "не се поддържа" in response.get_data(as_text=True)
    assert response.headers["Allow"] == "GET" and "Content-Security-Policy" in response.headers


def test_a_page_keeps_its_own_policy_and_json_gets_the_base_headers():
    page = client.get("/page")
    assert page.headers.getlist("Content-Security-Policy") == [page_response("").headers["Content-Security-Policy"]]
    api = client.get("/api")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" not in api.headers
    assert api.get_json() == {"ok": True}
