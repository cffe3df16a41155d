"""The catalogue's HTTP server: the shared one (servicekit.service.NoDelayWebServer) with a
request line long enough for a citizen's over-long search to reach the validators.

eventlet cuts a request line at 8 KiB and answers with its own bare, English 414. A search
box pasted full (10,000 characters) then got no problem+json and no Bulgarian. Here the line
may be 64 KiB, so such a query is the ordinary 400 naming ``q``; a longer line still ends
the connection, but with a problem+json 414 in Bulgarian instead of eventlet's text.
"""
from __future__ import annotations

import json

from nameko.web.server import HttpOnlyProtocol

from servicekit.service import NoDelayHttp, NoDelayWebServer

REQUEST_LINE_LIMIT = 64 * 1024


def _problem_414() -> bytes:
    body = json.dumps({"type": "about:blank", "title": "URI Too Long", "status": 414,
                       "detail": f"Адресът на заявката е по-дълъг от {REQUEST_LINE_LIMIT // 1024} KiB. Съкратете "
                                 f"търсенето (до 200 знака).", "instance": ""}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 414 URI Too Long\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
            f"Connection: close\r\n\r\n").encode()
    return head + body


PROBLEM_414 = _problem_414()


class ProblemOn414Protocol(HttpOnlyProtocol):
    """nameko's protocol, answering a request line over the limit with problem+json.

    Overrides eventlet's ``_read_request_line`` (eventlet is pinned in requirements.txt): an
    over-long line is answered here and reported as no line, which eventlet's
    ``handle_one_request`` takes as the end of the connection, so its own 414 is never sent.
    """

    def _read_request_line(self):
        line = super()._read_request_line()
        if len(line) >= self.server.url_length_limit:
            self.wfile.write(PROBLEM_414)
            self.close_connection = 1
            return b""
        return line


class CatalogueWebServer(NoDelayWebServer):
    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        server = super().get_wsgi_server(sock, wsgi_app, protocol=ProblemOn414Protocol, **kwargs)
        server.url_length_limit = REQUEST_LINE_LIMIT
        return server


class CatalogueHttp(NoDelayHttp):
    """Declared on CatalogueService in place of DelovodService's ``http_server``."""

    server = CatalogueWebServer()
