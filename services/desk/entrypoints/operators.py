"""The operators' page (admins): what every service gave up on, and sending one again."""
from __future__ import annotations

import functools

from nameko.web.handlers import http

from servicekit.pages import page_errors

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
