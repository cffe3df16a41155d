"""What every desk page route does around its use case, written once: the session cookie, the
signed-in check (with the role a page needs), the CSRF check of a posted form, and a service's
outage or refusal turned into a Bulgarian page. A route itself only parses the request, calls
the workspace and renders."""
from __future__ import annotations

import functools
from typing import Callable, Optional

from werkzeug.wrappers import Response

from servicekit.pages import from_another_site

from ..service_layer.ports import Refused, Unavailable
from . import pages, views
from .views import DOWN, FORGED, NO_RIGHT


class Answered(Exception):
    """A page a route answers with at once (the sign-in page, a refused form, a missing right);
    :func:`page` returns it. Raised by the helpers below, never outside a route."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def page(*, may: Optional[str] = None, down: Optional[tuple[str, str]] = None,
         refused: Optional[tuple[str, Optional[str]]] = None, signed_out: Optional[Callable] = None):
    """Decorator of a page route, below ``@http`` and ``@page_errors``: the route runs as
    ``fn(self, request, session, **path)`` for a signed-in person, else the sign-in page answers
    (``signed_out(self, request, expired)`` instead, when given).

    ``may``: the :class:`~desk.domain.people.Person` right the page needs (``"may_operate"``);
    without it, 403 with a Bulgarian page. ``down``: (what was not done, where to go back) when a
    service the route calls does not answer. ``refused``: (title, where to go back) of the page
    showing a service's refusal. Without them, an outage or a refusal is a failure of the page."""
    def decorate(fn):
        @functools.wraps(fn)
        def route(self, request, **path):
            try:
                session = self.signed_in(request, signed_out)
            except Answered as answer:
                return answer.response
            if may and not getattr(session.person, may):
                return views.page("message.html", session, 403, title="Няма достъп", message=NO_RIGHT, back="/")
            try:
                return fn(self, request, session, **path)
            except Answered as answer:
                return answer.response
            except Unavailable as exc:
                if down is None:
                    raise
                return views.down(session, exc, *down)
            except Refused as exc:
                if refused is None:
                    raise
                title, back = refused
                return views.page("message.html", session, exc.status, title=title, message=exc.detail, back=back)
        return route
    return decorate


def settled(outcome_of: Callable, on_form: Callable[..., Response], not_done: str, *, retry_after: bool = False,
            **on_refusal):
    """The result of a form's use case (an Outcome); else :class:`Answered` with the form again:
    503 naming the service that did not answer and what was not done, or 422 with the
    refusal's summary and field errors (and ``on_refusal``'s context), or the refusal's own status."""
    try:
        outcome = outcome_of()
    except Unavailable as exc:
        raise Answered(on_form(503, summary=f"{DOWN.get(exc.what, '')} {not_done}",
                               **({"extra_headers": {"Retry-After": "60"}} if retry_after else {})))
    if not outcome.ok:
        raise Answered(on_form(outcome.status, summary=outcome.summary, errors=outcome.errors, **on_refusal))
    return outcome.result


def fields(form, *names: str) -> dict:
    """The named fields of a posted form, trimmed (missing ones empty)."""
    return {name: form.get(name, "").strip() for name in names}


class DeskPages:
    """The base of the desk's page classes: the session cookie and the checks every route makes."""

    @property
    def cookie_name(self) -> str:
        return "__Host-desk" if self.app.settings.cookie_secure else "desk_session"

    def _session(self, request):
        return self.app.sessions.current(request.cookies.get(self.cookie_name))

    def _set_cookie(self, response, session):
        response.set_cookie(self.cookie_name, session.id, httponly=True, samesite="Strict",
                            secure=self.app.settings.cookie_secure, path="/")
        return response

    def signed_in(self, request, signed_out: Optional[Callable] = None):
        """The signed-in person's session, else :class:`Answered` with the sign-in page."""
        session, expired = self._session(request)
        if session is None or session.person is None:
            if signed_out is not None:
                raise Answered(signed_out(self, request, expired))
            raise Answered(pages.redirect("/signin?expired=1" if expired else "/signin"))
        return session

    def _posted(self, request, session) -> bool:
        """A form of this site with this session's CSRF token."""
        return not from_another_site(request) and session.csrf_matches(request.form.get("csrf"))

    def posted(self, request, session, on_form: Callable[..., Response]) -> None:
        """:class:`Answered` with the form refused (403) unless it is this site's, with this
        session's CSRF token."""
        if not self._posted(request, session):
            raise Answered(on_form(403, summary=FORGED))
