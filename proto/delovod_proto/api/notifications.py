"""Notifications' operators' API: the notifications given up on, and sending one again; an
official's preview of a letter; the post room's daily batch."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from ..base import WireModel
from ..events import Official
from ..vocabulary import CaseStage
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


# -- letters: an official's preview before a transition; the post room's daily batch ----------
class LetterPreviewRequest(WireModel):
    """The transition an official is about to make; the letter comes back exactly as it would be sent."""

    case_index: str = Field(min_length=1, max_length=100, description="Index of the case")
    stage: CaseStage = Field(description="The stage the case would move to")
    reason: Optional[str] = Field(None, max_length=2000, description="Why (Bulgarian), as the citizen would read it")
    due_date: Optional[dt.date] = Field(None, description="The new due date, when the transition moves it")
    official: Optional[Official] = Field(None, description="The responsible official after the transition "
                                                           "(null: the one the case has)")


class LetterPreview(WireModel):
    case_index: str = Field(description="Index of the case")
    stage: CaseStage = Field(description="The stage the letter announces")
    channel: Optional[str] = Field(None, description="The citizen's chosen channel (email, sms, post, none); "
                                                     "null while the case's sender is not known here")
    subject: str = Field(description="The subject line, as sent")
    body: str = Field(description="The text, as sent (plain text)")


class PostBatchPath(WireModel):
    day: dt.date = Field(description="The day whose letters the batch holds (the administration's date)")


class PostBatch(WireModel):
    day: dt.date = Field(description="The day whose letters the batch holds")
    letters: int = Field(ge=0, description="How many letters were filed that day")
    ready: bool = Field(description="False while the day runs (the batch is built once it is over)")
    object_key: Optional[str] = Field(None, description="The merged PDF in the post room's bucket, once ready")
    url: Optional[str] = Field(None, description="A time-limited link to the merged PDF, once ready")


OPERATIONS = (
    Operation("GET", "/api/v1/notifications/dead", "deadNotifications", "The notifications given up on (admins)",
              {200: Reply("The dead notifications", DeadNotifications)}, roles=("admin",)),
    Operation("POST", "/api/v1/notifications/{notification_id}/replay", "replayNotification",
              "Send a dead notification again (admins)", {202: Reply("Queued again", ReplayAccepted)},
              roles=("admin",), path_params=NotificationPath, errors=(404,)),
    Operation("POST", "/api/v1/notifications/preview", "previewLetter",
              "The letter a transition would send, exactly as sent (officials)",
              {200: Reply("The letter", LetterPreview)}, roles=("official", "admin"), body=LetterPreviewRequest,
              errors=(422,)),
    Operation("GET", "/api/v1/notifications/post-room/{day}", "postBatch",
              "The post room's batch of one day: letters filed, and the merged PDF once the day is over",
              {200: Reply("The day's batch", PostBatch)}, roles=("clerk", "admin"), path_params=PostBatchPath,
              errors=(400,)),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
