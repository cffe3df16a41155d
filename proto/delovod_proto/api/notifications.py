"""Notifications' API: the notifications given up on and sending one again (operators); an
official's preview of a letter; the post room's daily batch; each try to reach the citizen
of a case (staff; the case history); the SMS gateway's delivery reports (Kannel calls the
``dlr-url`` each SMS carries)."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from ..base import WireModel
from ..events import Official
from ..vocabulary import CaseStage
from .common import STAFF, Health, Operation, Ready, Reply

NOTIFICATION_ID = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,199}$"


class DeadNotification(WireModel):
    id: str = Field(description="The notification's id (the event it was made for)")
    case_index: str = Field(description="Index of the case it is about")
    attempts: int = Field(ge=0, description="How many attempts failed")
    last_error: Optional[str] = Field(None, description="Why the last attempt failed (no contact data)")
    channel: Optional[str] = Field(None, description="email, sms, post or none")


class DeadNotifications(WireModel):
    items: list[DeadNotification] = Field(description="Every notification that failed for good")


class NotificationPath(WireModel):
    notification_id: str = Field(pattern=NOTIFICATION_ID, description="The event id it was made for")


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


# -- SMS delivery reports and each case's attempts (channel fallback with proof) -------------
class AttemptsQuery(WireModel):
    case_index: str = Field(min_length=3, max_length=100, description="Index of the case")


class NotificationAttempt(WireModel):
    """One try to reach the citizen and what came of it."""

    notification_id: str = Field(description="The notification (the event it was made for)")
    channel: Literal["email", "sms", "post"] = Field(description="The channel tried")
    outcome: Literal["handed", "sent", "delivered", "failed", "expired", "refused", "error", "deferred", "ignored",
                     "contact_changed", "bounced", "delayed"] = Field(
        description="handed: accepted by the SMS gateway, report awaited; sent: accepted by the mail relay or the "
                    "post room; delivered/failed/expired: the operator's delivery report; refused: the address refused "
                    "for good (the next channel is tried); error: a passing failure (retried); deferred: quiet hours "
                    "(21:00-08:00); ignored: a late or repeated report; contact_changed: the citizen confirmed a new "
                    "address for this channel (detail: the address, masked); bounced: a delivery status notification "
                    "came back for the email (detail: its status code first; the next channel is tried); delayed: the "
                    "remote mail server reported a delay and keeps trying")
    at: dt.datetime = Field(description="When (UTC)")
    summary: str = Field(description="The line for the case history, in Bulgarian and local time")
    detail: Optional[str] = Field(None, description="Why, or the operator's message id (no contact data)")
    segments: Optional[int] = Field(None, ge=1, description="SMS parts billed (UCS-2: 70, then 67 per part)")


class NotificationAttempts(WireModel):
    case_index: str = Field(description="Index of the case")
    items: list[NotificationAttempt] = Field(description="Every attempt, oldest first")


class SmsReportQuery(WireModel):
    """What Kannel puts in the ``dlr-url`` (our id and its signature, then its %-escapes)."""

    n: str = Field(pattern=NOTIFICATION_ID, description="Our notification id")
    sig: str = Field(pattern=r"^[0-9a-f]{64}$", description="HMAC-SHA256 of the id, proving the URL is ours")
    type: Literal["1", "2", "4", "8", "16"] = Field(description="Kannel's report type: 1 delivered, 2 not delivered, "
                                                      "4 buffered, 8 accepted by the SMSC, 16 refused by the SMSC")
    report: Optional[str] = Field(None, max_length=1000, description="The SMSC's report text (%A)")
    smsc_id: Optional[str] = Field(None, max_length=200, description="The operator's message id (%F)")
    at: Optional[int] = Field(None, ge=0, description="When the SMSC reported, Unix time (%T)")


class SmsReportAccepted(WireModel):
    id: str = Field(description="The notification")
    result: Literal["delivered", "failed", "expired", "ignored"] = Field(
        description="What the report did: failed or expired start the next channel; ignored changed nothing")


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
    Operation("GET", "/api/v1/notifications/attempts", "notificationAttempts",
              "Each try to reach the citizen of a case and its outcome (staff; the case history)",
              {200: Reply("The attempts", NotificationAttempts)}, roles=STAFF, query=AttemptsQuery, errors=(400,)),
    Operation("GET", "/api/v1/notifications/sms-reports", "smsDeliveryReport",
              "An SMS delivery report (Kannel calls each SMS's dlr-url)",
              {200: Reply("Applied or recorded", SmsReportAccepted)}, query=SmsReportQuery, errors=(400, 403, 404)),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
