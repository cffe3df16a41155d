"""Rendering the desk's pages: Jinja2 templates (autoescaped) from ../templates, every answer
with servicekit.pages' security headers; the one stylesheet source allowed is the desk itself
(GOV.UK Frontend's CSS and the desk's few rules, served from ../static). No script, except on
the register form: the desk's upload script and the Uppy bundle it uses, both from ../static
(``script-src 'self'``, nothing inline), which may connect to the desk and to the object store
the scans are uploaded to (:func:`upload_headers`). Without script the form works as before."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from servicekit.pages import NO_STORE, page_response, security_headers

HERE = Path(__file__).resolve().parents[1]
STATIC = {name: (HERE / "static" / name).read_bytes()
          for name in ("govuk-frontend.min.css", "desk.css", "uppy.min.js", "desk-upload.js")}
TYPES = {"css": "text/css", "js": "text/javascript"}


def _bgdate(value) -> str:
    return dt.date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y") if value else ""


def _bgdatetime(value) -> str:
    moment = dt.datetime.fromisoformat(str(value))
    return moment.astimezone(_TZ).strftime("%d.%m.%Y %H:%M")


_TZ = ZoneInfo("Europe/Sofia")
env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
env.filters.update(bgdate=_bgdate, bgdatetime=_bgdatetime)


def configure(timezone: str) -> None:
    global _TZ
    _TZ = ZoneInfo(timezone)


def headers() -> dict[str, str]:
    """servicekit.pages' headers with the desk's own stylesheets allowed (``style-src 'self'``)."""
    base = security_headers()
    policy = base["Content-Security-Policy"].replace("default-src 'none'", "default-src 'none'; style-src 'self'")
    return {**base, "Content-Security-Policy": policy, **NO_STORE}


def upload_headers(upload_origin: str) -> dict[str, str]:
    """The register form's headers: its script (the desk's own files) may run and may connect to
    the desk and to the object store at ``upload_origin``; still no inline script, no eval."""
    policy = headers()["Content-Security-Policy"].replace(
        "style-src 'self'", f"style-src 'self'; script-src 'self'; connect-src 'self' {upload_origin}")
    return {"Content-Security-Policy": policy}


def render(template: str, status: int = 200, *, extra_headers: Optional[dict] = None, **context) -> Response:
    context.setdefault("errors", [])
    context.setdefault("summary", None)
    context.setdefault("person", None)
    context["errmap"] = {e.field: e.message for e in context["errors"]}
    html = env.get_template(template).render(**context)
    response = page_response(html, status=status)
    response.headers.update({**headers(), **(extra_headers or {})})
    return response


def static(name: str) -> Response:
    body = STATIC.get(name)
    if body is None:
        return Response("Няма такъв файл.", status=404, mimetype="text/plain")
    return Response(body, mimetype=TYPES[name.rsplit(".", 1)[1]], headers={"Cache-Control": "public, max-age=3600",
                                                        "X-Content-Type-Options": "nosniff"})


def redirect(location: str) -> Response:
    return Response("", status=303, headers={"Location": location, **NO_STORE})


SCAN_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/tiff"}


def scan(data: bytes, content_type: str) -> Response:
    """A scan shown in the browser: only the types the registry accepts, else as a download."""
    kind = content_type.split(";")[0].strip().lower()
    inline = kind in SCAN_TYPES
    return Response(data, mimetype=kind if inline else "application/octet-stream",
                    headers={"Content-Disposition": "inline" if inline else "attachment", **NO_STORE,
                             "X-Content-Type-Options": "nosniff"})


def pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', **NO_STORE,
                             "X-Content-Type-Options": "nosniff"})


def zone() -> ZoneInfo:
    return _TZ


def today() -> dt.date:
    """Today in the administration's time zone."""
    return dt.datetime.now(_TZ).date()


def local_time(value) -> str:
    return _bgdatetime(value)


def csv(data, name: str) -> Response:
    """``data``: the bytes, or an iterable of pieces (streamed as they come)."""
    return Response(data, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                        **NO_STORE, "X-Content-Type-Options": "nosniff"})
