"""Every way into the desk: its pages (sign-in, registering mail, a case, the overdue list),
the PDFs proxied from the registry, its stylesheets. Thin: the session is checked here, the
work is the service layer's.

Over 300 lines for now: one route per page, each repeating the sign-in and outage handling
(duplicates' D1); a decorator for that pair would make it short. A known follow-up, not a
design choice."""
from __future__ import annotations

import datetime as dt
import uuid

from nameko.timer import timer
from nameko.web.handlers import http

from servicekit.http import client_address, json_response
from servicekit.pages import from_another_site, page_errors
from servicekit.providers import App
from servicekit.service import NoDelayHttp

from ..bootstrap import bootstrap
from ..domain import labels, surveys, worklist
from ..domain.intake import IntakeForm
from ..service_layer.ports import Refused, SignInRefused, Unavailable
from ..service_layer.throttle import TooManyFailures
from . import pages, views
from .views import DOWN, DRAFT_KEPT, DRAFT_NOTICE, EXPIRED, FORGED, NO_RIGHT, SIGNIN_REFUSED

STAGE_EXTRAS = ("legal_ground", "appeal_authority", "appealed_on")  # what some stages need (status's StageChange)

class DeskService:
    name = "desk"

    app = App(bootstrap)
    http_server = NoDelayHttp()  # TCP_NODELAY on its HTTP connections, as every service's

    # --- session plumbing -------------------------------------------------------------------

    @property
    def cookie_name(self) -> str:
        return "__Host-desk" if self.app.settings.cookie_secure else "desk_session"

    def _session(self, request):
        return self.app.sessions.current(request.cookies.get(self.cookie_name))

    def _set_cookie(self, response, session):
        response.set_cookie(self.cookie_name, session.id, httponly=True, samesite="Strict",
                            secure=self.app.settings.cookie_secure, path="/")
        return response

    def _signed_in(self, request):
        """(session, None) for a signed-in person, else (None, the answer: the sign-in page)."""
        session, expired = self._session(request)
        if session is None or session.person is None:
            return None, pages.redirect("/signin?expired=1" if expired else "/signin")
        return session, None

    def _posted(self, request, session) -> bool:
        """A form of this site with this session's CSRF token."""
        return not from_another_site(request) and session.csrf_matches(request.form.get("csrf"))

    # --- static, health ----------------------------------------------------------------------

    @http("GET", "/static/<string:name>")
    def static(self, request, name):
        return pages.static(name)

    @http("GET", "/health")
    def health(self, request):
        return json_response({"status": "ok", "service": self.name})

    # --- sign-in -----------------------------------------------------------------------------

    @http("GET", "/")
    @page_errors
    def home(self, request):
        session, answer = self._signed_in(request)
        return answer or views.page("home.html", session, title="Начало")

    @http("GET", "/signin")
    @page_errors
    def signin_form(self, request):
        session, _ = self._session(request)
        session = session or self.app.sessions.anonymous()
        notice = EXPIRED if request.args.get("expired") else None
        return self._set_cookie(pages.render("signin.html", title="Вход", csrf=session.csrf, username="",
                                             notice=notice), session)

    @http("POST", "/signin")
    @page_errors
    def signin(self, request):
        session, _ = self._session(request)
        username = request.form.get("username", "")
        if session is None or not self._posted(request, session):
            session = self.app.sessions.anonymous()
            return self._set_cookie(pages.render("signin.html", 403, title="Вход", csrf=session.csrf,
                                                 username=username, summary=FORGED), session)
        client = client_address(request)
        try:
            signed_in = self.app.sessions.sign_in(session, username, request.form.get("password", ""), client)
        except SignInRefused:
            return pages.render("signin.html", 401, title="Вход", csrf=session.csrf, username=username,
                                summary=SIGNIN_REFUSED)
        except TooManyFailures as exc:
            return pages.render("signin.html", 429, title="Вход", csrf=session.csrf, username=username,
                                summary=f"Твърде много неуспешни опити. Опитайте отново след "
                                        f"{views.minutes(exc.retry_after_s)}.",
                                extra_headers={"Retry-After": str(exc.retry_after_s)})
        except Unavailable as exc:
            return views.down(session, exc, "Не може да влезете в момента.", "/signin")
        return self._set_cookie(pages.redirect("/documents/new" if signed_in.once.get("draft") else "/"), signed_in)

    @http("POST", "/signout")
    @page_errors
    def signout(self, request):
        session, _ = self._session(request)
        if session is not None and self._posted(request, session):
            self.app.sessions.sign_out(session)
        response = pages.redirect("/signin")
        response.delete_cookie(self.cookie_name, path="/", secure=self.app.settings.cookie_secure,
                               httponly=True, samesite="Strict")
        return response

    # --- registering incoming mail -----------------------------------------------------------

    @http("GET", "/documents/new")
    @page_errors
    def register_form(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        draft = self.app.sessions.take_draft(session)
        if draft is not None:
            return views.register_page(self.app, session, IntakeForm(draft), notice=DRAFT_KEPT)
        return views.register_page(self.app, session, IntakeForm())

    def _keep_draft(self, request):
        """A registration sent after the session ran out: the sign-in page, the typed fields kept
        for the form after it."""
        kept = self.app.sessions.anonymous_with_draft(IntakeForm.from_form(request.form).values)
        return self._set_cookie(pages.render("signin.html", 401, title="Вход", csrf=kept.csrf, username="",
                                             notice=f"{EXPIRED} {DRAFT_NOTICE}"), kept)

    @http("POST", "/documents")
    @page_errors
    def register(self, request):
        session, expired = self._session(request)
        if session is None or session.person is None:
            if expired and not from_another_site(request):  # another site's form is simply dropped
                return self._keep_draft(request)
            return pages.redirect("/signin")
        request.max_content_length = 120 * 1024 * 1024
        form = IntakeForm.from_form(request.form)
        key = request.form.get("idempotency_key") or uuid.uuid4().hex
        if not self._posted(request, session):
            return views.register_page(self.app, session, form, 403, key=key, summary=FORGED)
        scans = [(f.filename, f.stream, f.mimetype or "application/octet-stream")
                 for f in request.files.getlist("scan") if f.filename]
        try:
            outcome = self.app.workspace.register(session.person, form, scans, key)
        except Unavailable as exc:
            return views.register_page(self.app, session, form, 503, key=key,
                                       summary=f"{DOWN.get(exc.what, '')} Документът не е регистриран; "
                                               "опитайте отново след минута.",
                                       extra_headers={"Retry-After": "60"})
        if not outcome.ok:
            return views.register_page(self.app, session, form, 422, key=key, summary=outcome.summary,
                                       errors=outcome.errors, values_had_files=bool(scans))
        r = outcome.result
        if r.get("access_code"):  # for the receipt this session prints; never in a URL
            self.app.sessions.remember_once(session, index=r["registration_index"], code=r["access_code"])
        return views.page("registered.html", session, 201 if r.get("access_code") else 200, title="Регистриран", r=r)

    @http("GET", "/documents/<string:which>.pdf")
    @page_errors
    def document_pdf(self, request, which):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        if which not in ("receipt", "stamp"):
            return views.page("message.html", session, 404, title="Няма такъв документ", message="Няма такъв файл.")
        index = request.args.get("index", "")
        once = session.once or {}
        code = once.get("code") if which == "receipt" and once.get("index") == index else None
        try:
            data = self.app.workspace.pdf(session.person, which, index, code)
        except Refused as exc:
            return views.page("message.html", session, exc.status, title="Документът не е намерен", message=exc.detail)
        except Unavailable as exc:
            return views.down(session, exc, "Разписката не може да бъде отворена.", "/")
        return pages.pdf(data, f"{which}.pdf")

    @http("GET", "/documents/scan")
    @page_errors
    def scan(self, request):
        """The n-th scan, fetched by the desk through the registry's short-lived link (the
        object store's address never reaches the browser)."""
        session, answer = self._signed_in(request)
        if answer:
            return answer
        try:
            data, content_type = self.app.workspace.scan(session.person, request.args.get("index", ""),
                                                         int(request.args.get("n", "1")))
        except (Refused, ValueError) as exc:
            detail = exc.detail if isinstance(exc, Refused) else "Невалиден номер на файл."
            return views.page("message.html", session, getattr(exc, "status", 400), title="Файлът не е намерен",
                              message=detail, back="/cases")
        except Unavailable as exc:
            return views.down(session, exc, "Файлът не може да бъде отворен.", "/cases")
        return pages.scan(data, content_type)

    # --- cases -------------------------------------------------------------------------------

    @http("GET", "/cases")
    @page_errors
    def case(self, request):
        session, answer = self._signed_in(request)
        return answer or views.case_page(self.app, session, request.args.get("index", "").strip(), values={})

    @http("POST", "/cases/stage")
    @page_errors
    def change_stage(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        form = {k: request.form.get(k, "").strip() for k in ("case_index", "stage", "reason", "due_date",
                                                             "legal_ground", "appeal_authority", "appealed_on")}
        if not self._posted(request, session):
            return views.case_page(self.app, session, form["case_index"], 403, values=form, summary=FORGED)
        if not session.person.may_change_stages:
            return views.case_page(self.app, session, form["case_index"], 403, values=form, summary=NO_RIGHT)
        if request.form.get("action") == "preview":
            return self._preview(session, form)
        try:
            outcome = self.app.workspace.change_stage(session.person, form["case_index"], form["stage"],
                                                      form["reason"], form["due_date"],
                                                      {k: form[k] for k in STAGE_EXTRAS})
        except Unavailable as exc:
            return views.case_page(self.app, session, form["case_index"], 503, values=form,
                                   summary=f"{DOWN.get(exc.what, '')} Етапът не е променен.")
        if not outcome.ok:
            return views.case_page(self.app, session, form["case_index"], 422, values=form, summary=outcome.summary,
                                   errors=outcome.errors)
        result = outcome.result
        changed = {**result, "stage_label": labels.STAGES.get(_stage(result["stage"]), result["stage"])}
        return views.case_page(self.app, session, form["case_index"], values={}, changed=changed)

    def _preview(self, session, form):
        """The same form, unchanged, with the letter the change would send shown above it."""
        try:
            outcome = self.app.workspace.preview_letter(session.person, form["case_index"], form["stage"],
                                                        form["reason"], form["due_date"])
        except Unavailable as exc:
            return views.case_page(self.app, session, form["case_index"], 503, values=form,
                                   summary=f"{DOWN.get(exc.what, '')} Писмото не може да бъде показано.")
        if not outcome.ok:
            return views.case_page(self.app, session, form["case_index"], 422, values=form, summary=outcome.summary,
                                   errors=outcome.errors)
        return views.case_page(self.app, session, form["case_index"], values=form, preview=outcome.result)

    @http("POST", "/cases/assign")
    @page_errors
    def assign(self, request):
        """Any member of staff assigns the case to an official of a unit from the directory;
        status records who did it."""
        session, answer = self._signed_in(request)
        if answer:
            return answer
        form = {k: request.form.get(k, "").strip() for k in ("case_index", "official", "assign_reason")}
        if not self._posted(request, session):
            return views.case_page(self.app, session, form["case_index"], 403, values=form, summary=FORGED)
        try:
            outcome = self.app.workspace.assign(session.person, form["case_index"], form["official"],
                                                form["assign_reason"])
        except Unavailable as exc:
            return views.case_page(self.app, session, form["case_index"], 503, values=form,
                                   summary=f"{DOWN.get(exc.what, '')} Преписката не е разпределена.")
        if not outcome.ok:
            return views.case_page(self.app, session, form["case_index"], 422, values=form, summary=outcome.summary,
                                   errors=outcome.errors)
        return views.case_page(self.app, session, form["case_index"], values={}, assigned=outcome.result)

    @http("POST", "/cases/access-code")
    @page_errors
    def reissue_access_code(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        index, reason = request.form.get("case_index", "").strip(), request.form.get("code_reason", "")
        values = {"code_reason": reason}
        if not self._posted(request, session):
            return views.case_page(self.app, session, index, 403, values=values, summary=FORGED)
        try:
            outcome = self.app.workspace.reissue_access_code(session.person, index, reason)
        except Unavailable as exc:
            return views.case_page(self.app, session, index, 503, values=values,
                                   summary=f"{DOWN.get(exc.what, '')} Нов код не е издаден.")
        if not outcome.ok:
            return views.case_page(self.app, session, index, 422, values=values, summary=outcome.summary,
                                   errors=outcome.errors)
        reissued = outcome.result  # shown once; this session's receipt prints it
        self.app.sessions.remember_once(session, index=reissued["case_index"], code=reissued["access_code"])
        return views.case_page(self.app, session, index, values={}, reissued=reissued)

    @http("GET", "/overdue")
    @page_errors
    def overdue(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        if not session.person.may_change_stages:
            return views.page("message.html", session, 403, title="Няма достъп", message=NO_RIGHT, back="/")
        try:
            items = self.app.workspace.overdue(session.person)
        except Unavailable as exc:
            return views.down(session, exc, "Списъкът не може да бъде показан.", "/")
        return views.page("overdue.html", session, title="Просрочени преписки", items=items)

    # --- an official's lists ------------------------------------------------------------------

    def _worklist(self, request, session):
        which = request.args.get("list", "mine")
        which = which if which in worklist.LISTS else "mine"
        column, descending = request.args.get("sort", "due_date"), request.args.get("desc") == "1"
        column = column if column in worklist.COLUMNS else "due_date"
        today = dt.datetime.now(pages.zone()).date()
        rows = self.app.workspace.worklist(session.person, which, today, column, descending)
        return which, column, descending, rows, worklist.week_end(today)

    @http("GET", "/my")
    @page_errors
    def my_cases(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        try:
            which, column, descending, rows, week_end = self._worklist(request, session)
        except Unavailable as exc:
            return views.down(session, exc, "Списъкът не може да бъде показан.", "/")
        except Refused as exc:
            return views.page("message.html", session, exc.status, title="Списъкът не е показан",
                              message=exc.detail, back="/")
        return views.worklist_page(session, which, rows, column, descending, week_end)

    @http("GET", "/my.csv")
    @page_errors
    def my_cases_csv(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        try:
            which, _, _, rows, today_week_end = self._worklist(request, session)
        except Unavailable as exc:
            return views.down(session, exc, "Списъкът не може да бъде изтеглен.", "/my")
        except Refused as exc:
            return views.page("message.html", session, exc.status, title="Списъкът не е изтеглен",
                              message=exc.detail, back="/my")
        name = "moite-prepiski.csv" if which == "mine" else f"srok-do-{today_week_end.isoformat()}.csv"
        return pages.csv(worklist.csv_bytes(rows), name)

    # --- operators --------------------------------------------------------------------------

    def _operator(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return None, answer
        if not session.person.may_operate:
            return None, views.page("message.html", session, 403, title="Няма достъп", message=NO_RIGHT, back="/")
        return session, None

    @http("GET", "/operators")
    @page_errors
    def operators(self, request):
        session, answer = self._operator(request)
        return answer or views.operators_page(self.app, session)

    @http("POST", "/operators/replay")
    @page_errors
    def replay(self, request):
        """Send one dead notification (``notification``) or Kafka dead letter (``dead_letter``) again."""
        session, answer = self._operator(request)
        if answer:
            return answer
        if not self._posted(request, session):
            return views.operators_page(self.app, session, 403, summary=FORGED)
        notification, dead_letter = request.form.get("notification", ""), request.form.get("dead_letter", "")
        try:
            if notification:
                outcome = self.app.operators.replay_notification(session.person, notification)
            else:
                outcome = self.app.operators.replay_dead_letter(session.person, dead_letter)
        except Unavailable as exc:
            return views.operators_page(self.app, session, 503,
                                        summary=f"{DOWN.get(exc.what, '')} Нищо не е изпратено отново.")
        if not outcome.ok:
            return views.operators_page(self.app, session, 422, summary=outcome.summary)
        return views.operators_page(self.app, session, replayed=outcome.result["what"])

    @http("GET", "/overdue.csv")
    @page_errors
    def overdue_csv(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        if not session.person.may_change_stages:
            return views.page("message.html", session, 403, title="Няма достъп", message=NO_RIGHT, back="/")
        try:
            items = self.app.workspace.overdue(session.person)
        except Unavailable as exc:
            return views.down(session, exc, "Списъкът не може да бъде изтеглен.", "/overdue")
        today = dt.datetime.now(pages.zone()).date()
        return pages.csv(worklist.csv_bytes(items, days_late=True), f"prosrocheni-{today.isoformat()}.csv")

    # --- the satisfaction survey's results ----------------------------------------------------

    @http("GET", "/surveys")
    @page_errors
    def surveys(self, request):
        """Officials and admins: survey results per catalogue service and unit, with a chart."""
        session, answer = self._signed_in(request)
        if answer:
            return answer
        if not session.person.may_change_stages:
            return views.page("message.html", session, 403, title="Няма достъп", message=NO_RIGHT, back="/")
        try:
            summary = self.app.workspace.services.survey_summary(session.person)
        except Unavailable as exc:
            return views.down(session, exc, "Резултатите не могат да бъдат показани.", "/")
        return views.page("surveys.html", session, title="Оценка на обслужването", summary=summary,
                          bars=surveys.bars, percent=surveys.percent)

    @http("GET", "/surveys.csv")
    @page_errors
    def surveys_csv(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        if not session.person.may_change_stages:
            return views.page("message.html", session, 403, title="Няма достъп", message=NO_RIGHT, back="/")
        try:
            rows = self.app.workspace.services.survey_answers(session.person)
        except Unavailable as exc:
            return views.down(session, exc, "Отговорите не могат да бъдат изтеглени.", "/surveys")
        today = dt.datetime.now(pages.zone()).date()
        return pages.csv(surveys.csv_bytes(rows, pages.zone()), f"anketi-{today.isoformat()}.csv")

    # --- the incoming journal -----------------------------------------------------------------

    @http("GET", "/journal")
    @page_errors
    def journal(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        form = views.journal_form(self.app, request)
        try:
            outcome = self.app.workspace.journal(session.person, form, request.args.get("after", "").strip())
        except Unavailable as exc:
            return views.down(session, exc, "Дневникът не може да бъде показан.", "/")
        return views.journal_page(session, form, outcome)

    @http("GET", "/journal.csv")
    @page_errors
    def journal_csv(self, request):
        session, answer = self._signed_in(request)
        if answer:
            return answer
        form = views.journal_form(self.app, request)
        try:
            outcome = self.app.workspace.journal_rows(session.person, form)
        except Unavailable as exc:
            return views.down(session, exc, "Дневникът не може да бъде изтеглен.", "/journal")
        if not outcome.ok:
            return views.journal_page(session, form, outcome)
        return pages.csv(views.journal_csv(outcome.result["items"]), views.journal_file_name(form))

    @timer(interval=300)
    def sweep(self):
        self.app.sessions.throttle.sweep()
        sweep = getattr(self.app.sessions.store, "sweep", None)
        if sweep:
            sweep(self.app.sessions.idle)


def _stage(value: str):
    from delovod_proto.vocabulary import CaseStage

    try:
        return CaseStage(value)
    except ValueError:
        return value
