"""Event bodies carried in ``Envelope.data``. Each names its topic and schema version.

Personal data rule: no event carries a civil number (ЕГН/ЛНЧ); contact data travels
only where the receiving service needs it to keep the Charter's contact promise.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, ClassVar, Optional

from pydantic import Field

from . import topics
from .envelope import EventBody
from .base import WireModel
from .vocabulary import (CaseStage, ContactChannel, DocumentKind, ReceivedChannel, Salutation,
                         ServiceVariant, TermUnit)


class Contact(WireModel):
    """How to reach a sender; never holds a civil number."""

    name: str = Field(max_length=300, description="Person's names or organisation name")
    preferred_channel: ContactChannel = Field(description="Channel the sender chose for answers")
    email: Optional[str] = Field(None, max_length=254, description="Email address, if given")
    phone: Optional[str] = Field(None, max_length=20, description="Phone in E.164, if given")
    postal_address: Optional[str] = Field(None, max_length=500, description="Postal address, if given")
    salutation: Optional[Salutation] = Field(None, description="Form of address the person gave: mr (г-н) or ms (г-жа): letters "
                                                               "open \"Уважаеми г-н <фамилия>,\" or \"Уважаема г-жо "
                                                               "<фамилия>,\"; null: a neutral \"Здравейте, <име>,\"")


class Official(WireModel):
    """The staff member responsible for a case, as the directory names them: every letter and
    the citizen's status page name them with a phone and an email (Client Charter)."""

    username: str = Field(max_length=64, description="Directory account (uid / sAMAccountName)")
    name: str = Field(max_length=300, description="Full name, as letters print it")
    unit: Optional[str] = Field(None, max_length=300, description="Administrative unit the official works in")
    phone: Optional[str] = Field(None, max_length=40, description="Work phone, as letters print it")
    email: Optional[str] = Field(None, max_length=254, description="Work email")


class DocumentRegistered(EventBody):
    """A document got its registration index (published by registry via its outbox)."""

    TOPIC: ClassVar[str] = topics.DOCUMENTS_REGISTERED

    registration_id: uuid.UUID = Field(description="Registry's id of the registration")
    registration_index: str = Field(description="Index as displayed, e.g. 'ЖЛБ-12/25.11.2026'")
    register_code: str = Field(description="Register code the number belongs to")
    year: int = Field(description="Year of the register's numbering")
    number: int = Field(ge=1, description="Number within register and year (gap-free)")
    case_index: str = Field(description="Index of the case (equals registration_index unless a follow-up)")
    registered_at: dt.datetime = Field(description="Moment of registration (UTC); starts the term")
    kind: DocumentKind = Field(description="What the document is (complaint, application, ...): decides its register and its term")
    channel: ReceivedChannel = Field(description="How the document came in (counter, post, email, e-portal, ...)")
    subject: str = Field(max_length=1000, description="What the document is about, as the clerk or the portal entered it")
    service_code: Optional[str] = Field(None, description="Catalogue service code for applications")
    service_version: Optional[int] = Field(None, description="Catalogue version bound to the case")
    due_date: Optional[dt.date] = Field(None, description="Statutory due date; None for follow-ups and box items")
    term_rule: Optional[str] = Field(None, description="Which rule produced the due date")
    term_unit: Optional[TermUnit] = Field(None, description="Unit of that term: a suspended case resumes counting "
                                                           "the rest of its term in the same unit")
    term_end: Optional[dt.date] = Field(None, description="The term's last day by count, before a move off a non-working "
                                                          "day (due_date); what is left of a suspended term counts to it")
    access_code_hash: str = Field(description="Keyed hash of the citizen's access code (delovod_proto.access_code)")
    sender: Contact = Field(description="Who sent it and how to reach them (never a civil number)")
    responsible_unit: Optional[str] = Field(None, description="Administrative unit responsible for the service (from the catalogue), for applications; null otherwise")


class AccessCodeReissued(EventBody):
    """A clerk gave the citizen a new access code for a case; the old one no longer opens it.
    Keyed by the case index; the case may not be open in status yet when this arrives."""

    TOPIC: ClassVar[str] = topics.ACCESS_CODES_REISSUED

    case_index: str = Field(description="Index of the case whose code changed")
    access_code_hash: str = Field(description="Keyed hash of the new code (the code itself never travels)")
    code_version: int = Field(ge=1, description="1 for the first reissue of the case, then 2, ...; the highest wins")
    reissued_at: dt.datetime = Field(description="When (UTC)")


