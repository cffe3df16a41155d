"""In-memory notification repository for unit tests."""
from __future__ import annotations

import copy
import datetime as dt
from typing import Optional

from delovod_proto.events import Contact
from servicekit.outbox import InMemoryOutbox

from ..service_layer.dispatcher import Notification


class InMemoryNotificationRepository:
    def __init__(self):
        self.recipients: dict[str, Contact] = {}
        self.items: dict[str, Notification] = {}
        self.outbox = InMemoryOutbox()

    def save_recipient(self, case_index: str, contact: Contact) -> None:
        self.recipients[case_index] = contact

    def recipient(self, case_index: str) -> Optional[Contact]:
        return self.recipients.get(case_index)

    def add(self, n: Notification) -> bool:
        if n.id in self.items:
            return False
        self.items[n.id] = copy.deepcopy(n)
        self.items[n.id].queued_at = n.queued_at or n.next_attempt_at
        return True

    def claim_due(self, now, lease, case_index=None) -> Optional[Notification]:
        for n in self.items.values():
            if n.status == "pending" and n.next_attempt_at <= now and case_index in (None, n.case_index):
                claimed = copy.deepcopy(n)
                n.next_attempt_at = now + lease
                return claimed
        return None

    def finish(self, n: Notification, events) -> None:
        self.items[n.id] = copy.deepcopy(n)
        self.outbox.extend(events)

    def dead(self) -> list[Notification]:
        return [n for n in self.items.values() if n.status == "dead"]

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        n = self.items.get(notification_id)
        if n is None or n.status != "dead":
            return False
        n.status, n.attempts, n.next_attempt_at, n.queued_at = "pending", 0, now, now
        return True
