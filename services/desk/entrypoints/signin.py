"""Signing in and out, and the home page."""
from __future__ import annotations

from nameko.web.handlers import http

from servicekit.http import client_address
from servicekit.pages import page_errors

from ..service_layer.ports import SignInRefused, Unavailable
from ..service_layer.throttle import TooManyFailures
from . import pages, views
from .routes import DeskPages, page
from .views import EXPIRED, FORGED, SIGNIN_REFUSED


class SignInPages(DeskPages):
    @http("GET", "/")
    @page_errors
    @page()
    def home(self, request, session):
        return views.page("home.html", session, title="Начало")

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
        refused = _refusal(session, username)
        try:
            signed_in = self.app.sessions.sign_in(session, username, request.form.get("password", ""),
                                                  client_address(request))
        except SignInRefused:
            return refused(401, summary=SIGNIN_REFUSED)
        except TooManyFailures as exc:
            return refused(429, summary=f"Твърде много неуспешни опити. Опитайте отново след "
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


def _refusal(session, username: str):
    """The sign-in form again with what was typed (never the password) and why not."""
    def refused(status: int, **context):
        return pages.render("signin.html", status, title="Вход", csrf=session.csrf, username=username, **context)
    return refused
