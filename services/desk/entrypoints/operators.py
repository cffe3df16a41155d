"""The operators' page (admins): the registry's calendar exceptions (add a row, remove one, who
changed what), what every service gave up on, and sending one again."""
from __future__ import annotations

import functools
from typing import Callable

from nameko.web.handlers import http

from servicekit.pages import page_errors

from ..domain.calendar_form import ExceptionForm
from ..service_layer.calendar_exceptions import NOT_SAVED as CALENDAR_NOT_SAVED
from . import views
from .routes import DeskPages, page, settled


class OperatorPages(DeskPages):
    @http("GET", "/operators")
    @page_errors
    @page(may="may_operate")
    def operators(self, request, session):
        return views.operators_page(self.app, session)

    @http("POST", "/operators/replay")
    @page_errors
    @page(may="may_operate")
    def replay(self, request, session):
        """Send one dead notification (``notification``) or Kafka dead letter (``dead_letter``) again."""
        notification, dead_letter = request.form.get("notification", ""), request.form.get("dead_letter", "")
        operators, person = self.app.operators, session.person
        replayed = self._done(request, session, lambda: operators.replay_notification(person, notification)
                              if notification else operators.replay_dead_letter(person, dead_letter),
                              "Нищо не е изпратено отново.")
        return views.operators_page(self.app, session, replayed=replayed["what"])

    @http("POST", "/operators/calendar")
    @page_errors
    @page(may="may_operate")
    def add_calendar_exception(self, request, session):
        """A row added to the calendar exceptions (``exception_date``, ``exception_kind``,
        ``exception_reason``), sent with the table's ``version`` the page showed."""
        form, version = ExceptionForm.from_form(request.form), request.form.get("version", "")
        table = self._done(request, session, lambda: self.app.calendar.add(session.person, form, version),
                           CALENDAR_NOT_SAVED, values=form.values)
        return views.operators_page(self.app, session, calendar_changed=_saved(table))

    @http("POST", "/operators/calendar/remove")
    @page_errors
    @page(may="may_operate")
    def remove_calendar_exception(self, request, session):
        """The row of ``date`` removed, with the table's ``version`` the page showed."""
        date, version = request.form.get("date", ""), request.form.get("version", "")
        table = self._done(request, session, lambda: self.app.calendar.remove(session.person, date, version),
                           CALENDAR_NOT_SAVED)
        return views.operators_page(self.app, session, calendar_changed=_saved(table))

    def _done(self, request, session, use_case: Callable, not_done: str, **on_page) -> dict:
        """The result of a form of the page (CSRF checked first), else the page with why not."""
        on_form = functools.partial(views.operators_page, self.app, session, **on_page)
        self.posted(request, session, on_form)
        return settled(use_case, on_form, not_done)


def _saved(table: dict) -> str:
    return f"Записана е версия {table['version']} на таблицата."
