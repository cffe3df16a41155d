"""What the register form's script asks the desk while it uploads scans straight to the object
store (static/desk-upload.js): a grant for each file and, for a file sent in parts, each of its
requests presigned. The desk keeps the person and the CSRF check; the browser never sees a
staff token. Answers are JSON (``{"detail": ...}`` in Bulgarian when refused), never a page."""
from __future__ import annotations

from nameko.web.handlers import http

from servicekit.http import json_response

from ..service_layer.ports import Refused, Unavailable
from . import pages
from .routes import DeskPages
from .views import DOWN, EXPIRED, FORGED


def _json(body: dict, status: int = 200):
    return json_response(body, status, headers=pages.headers())


class UploadRoutes(DeskPages):
    @http("POST", "/documents/uploads")
    def grant_upload(self, request):
        f = request.form
        return self._asked(request, lambda person: self.app.workspace.grant_upload(
            person, f.get("file_name", ""), f.get("size", ""), f.get("sha256", ""), f.get("parts") == "1"))

    @http("POST", "/documents/uploads/<string:upload_id>/steps")
    def upload_step(self, request, upload_id):
        f = request.form
        return self._asked(request, lambda person: self.app.workspace.upload_step(
            person, upload_id, f.get("step", ""), f.get("part_number", "")))

    def _asked(self, request, ask):
        session, _ = self._session(request)
        if session is None or session.person is None:
            return _json({"detail": EXPIRED}, 401)
        if not self._posted(request, session):
            return _json({"detail": FORGED}, 403)
        try:
            return _json(ask(session.person))
        except Refused as exc:
            return _json({"detail": exc.detail, "errors": exc.errors}, exc.status)
        except Unavailable as exc:
            return _json({"detail": f"{DOWN.get(exc.what, '')} Файлът не е качен.".strip()}, 503)
