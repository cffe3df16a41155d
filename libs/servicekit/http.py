"""HTTP helpers for nameko ``@http`` entrypoints: JSON and RFC 9457 problem+json."""
from __future__ import annotations

import functools
import json
from typing import Any, Optional

from werkzeug.wrappers import Response


class Problem(Exception):
    """An HTTP error the caller can act on; rendered as ``application/problem+json``.

    ``detail`` is Bulgarian (user-facing); ``errors`` lists ``{"field", "message"}``.
    """

    def __init__(self, status: int, title: str, detail: str, *, type_: str = "about:blank",
                 errors: Optional[list[dict]] = None, extra: Optional[dict] = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.type_, self.errors, self.extra = type_, errors or [], extra or {}

    def response(self, instance: str = "") -> Response:
        body = {"type": self.type_, "title": self.title, "status": self.status,
                "detail": self.detail, "instance": instance, **self.extra}
        if self.errors:
            body["errors"] = self.errors
        return Response(json.dumps(body, ensure_ascii=False), status=self.status,
                        mimetype="application/problem+json")


def json_response(body: Any, status: int = 200, headers: Optional[dict] = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json", headers=headers)


def pydantic_errors(exc, prefix: str = "") -> list[dict]:
    """Field-level errors from a pydantic ValidationError, messages in Bulgarian."""
    from .messages_bg import translate

    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        out.append({"field": f"{prefix}{field}", "message": translate(err)})
    return out


HTTP_DETAILS_BG = {400: "Заявката не може да бъде прочетена.", 413: "Заявката е твърде голяма.",
                   415: "Този вид съдържание не се приема."}


RETRY_AFTER_S = 60
# What a clerk or an official reads when a dependency does not answer (Bulgarian, in the nominative)
DEPENDENCIES_BG = {"s3": "хранилището за сканирани файлове", "mongodb": "базата данни",
                   "catalogue": "каталогът на услугите", "registry": "регистърът", "status": "услугата за статус",
                   "notifications": "услугата за известия"}


def unavailable(exc, path: str) -> Response:
    """The 503 for a dependency that refused or did not answer in time, with ``Retry-After``."""
    what = DEPENDENCIES_BG.get(exc.service)
    detail = (f"Услугата временно не може да изпълни заявката: {what} не отговаря. " if what
              else "Услугата временно не отговаря. ") + "Опитайте отново след минута."
    response = Problem(503, "Service Unavailable", detail).response(path)
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def handle_problems(fn):
    """Decorator for ``@http`` methods: turn :class:`Problem` into a problem+json response;
    a dependency that refused or did not answer in time (:class:`~servicekit.errors.Unavailable`,
    raised by the adapters and the RPC deadline) into 503 with ``Retry-After``, anything
    unexpected into a logged 500, all problem+json (never a stack trace to the caller).
    Every 503 carries ``Retry-After``."""
    import logging

    from werkzeug.exceptions import HTTPException

    from . import logs
    from .errors import Unavailable

    log = logging.getLogger(fn.__module__)

    @functools.wraps(fn)
    def wrapper(self, request, *args, **kwargs):
        try:
            return fn(self, request, *args, **kwargs)
        except Problem as problem:
            response = problem.response(request.path)
            if problem.status == 503:
                response.headers.setdefault("Retry-After", str(RETRY_AFTER_S))
            return response
        except HTTPException as exc:  # werkzeug's own (a body it cannot read, too large, ...): keep its status
            return Problem(exc.code or 400, exc.name, HTTP_DETAILS_BG.get(exc.code, "Заявката не може да бъде "
                                                                                     "обработена.")).response(request.path)
        except Unavailable as exc:
            logs.event(log, "dependency_unavailable", logging.WARNING, path=request.path, service=exc.service,
                       error=str(exc))
            return unavailable(exc, request.path)
        except Exception:
            log.exception("unexpected_error", extra={"ctx": {"path": request.path}})
            return Problem(500, "Internal Server Error", "Вътрешна грешка; опитайте отново. Ако се повтаря, "
                                                         "съобщете на администратора.").response(request.path)
    return wrapper


def client_address(request, trusted_proxies: int = 0, trusted_networks: str = "") -> str:
    """The caller's address: the connection's peer, or, when that peer is a trusted proxy (in
    one of ``trusted_networks``, comma-separated CIDRs) behind which ``trusted_proxies``
    proxies each append the address they saw to ``X-Forwarded-For``, the address the
    outermost of them saw (what werkzeug's ProxyFix middleware does; nameko builds its WSGI
    app itself, so the rule is applied here). Entries a client wrote itself, left of those,
    are ignored; so is the header from any other peer, which could write what it likes."""
    import ipaddress

    peer = request.remote_addr or ""
    if not trusted_proxies or not trusted_networks or not peer:
        return peer
    try:
        address = ipaddress.ip_address(peer)
        trusted = any(address in network for network in _networks(trusted_networks))
    except ValueError:
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    return hops[-trusted_proxies] if trusted and len(hops) >= trusted_proxies else peer


@functools.lru_cache(maxsize=8)
def _networks(spec: str) -> tuple:
    """Parsed once per setting value, not on every public request."""
    import ipaddress

    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in spec.split(",") if n.strip())
