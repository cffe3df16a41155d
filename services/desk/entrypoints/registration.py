"""Registering incoming mail, its receipt and stamp, and its scans."""
from __future__ import annotations

import functools
import uuid

from nameko.web.handlers import http

from servicekit.pages import from_another_site, page_errors

from ..domain.intake import FieldError, IntakeForm
from . import pages, views
from .routes import DeskPages, page, settled
from .views import DRAFT_KEPT, DRAFT_NOTICE, EXPIRED, FORGED

MAX_REGISTRATION_BYTES = 120 * 1024 * 1024
MIXED = ("Качените преди това файлове и новоизбраните не могат да се изпратят заедно, когато страницата "
         "работи без JavaScript. Изберете отново всички файлове.")


class RegistrationPages(DeskPages):
    @http("GET", "/documents/new")
    @page_errors
    @page()
    def register_form(self, request, session):
        draft = self.app.sessions.take_draft(session)
        if draft is not None:
            return views.register_page(self.app, session, IntakeForm(draft), notice=DRAFT_KEPT)
        return views.register_page(self.app, session, IntakeForm())

    def _keep_draft(self, request, expired: bool):
        """A registration sent after the session ran out: the sign-in page, the typed fields kept
        for the form after it (another site's form is simply dropped)."""
        if not expired or from_another_site(request):
            return pages.redirect("/signin")
        kept = self.app.sessions.anonymous_with_draft(IntakeForm.from_form(request.form).values)
        return self._set_cookie(pages.render("signin.html", 401, title="Вход", csrf=kept.csrf, username="",
                                             notice=f"{EXPIRED} {DRAFT_NOTICE}"), kept)

    @http("POST", "/documents")
    @page_errors
    @page(signed_out=_keep_draft)
    def register(self, request, session):
        request.max_content_length = MAX_REGISTRATION_BYTES
        form = IntakeForm.from_form(request.form)
        key = request.form.get("idempotency_key") or uuid.uuid4().hex
        # scans the form's script put into the object store beforehand: kept on a refused form,
        # so the clerk does not upload them again
        kept = [(u, n) for u, n in zip(request.form.getlist("upload"), request.form.getlist("upload_name")) if u][:20]
        on_form = functools.partial(views.register_page, self.app, session, form, key=key, kept_uploads=kept)
        if not self._posted(request, session):
            return on_form(403, summary=FORGED)
        scans = [(f.filename, f.stream, f.mimetype or "application/octet-stream")
                 for f in request.files.getlist("scan") if f.filename]
        if scans and kept:  # new files sent by the form itself (its script did not run) besides kept uploads
            return views.register_page(self.app, session, form, 422, key=key, summary="Документът не е регистриран.",
                                       errors=[FieldError("scan", MIXED)], values_had_files=True)
        uploads = [u for u, _ in kept]
        r = settled(lambda: self.app.workspace.register(session.person, form, scans, key, uploads), on_form,
                    "Документът не е регистриран; опитайте отново след минута.", retry_after=True,
                    values_had_files=bool(scans))
        if r.get("access_code"):  # for the receipt this session prints; never in a URL
            self.app.sessions.remember_once(session, index=r["registration_index"], code=r["access_code"])
        return views.page("registered.html", session, 201 if r.get("access_code") else 200, title="Регистриран", r=r)

    @http("GET", "/documents/<string:which>.pdf")
    @page_errors
    @page(down=("Разписката не може да бъде отворена.", "/"), refused=("Документът не е намерен", None))
    def document_pdf(self, request, session, which):
        if which not in ("receipt", "stamp"):
            return views.page("message.html", session, 404, title="Няма такъв документ", message="Няма такъв файл.")
        index = request.args.get("index", "")
        once = session.once or {}
        code = once.get("code") if which == "receipt" and once.get("index") == index else None
        return pages.pdf(self.app.workspace.pdf(session.person, which, index, code), f"{which}.pdf")

    @http("GET", "/documents/scan")
    @page_errors
    @page(down=("Файлът не може да бъде отворен.", "/cases"), refused=("Файлът не е намерен", "/cases"))
    def scan(self, request, session):
        """The n-th scan, fetched by the desk through the registry's short-lived link (the
        object store's address never reaches the browser)."""
        try:
            n = int(request.args.get("n", "1"))
        except ValueError:
            return views.page("message.html", session, 400, title="Файлът не е намерен",
                              message="Невалиден номер на файл.", back="/cases")
        return pages.scan(*self.app.workspace.scan(session.person, request.args.get("index", ""), n))
