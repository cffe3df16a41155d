"""The operators' page (admins): the registry's calendar exceptions (add a row, remove one, who
changed what), what every service gave up on, and sending one again."""
from __future__ import annotations

import functools

from nameko.web.handlers import http

from servicekit.pages import page_errors

from ..domain.calendar_form import ExceptionForm
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
        on_form = functools.partial(views.operators_page, self.app, session)
        self.posted(request, session, on_form)
        notification, dead_letter = request.form.get("notification", ""), request.form.get("dead_letter", "")
        operators, person = self.app.operators, session.person
        replayed = settled(lambda: operators.replay_notification(person, notification) if notification
                           else operators.replay_dead_letter(person, dead_letter),
                           on_form, "Нищо не е изпратено отново.")
        return views.operators_page(self.app, session, replayed=replayed["what"])

    @http("POST", "/operators/calendar")
    @page_errors
    @page(may="may_operate")
    def add_calendar_exception(self, request, session):
        """A row added to the calendar exceptions (``exception_date``, ``exception_kind``,
        ``exception_reason``), sent with the table's ``version`` the page showed."""
        form = ExceptionForm.from_form(request.form)
        on_form = functools.partial(views.operators_page, self.app, session, values=form.values)
        self.posted(request, session, on_form)
        table = settled(lambda: self.app.calendar.add(session.person, form, request.form.get("version", "")),
                        on_form, "Промяната в календара не е записана.")
        return views.operators_page(self.app, session, calendar_changed=f"Записана е версия {table['version']} "
                                                                      f"на таблицата.")

    @http("POST", "/operators/calendar/remove")
    @page_errors
    @page(may="may_operate")
    def remove_calendar_exception(self, request, session):
        """The row of ``date`` removed, with the table's ``version`` the page showed."""
        on_form = functools.partial(views.operators_page, self.app, session)
        self.posted(request, session, on_form)
        table = settled(lambda: self.app.calendar.remove(session.person, request.form.get("date", ""),
                                                         request.form.get("version", "")),
                        on_form, "Промяната в календара не е записана.")
        return views.operators_page(self.app, session, calendar_changed=f"Записана е версия {table['version']} "
                                                                      f"на таблицата.")
