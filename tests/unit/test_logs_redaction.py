"""Access codes never reach the logs through request lines."""
import io
import json
import logging

from servicekit import logs


def test_access_codes_in_request_lines_are_redacted(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(logs.sys, "stdout", out)
    logs.configure("INFO")
    logging.getLogger("nameko.web.server").info(
        '%s - - "%s" 200', "127.0.0.1", "GET /api/v1/cases/lookup?index=%D0%96%D0%9B%D0%91-1&code=12345678 HTTP/1.1")
    logging.getLogger("x").info("receipt at /api/v1/documents/receipt.pdf?code=87654321&index=A-1")
    lines = [json.loads(line)["event"] for line in out.getvalue().splitlines()]
    assert "12345678" not in out.getvalue() and "87654321" not in out.getvalue()
    assert "code=[redacted] HTTP/1.1" in lines[0] and "?code=[redacted]&index=A-1" in lines[1]
