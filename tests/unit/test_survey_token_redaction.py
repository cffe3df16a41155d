"""A survey link's one-time token never reaches the logs through the access log's request line
(until used, it answers the survey in the citizen's name)."""
import io
import json
import logging

from servicekit import logs

TOKEN = "CuJUZ-0TWkiPrYMRRl5T6m78BtJk23i3pIqFv4kZZd8"


def test_survey_tokens_in_request_lines_are_redacted(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(logs.sys, "stdout", out)
    logs.configure("INFO")
    logging.getLogger("nameko.web.server").info('%s - - "%s" 200', "127.0.0.1", f"POST /survey/{TOKEN} HTTP/1.1")
    assert TOKEN not in out.getvalue()
    assert '"POST /survey/[redacted] HTTP/1.1" 200' in json.loads(out.getvalue().splitlines()[0])["event"]


def test_a_failing_page_logs_its_path_without_the_token(caplog):
    """servicekit.pages.page_errors logs the path of a page that failed: never the token."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from servicekit.pages import page_errors

    class Page:
        @page_errors
        def survey(self, request):
            raise RuntimeError("a bug")

    request = Request(EnvironBuilder(method="GET", path=f"/survey/{TOKEN}").get_environ())
    with caplog.at_level(logging.ERROR):
        response = Page().survey(request)
    assert response.status_code == 503
    failed = [r for r in caplog.records if r.getMessage() == "page_failed"]
    assert failed and failed[0].ctx == {"path": "/survey/[redacted]"}
