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
