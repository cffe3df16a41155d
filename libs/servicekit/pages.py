"""HTML pages for citizens, served by nameko ``@http`` entrypoints: one set of security headers
for every page, and the short Bulgarian 503 page a failing page answers with.

Every page is rendered on the server and runs no script, so the content security policy allows
nothing but the page's own stylesheet: ``default-src 'none'`` (no script, image, font, frame or
connection at all), the ``<style>`` element by its SHA-256 (an inline style kept in the page
rather than a second request for a file; a ``style=`` attribute would need 'unsafe-hashes', so
pages use classes), forms sent only to the page's own origin, no ``<base>``, and no framing
(``frame-ancestors 'none'``, against clickjacking). ``Referrer-Policy: no-referrer`` keeps the
page's address (a search, a case index) from the sites its links lead to, and ``nosniff`` stops a
browser guessing another type than the declared one.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import html
import logging
from typing import Optional

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import logs
from .settings import kit_settings


class Stylesheet:
    """A page's CSS, written into the page as a ``<style>`` element the CSP allows by its hash."""

    def __init__(self, css: str):
        self.css = css
        digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
        self.source = f"'sha256-{digest}'"  # a CSP source expression

    @property
    def tag(self) -> str:
        return f"<style>{self.css}</style>"


def security_headers(style: Optional[Stylesheet] = None) -> dict[str, str]:
    """The headers every citizen page carries; ``style`` is the page's stylesheet, if it has one."""
    policy = ["default-src 'none'", f"style-src {style.source}" if style else None, "form-action 'self'",
              "base-uri 'none'", "frame-ancestors 'none'"]
    return {"Content-Security-Policy": "; ".join(p for p in policy if p),
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def page_response(html: str, *, style: Optional[Stylesheet] = None, status: int = 200,
                  headers: Optional[dict] = None) -> Response:
    """An HTML page with :func:`security_headers`; ``headers`` adds page-specific ones."""
    return Response(html, status=status, mimetype="text/html", headers={**security_headers(style), **(headers or {})})


def from_another_site(request) -> bool:
    """True for a form a page of another site made the browser send (Fetch Metadata,
    ``Sec-Fetch-Site: cross-site``). A browser that sends no such header, a bookmark or a
    typed address (``none``) and the site's own pages (``same-origin``, ``same-site``) pass."""
    return request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"


def unavailable_html(office_phone: str) -> str:
    return ('<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>Временно недостъпно</title>'
            '</head><body><main><h1>Услугата временно не работи</h1><p>Опитайте отново след няколко минути. '
            f'Ако се повтаря, обадете се на {html.escape(office_phone)}.</p></main></body></html>')



UNREADABLE_HTML = ('<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>Заявката не е приета</title>'
                   '</head><body><main><h1>Заявката не може да бъде обработена</h1><p>Върнете се към формата, '
                   'попълнете я отново и я изпратете.</p></main></body></html>')
NO_STORE = {"Cache-Control": "no-store"}


def page_errors(fn):
    """Decorator for ``@http`` methods that serve HTML to citizens: an unexpected failure is
    logged and answered with a short Bulgarian page (503), never with the exception's text,
    which nameko would show (internal addresses included), naming the office's phone
    (``DELOVOD_OFFICE_PHONE``). A request werkzeug cannot read (a form too
    large, say) keeps its 4xx status: the caller's error, not an outage."""
    log = logging.getLogger(fn.__module__)

    @functools.wraps(fn)
    def wrapper(self, request, *args, **kwargs):
        try:
            return fn(self, request, *args, **kwargs)
        except HTTPException as exc:
            return page_response(UNREADABLE_HTML, status=exc.code or 400, headers=NO_STORE)
        except Exception:
            log.exception("page_failed", extra={"ctx": {"path": logs.redacted(request.path)}})
            return page_response(unavailable_html(kit_settings().office_phone), status=503, headers={"Retry-After": "60", **NO_STORE})
    return wrapper


_NOT_FOUND_BG = ("<!doctype html><html lang=\"bg\"><head><meta charset=\"utf-8\"><title>Няма такава страница</title>"
                 "</head><body><main><h1>Няма такава страница</h1><p>Проверете адреса.</p></main></body></html>")
_NOT_ALLOWED_BG = ("<!doctype html><html lang=\"bg\"><head><meta charset=\"utf-8\"><title>Неразрешено действие</title>"
                   "</head><body><main><h1>Това действие не се поддържа на този адрес</h1></main></body></html>")


class EveryAnswerHeaders:
    """WSGI middleware around a service's whole web server: every answer gets nosniff and
    no-referrer, and every HTML answer without a policy of its own the strictest CSP. The
    pages werkzeug itself writes (404 for an unknown path, 405 for a method a route does not
    take) are English and carried no headers at all; they become short Bulgarian pages."""

    BASE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        replaced = {}

        def start(status, headers, exc_info=None):
            code = int(status.split(" ", 1)[0])
            content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
            html = content_type.startswith("text/html")
            if code in (404, 405) and html and not any(k.lower() == "content-security-policy" for k, _ in headers):
                body = (_NOT_FOUND_BG if code == 404 else _NOT_ALLOWED_BG).encode()
                headers = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
                headers += [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
                replaced["body"] = body
            present = {k.lower() for k, _ in headers}
            headers = list(headers) + [(k, v) for k, v in self.BASE.items() if k.lower() not in present]
            if html and "content-security-policy" not in present:
                headers.append(("Content-Security-Policy", self.STRICT_CSP))
            return start_response(status, headers, exc_info)

        result = self.app(environ, start)
        if "body" in replaced:
            if hasattr(result, "close"):
                result.close()
            return [replaced["body"]]
        return result
