"""In-memory notification repository for unit tests."""
from __future__ import annotations

import copy
import datetime as dt
from typing import Optional

from delovod_proto.events import Contact
from servicekit.outbox import InMemoryOutbox

from ..domain.attempts import Attempt
from ..service_layer.dispatcher import Busy, Notification


class InMemoryNotificationRepository:
    def __init__(self):
        self.recipients: dict[str, Contact] = {}
        self.items: dict[str, Notification] = {}
        self.outbox = InMemoryOutbox()
        self.attempts: list[Attempt] = []
        self.rejected_reports: list[dict] = []
        self.leased: set[str] = set()

    def save_recipient(self, case_index: str, contact: Contact) -> None:
        self.recipients.setdefault(case_index, contact)  # the first is kept, as in MongoDB

    def recipient(self, case_index: str) -> Optional[Contact]:
        return self.recipients.get(case_index)

    def replace_recipient(self, case_index: str, contact: Contact) -> None:
        self.recipients[case_index] = contact

    def add(self, n: Notification) -> bool:
        if n.id in self.items:
            return False
        self.items[n.id] = copy.deepcopy(n)
        self.items[n.id].queued_at = n.queued_at or n.next_attempt_at
        return True

    def add_claimed(self, n: Notification) -> bool:
        if n.id in self.leased or not self.add(n):
            return False
        self.leased.add(n.id)
        return True

    def claim_due(self, now, lease, case_index=None) -> Optional[Notification]:
        for n in self.items.values():
            if (n.status == "pending" and n.next_attempt_at <= now and case_index in (None, n.case_index)
                    and n.id not in self.leased):
                claimed = copy.deepcopy(n)
                n.next_attempt_at = now + lease
                self.leased.add(n.id)
                return claimed
        return None

    def claim(self, notification_id: str) -> Optional[Notification]:
        if notification_id in self.leased:
            raise Busy(notification_id)
        n = self.items.get(notification_id)
        if n is None or n.status != "pending":
            return None
        self.leased.add(notification_id)
        return copy.deepcopy(n)

    def hold(self, n: Notification) -> None:
        self.items[n.id] = copy.deepcopy(n)

    def finish(self, n: Notification, events) -> None:
        self.items[n.id] = copy.deepcopy(n)
        self.outbox.extend(events)
        self.leased.discard(n.id)

    def case_of(self, notification_id: str) -> Optional[str]:
        n = self.items.get(notification_id)
        return n.case_index if n else None

    def record(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)

    def history(self, case_index: str) -> list[Attempt]:
        return [a for a in self.attempts if a.case_index == case_index]  # in the order recorded

    def reject_report(self, notification_id: str, reason: str, raw: dict) -> None:
        self.rejected_reports.append({"notification_id": notification_id, "reason": reason, "raw": raw})

    def dead(self) -> list[Notification]:
        return [n for n in self.items.values() if n.status == "dead"]

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        n = self.items.get(notification_id)
        if n is None or n.status != "dead":
            return False
        n.status, n.attempts, n.next_attempt_at, n.queued_at, n.tried = "pending", 0, now, now, []
        return True

    def finished(self, notification_id: str) -> Optional[Notification]:
        n = self.items.get(notification_id)
        return copy.deepcopy(n) if n is not None and n.status != "pending" else None

    def reopen(self, n: Notification) -> bool:
        if n.id in self.leased:
            raise Busy(n.id)
        current = self.items.get(n.id)
        if current is None or current.status != "sent" or current.channel != n.channel:
            return False
        self.items[n.id] = copy.deepcopy(n)
        return True