class CaseStatusChanged(EventBody):
    """A case moved to a new stage (published by status)."""

    TOPIC: ClassVar[str] = topics.CASES_STATUS_CHANGED

    case_index: str = Field(description="Index of the case")
    stage: CaseStage = Field(description="The stage the case is in now")
    previous_stage: Optional[CaseStage] = Field(None, description="The stage it left; null for the first stage")
    changed_at: dt.datetime = Field(description="When it changed (UTC)")
    due_date: Optional[dt.date] = Field(None, description="The due date in force after this change")
    previous_due_date: Optional[dt.date] = Field(None, description="The due date before it, when this change moved it "
                                                                   "(an extension, or a suspension's end)")
    reason: Optional[str] = Field(None, max_length=2000, description="Why (Bulgarian), shown to the citizen")
    subject: str = Field(max_length=1000, description="The case's subject, for the message to the citizen")
    official: Optional[Official] = Field(None, description="The official responsible for the case after this change "
                                                           "(null until the case is assigned)")
    survey_url: Optional[str] = Field(None, max_length=500, description="The citizen's one-time link to the "
                                      "satisfaction survey (Client Charter); set only when the case closes")
    stage_label: Optional[str] = Field(None, max_length=200, description="The stage's public label (Bulgarian) in "
                                       "the stage set version bound to the case; null from older publishers")
    stage_labels: Optional[dict[CaseStage, Annotated[str, Field(max_length=200)]]] = Field(
        None, max_length=20, description="The public label of every stage of that version (a letter previewed "
                                         "before a transition names the stage as the letter sent after it will)")


class CaseOverdue(EventBody):
    """A case's due date passed without an answer (published by status's deadline watch,
    once per case and due date: an extension that moves the date can make it overdue again).
    No answer in the term is a tacit refusal unless a law says otherwise (АПК чл. 58)."""

    TOPIC: ClassVar[str] = topics.CASES_OVERDUE

    case_index: str = Field(description="Index of the overdue case")
    subject: str = Field(max_length=1000, description="The case's subject")
    kind: str = Field(description="The document kind that opened the case (delovod_proto.vocabulary.DocumentKind)")
    stage: CaseStage = Field(description="The stage it is stuck in")
    due_date: dt.date = Field(description="The due date that passed")
    days_overdue: int = Field(ge=1, description="Calendar days since the due date, when it was seen")
    seen_at: dt.datetime = Field(description="When the deadline watch saw it (UTC)")


class EportalAttachment(WireModel):
    """A file the e-portal already put into object storage."""

    bucket: str = Field(description="Bucket the portal put the file into")
    object_key: str = Field(description="Object key of the file in that bucket")
    file_name: str = Field(max_length=255, description="The file's name as the citizen uploaded it")


class EportalSubmission(EventBody):
    """A citizen's submission through the e-services portal (consumed by registry)."""

    TOPIC: ClassVar[str] = topics.EPORTAL_SUBMISSIONS

    submission_id: str = Field(min_length=1, max_length=100, description="Portal's id; registration is idempotent on it")
    submitted_at: dt.datetime = Field(description="When the citizen submitted it on the portal (UTC)")
    kind: DocumentKind = Field(description="What the submission is (complaint, application, ...)")
    service_code: Optional[str] = Field(None, description="Catalogue service code, for an application for an administrative service")
    variant: ServiceVariant = Field(ServiceVariant.ORDINARY, description="Service variant the citizen chose (ordinary, fast, express): decides term and fee")
    subject: str = Field(min_length=1, max_length=1000, description="What the submission is about")
    applicant: Contact = Field(description="Who applied and how to reach them (never a civil number)")
    attachments: list[EportalAttachment] = Field(default_factory=list, description="Files already in object storage, registered with the submission as its scans")


class EportalReceipt(EventBody):
    """Registry's answer to one portal submission: its index and due date."""

    TOPIC: ClassVar[str] = topics.EPORTAL_RECEIPTS

    submission_id: str = Field(description="The portal's id of the submission this answers")
    registration_index: str = Field(description="The index the submission was registered under")
    registered_at: dt.datetime = Field(description="Moment of registration (UTC); starts the term")
    due_date: Optional[dt.date] = Field(None, description="Statutory due date; null when no term applies")


class NotificationDelivered(EventBody):
    """A message about a case left our hands for the citizen's chosen channel."""

    TOPIC: ClassVar[str] = topics.NOTIFICATIONS_DELIVERED

    notification_id: uuid.UUID = Field(description="Notifications' id of the message")
    case_index: str = Field(description="Index of the case the message is about")
    channel: ContactChannel = Field(description="Channel it left through (email, sms, post)")
    delivered_at: dt.datetime = Field(description="When the channel accepted it (UTC)")
    attempts: int = Field(ge=1, description="How many attempts it took, this one included")


