"""Notifications' operators' API: the notifications given up on, and sending one again."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from ..base import WireModel
from .common import Health, Operation, Ready, Reply


class DeadNotification(WireModel):
    id: str = Field(description="The notification's id (the event it was made for)")
    case_index: str = Field(description="Index of the case it is about")
    attempts: int = Field(ge=0, description="How many attempts failed")
    last_error: Optional[str] = Field(None, description="Why the last attempt failed (no contact data)")
    channel: Optional[str] = Field(None, description="email, sms, post or none")


class DeadNotifications(WireModel):
    items: list[DeadNotification] = Field(description="Every notification that failed for good")


class NotificationPath(WireModel):
    notification_id: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,199}$", description="The event id it was made for")


class ReplayAccepted(WireModel):
    id: str = Field(description="The notification's id")
    status: Literal["pending"] = Field(description="It will be sent again by the next dispatch")


OPERATIONS = (
    Operation("GET", "/api/v1/notifications/dead", "deadNotifications", "The notifications given up on (admins)",
              {200: Reply("The dead notifications", DeadNotifications)}, roles=("admin",)),
    Operation("POST", "/api/v1/notifications/{notification_id}/replay", "replayNotification",
              "Send a dead notification again (admins)", {202: Reply("Queued again", ReplayAccepted)},
              roles=("admin",), path_params=NotificationPath, errors=(404,)),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
