"""The operators' page (admins): the registry's calendar exceptions with who changed what
(edited in calendar_exceptions), and what every service gave up on, with the reason, and
sending one again. Notifications' dead notifications through its API (the admin's own token);
Kafka's dead letters (every consumer's) through servicekit.dead_letters. Each part answers on
its own: one that is down does not hide the others. Every replay is logged with who asked for it."""
from __future__ import annotations

import logging
import re
from typing import Optional

from servicekit import logs

from ..domain.people import Person
from .ports import DeadLetterTopic, Refused, Services, Unavailable
from .workspace import Outcome

log = logging.getLogger(__name__)
WHERE = re.compile(r"\d{1,6}:\d{1,19}")


class Operators:
    def __init__(self, services: Services, topic: Optional[DeadLetterTopic]):
        self.services, self.topic = services, topic

    def overview(self, person: Person) -> dict:
        """{"calendar": the registry's CalendarTable or None, "notifications": rows or None,
        "kafka": rows or None, "down": [what did not answer]}."""
        view: dict = {"calendar": None, "notifications": None, "kafka": None, "down": []}
        try:
            view["calendar"] = self.services.calendar(person)
        except (Unavailable, Refused) as exc:
            view["down"].append(getattr(exc, "what", "registry"))
        try:
            view["notifications"] = self.services.dead_notifications(person)
        except (Unavailable, Refused) as exc:
            view["down"].append(getattr(exc, "what", "notifications"))
        if self.topic is not None:
            try:
                view["kafka"] = self.topic.letters()
            except Unavailable as exc:
                view["down"].append(exc.what)
        return view

    def replay_notification(self, person: Person, notification_id: str) -> Outcome:
        try:
            answer = self.services.replay_notification(person, notification_id.strip())
        except Refused as exc:
            return Outcome(summary=f"Известието не е изпратено отново. {exc.detail}")
        logs.event(log, "dead_notification_replayed", notification=notification_id, by=person.uid)
        return Outcome(result={"what": f"Известието {answer['id']} ще бъде изпратено отново."})

    def replay_dead_letter(self, person: Person, where: str) -> Outcome:
        where = where.strip()
        if not WHERE.fullmatch(where) or self.topic is None:
            return Outcome(summary="Няма такова мъртво писмо.")
        letter = self.topic.replay(where)
        if letter is None:
            return Outcome(summary=f"Няма мъртво писмо {where}.")
        logs.event(log, "dead_letter_replayed", dead_letter=where, consumer=letter["consumer"], by=person.uid)
        return Outcome(result={"what": f"Събитието от {letter['topic']} ({letter['at']}) е изпратено отново "
                                       f"към {letter['consumer']}."})