class BounceReceived(EventBody):
    """A mail that came back to a bounce address (VERP) of an email we sent: as the bounce
    receiver accepted it over SMTP, unparsed (notifications parses and judges it: a delivery
    status notification of a notification of ours, or not). One per bounce address it was
    sent to; keyed by that address, so the bounces of one email are handled in order."""

    TOPIC: ClassVar[str] = topics.NOTIFICATIONS_BOUNCES

    recipient: str = Field(max_length=320, description="The bounce address it was sent to (RCPT TO), which names the notification")
    mail_from: str = Field("", max_length=320, description="Its envelope sender (MAIL FROM; empty for a DSN, as RFC 3464 asks)")
    received_at: dt.datetime = Field(description="When the bounce receiver accepted it (UTC)")
    remote: Optional[str] = Field(None, max_length=300, description="The sending server's address, as the receiver saw it")
    message_b64: str = Field(description="The message as received (headers and body), base64; at most the receiver's limit")
    size: int = Field(ge=0, description="Length of the whole message in bytes")
    truncated: bool = Field(False, description="True when message_b64 holds only the first part of the message (a DSN's report comes before the returned original)")


class CatalogueServiceChanged(EventBody):
    """A catalogue service got a new published version."""

    TOPIC: ClassVar[str] = topics.CATALOGUE_SERVICES_CHANGED

    code: str = Field(description="Catalogue service code")
    version: int = Field(ge=1, description="The new version's number (cases keep the version they were registered with)")
    valid_from: dt.date = Field(description="First day the new version applies")
    name: str = Field(description="The service's name in the new version")


class KafkaHeader(WireModel):
    name: str = Field(description="Header name")
    value_b64: str = Field(description="Header value, base64")


class DeadLetterFieldError(WireModel):
    """Which field of a rejected event was wrong and why; never the field's value."""

    field: str = Field(description="Dotted path of the field, e.g. 'data.applicant.email' ('' for the whole event)")
    message: str = Field(description="What is wrong with it (Bulgarian, as a clerk would be told)")


class StoredOriginal(WireModel):
    """Where a dead letter's original message is kept when it is too large to travel inside
    the dead letter: one JSON object ``{key_b64, headers, value_b64}`` in object storage."""

    bucket: str = Field(description="Bucket holding the original")
    object_key: str = Field(description="Object key of the original in that bucket")


class DeadLetter(EventBody):
    """An event a consumer could not process, kept with the reason (and what it takes to send
    it again unchanged: ``python -m servicekit.dead_letters replay``). The original is inline
    (``original_value_b64``, empty otherwise), or in object storage (``original_stored``) when the dead letter
    would not fit in a Kafka message, or, if neither could be written, only on its own topic
    at ``partition``/``offset``. The reason and errors name fields, never their values."""

    TOPIC: ClassVar[str] = topics.DEAD_LETTERS

    consumer: str = Field(description="Service and handler that gave up")
    original_topic: str = Field(description="Topic the original message came from")
    partition: int = Field(description="Partition of the original message")
    offset: int = Field(description="Offset of the original message in its partition")
    reason: str = Field(description="Why, without any value from the message")
    errors: list[DeadLetterFieldError] = Field(default_factory=list, description="Field by field, for a rejected event")
    original_value_b64: str = Field("", description="The original message bytes, base64; empty when not inline "
                                                    "(original_stored, or only on its topic)")
    original_key_b64: Optional[str] = Field(None, description="The original message key, base64")
    original_headers: list[KafkaHeader] = Field(default_factory=list, description="The original message headers")
    original_size: Optional[int] = Field(None, ge=0, description="Length of the original value in bytes")
    original_sha256: Optional[str] = Field(None, description="SHA-256 of the original value, hex")
    original_stored: Optional[StoredOriginal] = Field(None, description="Where the original is, when not inline")
    failed_at: dt.datetime = Field(description="When the consumer gave up (UTC)")


EVENT_MODELS: tuple[type[EventBody], ...] = (
    DocumentRegistered, AccessCodeReissued, CaseStatusChanged, CaseOverdue, EportalSubmission, EportalReceipt,
    NotificationDelivered, CatalogueServiceChanged, DeadLetter, BounceReceived,
)
EVENT_TYPES = {(m.__name__, m.SCHEMA_VERSION): m for m in EVENT_MODELS}
