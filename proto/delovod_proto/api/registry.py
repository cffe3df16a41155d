"""The registry's clerks' API: register a document (multipart, or from scans uploaded
beforehand with presigned URLs), read it back, print its receipt and stamp, reissue an
access code, and the operator's calendar table."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import ConfigDict, Field

from ..base import WireModel
from ..vocabulary import ContactChannel, DocumentKind, PersonalNumberKind, ReceivedChannel, Salutation, ServiceVariant
from .common import NO_STORE, STAFF, Header, Health, Operation, Ready, Reply

INDEX = Field(min_length=1, max_length=100, description="Registration index, e.g. 'ЖЛБ-12/25.11.2026'")
METADATA_MAX_KB = 100  # the largest valid metadata is a few KB; werkzeug's own default would be 500 KB


class SenderData(WireModel):
    """Who sent the document. The personal number (ЕГН/ЛНЧ) is kept, never published."""

    type: Literal["person", "organisation"] = Field("person", description="A person or an organisation")
    name: str = Field(min_length=2, max_length=300, description="The person's names or the organisation's name")
    personal_number_kind: Optional[PersonalNumberKind] = Field(
        None, description="egn (ЕГН), lnch (ЛНЧ) or foreign_document; required with personal_number")
    personal_number: Optional[str] = Field(None, max_length=30, description="ЕГН, ЛНЧ or a foreign document's number, "
                                                                            "checked by the rule of its kind")
    email: Optional[str] = Field(None, max_length=254, description="Email address, for answers by email")
    phone: Optional[str] = Field(None, max_length=30, description="Phone number, for answers by SMS")
    address: Optional[str] = Field(None, max_length=500, description="Postal address, for answers by post")
    preferred_channel: ContactChannel = Field(ContactChannel.EMAIL, description="Needs the matching email, phone or "
                                                                                "address")
    salutation: Optional[Salutation] = Field(None, description="Form of address the person gave: mr (г-н) or ms (г-жа); "
                                                               "letters address them by it, neutrally without it")


class DocumentMetadata(WireModel):
    """The ``metadata`` part of a registration: what the document is and who sent it."""

    kind: DocumentKind = Field(description="What the document is (complaint, application, ...): decides its register and its term")
    channel: ReceivedChannel = Field(description="'box' is refused: the box's documents are not registered")
    subject: str = Field(min_length=3, max_length=1000, description="What the document is about")
    sender: SenderData = Field(description="Who sent it")
    sender_reference: Optional[str] = Field(None, max_length=100, description="The sender's own number of the document, if it has one")
    pages: int = Field(0, ge=0, le=100000, description="Pages of the paper original (0 if not counted)")
    attachments_count: int = Field(0, ge=0, le=10000, description="Attachments handed in with it")
    service_code: Optional[str] = Field(None, min_length=1, max_length=50, description="Required for a "
                                                                                        "service_application")
    variant: ServiceVariant = Field(ServiceVariant.ORDINARY, description="Service variant (ordinary, fast, express), for an application: decides term and fee")
    related_index: Optional[str] = Field(None, min_length=3, max_length=100, description="The case's index; required "
                                                                                         "for a follow_up")
    accept_duplicate_scan: bool = Field(False, description="Register even if the same scan was registered before")
    eportal_submission_id: Optional[str] = Field(None, max_length=100, description="The e-portal's id, when a clerk registers a portal submission by hand")


class RegistrationForm(WireModel):
    """``multipart/form-data``: the ``metadata`` part (JSON) and the scans."""

    model_config = ConfigDict(**WireModel.model_config, json_schema_extra={"examples": [{"metadata": {
        "kind": "complaint", "channel": "counter", "subject": "Неработещо улично осветление на ул. „Гладстон“",
        "sender": {"name": "Мария Петрова", "email": "maria.petrova@example.bg", "preferred_channel": "email"}}}]})

    metadata: DocumentMetadata = Field(description=f"JSON, up to {METADATA_MAX_KB} KB")
    scan: list[bytes] = Field(default_factory=list, description="PDF, TIFF, JPEG or PNG files, one file part (with a "
                                                                "file name) each "
                                                                "(all parts together up to the request limit)")


class SenderView(WireModel):
    type: Literal["person", "organisation"] = Field(description="A person or an organisation")
    name: str = Field(description="The person's names or the organisation's name")
    personal_number: Optional[str] = Field(None, description="Masked: only its last digits")
    email: Optional[str] = Field(None, description="Email address, if given")
    phone: Optional[str] = Field(None, description="Phone number, if given")
    address: Optional[str] = Field(None, description="Postal address, if given")
    preferred_channel: ContactChannel = Field(description="How the sender wants to be answered")


class ScanView(WireModel):
    n: int = Field(ge=1, description="The scan's number within the document (for scan-url)")
    sha256: str = Field(description="SHA-256 of the file, hex: the same scan registered twice is found by it")
    size: int = Field(ge=0, description="Size in bytes")
    content_type: str = Field(description="The scan's media type (application/pdf, image/tiff, image/jpeg, image/png)")
    file_name: str = Field(description="The file's name as uploaded")


class SkippedDayView(WireModel):
    date: dt.date = Field(description="The day")
    reason: str = Field(description="Why it is not a working day (Bulgarian)")
    counted: bool = Field(description="Whether it counted towards the term (a calendar-day term counts days off; a move off a last day off does not)")


class DueDateExplanation(WireModel):
    """How the due date was computed, step by step."""

    due_date: dt.date = Field(description="The due date")
    start: dt.date = Field(description="The day counting starts from")
    rule: str = Field(description="The legal source of the term (Bulgarian)")
    value: int = Field(description="How many units the term has")
    unit: str = Field(description="The term's unit")
    raw_end: dt.date = Field(description="The last day by count, before a move off a non-working day")
    skipped: list[SkippedDayView] = Field(default_factory=list, description="Non-working days met on the way")


class RegistrationView(WireModel):
    """A registered document as a clerk sees it (the personal number masked)."""

    registration_index: str = Field(description="The document's own index")
    case_index: str = Field(description="Index of its case (the same as registration_index unless a follow-up)")
    registered_at: dt.datetime = Field(description="Moment of registration (UTC); starts the term")
    kind: DocumentKind = Field(description="What the document is")
    channel: ReceivedChannel = Field(description="How it came in")
    subject: str = Field(description="What it is about")
    sender: SenderView = Field(description="Who sent it (the civil number masked)")
    registered_by: str = Field(description="The staff member who registered it (or 'eportal')")
    service_code: Optional[str] = Field(None, description="Catalogue service code, for an application")
    service_version: Optional[int] = Field(None, description="The catalogue version bound to the case")
    due_date: Optional[dt.date] = Field(None, description="Statutory due date; null for follow-ups and when no term applies")
    due_date_explanation: Optional[DueDateExplanation] = Field(None, description="How the due date was computed, step by step")
    due_date_summary: Optional[str] = Field(None, description="The explanation in one Bulgarian sentence")
    scans: list[ScanView] = Field(description="The document's scans, in order")


class Registered(RegistrationView):
    """The answer to a registration. The access code is shown here once (201); a repeated
    request (same Idempotency-Key) gets the first registration without it (200)."""

    access_code: Optional[str] = Field(None, pattern=r"^\d{8}$", description="The citizen's 8-digit code, shown once")
    repeated: bool = Field(False, description="True when this request repeated an earlier one")
    note: Optional[str] = Field(None, description="A word for the clerk (Bulgarian), e.g. why the code is not shown")


UPLOAD_ID = r"^[0-9a-f]{32}$"


class UploadRequest(WireModel):
    """A scan the clerk's client is about to put straight into object storage."""

    model_config = ConfigDict(**WireModel.model_config, json_schema_extra={"examples": [{
        "file_name": "zhalba.pdf", "size": 48213,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]})

    file_name: str = Field(min_length=1, max_length=255, description="The file's name, as the clerk sees it")
    size: int = Field(ge=1, le=2**40, description="Its size in bytes (at most the registry's scan limit, "
                                                  "DELOVOD_REGISTRY_MAX_SCAN_MB)")
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="Its SHA-256, hex: the object store accepts "
                                                                  "only these bytes at the URL granted")
    parts: bool = Field(False, description="Upload in parts (S3 multipart, each part but the last at least "
                                           "5 MiB): the registry starts the upload and signs each request of it "
                                           "(POST /api/v1/uploads/{upload_id}/steps); the registry reads the "
                                           "completed file once to check its SHA-256")


class UploadGrant(WireModel):
    """Where to put the bytes: PUT the file's bytes to ``url`` as they are (no other header
    needed; the SHA-256 is part of the signed URL), then register with ``upload_id``. For an
    upload in parts there is no ``url``: ask for each request's."""

    upload_id: str = Field(pattern=UPLOAD_ID, description="Name this upload when registering the document")
    method: Literal["PUT"] = Field("PUT", description="The HTTP method for url")
    url: Optional[str] = Field(None, description="Presigned URL of the object store, valid until expires_at "
                                                 "(none for an upload in parts)")
    parts: bool = Field(False, description="An upload in parts")
    expires_at: dt.datetime = Field(description="Until when the URL works and the upload can be registered (UTC)")


class UploadPath(WireModel):
    upload_id: str = Field(pattern=UPLOAD_ID, description="The upload's id, as granted")


class UploadStepRequest(WireModel):
    """One request of an upload in parts the client is about to send to the object store."""

    model_config = ConfigDict(**WireModel.model_config, json_schema_extra={"examples": [
        {"step": "part", "part_number": 1}, {"step": "list"}, {"step": "complete"}]})

    step: Literal["part", "list", "complete", "abort"] = Field(
        description="part: PUT one part's bytes; list: ListParts (what is stored, to resume after a dropped "
                    "connection); complete: CompleteMultipartUpload with the parts' numbers and ETags; abort")
    part_number: Optional[int] = Field(None, ge=1, le=10000, description="With step part: which part, from 1")


class UploadStep(WireModel):
    """The request, signed for this upload only: send it to ``url`` with ``method``."""

    method: Literal["PUT", "GET", "POST", "DELETE"] = Field(description="The HTTP method for url")
    url: str = Field(description="Presigned URL of the object store, valid until expires_at")
    expires_at: dt.datetime = Field(description="Until when the URL works (the upload's own expiry)")


class UploadedDocument(WireModel):
    """A registration whose scans were uploaded beforehand (POST /api/v1/uploads), in order."""

    metadata: DocumentMetadata = Field(description="What the document is and who sent it")
    uploads: list[Annotated[str, Field(pattern=UPLOAD_ID)]] = Field(min_length=1, max_length=20, description="The upload_id of each scan, in order; "
                                                                        "each serves one registration only")


class IndexQuery(WireModel):
    index: str = INDEX


class ScanUrlQuery(WireModel):
    index: str = INDEX
    n: int = Field(1, ge=1, le=10000, description="Which scan of the document")


class ReceiptQuery(WireModel):
    index: str = INDEX
    code: Optional[str] = Field(None, pattern=r"^\d{8}$", description="The access code, to print it on the receipt")


class ScanUrl(WireModel):
    url: str = Field(description="A presigned URL of the scan")
    expires_in_s: int = Field(description="Seconds the URL stays valid")


class AccessCodeReissue(WireModel):
    reason: str = Field(min_length=3, max_length=500, description="Why a new code is issued (3-500 characters)")


class AccessCodeReissued(WireModel):
    case_index: str = Field(description="Index of the case")
    access_code: str = Field(pattern=r"^\d{8}$", description="The new code, shown once")
    reissued_at: dt.datetime = Field(description="When (UTC)")
    code_version: int = Field(ge=1, description="1 for the first reissue of the case, then 2, ...")
    receipt_pdf: str = Field(description="Where to print a receipt with the new code")
    note: str = Field(description="What to tell the citizen (Bulgarian)")


class CalendarExceptionRow(WireModel):
    """A day off decreed on top of the official holidays, or a working Saturday."""

    date: dt.date = Field(description="The day")
    kind: Literal["day_off", "working_day"] = Field(description="An extra day off, or a Saturday that is a working day")
    reason: str = Field(min_length=3, max_length=300, description="e.g. 'РМС № 808 от 19.11.2025'")


class CalendarEdit(WireModel):
    """The whole table, with the version that was read (a stale edit gets 409)."""

    version: int = Field(ge=0, description="The version that was read (0 if there was no table yet)")
    exceptions: list[CalendarExceptionRow] = Field(max_length=2000, description="The whole new table")


class CalendarChange(WireModel):
    """One edit of the table: who made it, when, and the rows it added and removed (a row whose
    kind or reason changed is in both, as it was and as it is)."""

    version: int = Field(ge=1, description="The table's version this edit made")
    at: dt.datetime = Field(description="When (UTC)")
    by: str = Field(description="Who: the signed-in person's name (or the file the table was first seeded from)")
    by_id: str = Field(description="Who: their user name, as the audit log records it")
    added: list[CalendarExceptionRow] = Field(description="Rows that were not in the table before")
    removed: list[CalendarExceptionRow] = Field(description="Rows that are no longer in the table")


class CalendarTable(WireModel):
    version: int = Field(ge=0, description="The table's version: send it back with an edit")
    exceptions: list[CalendarExceptionRow] = Field(description="Extra days off and working Saturdays, by date")
    official_calendar: str = Field(description="Where the official holidays come from")
    changes: Optional[list[CalendarChange]] = Field(
        default=None, description="Who changed what: the last 100 edits, the newest first")


JOURNAL_MAX_DAYS = 366  # a page may read every day of the range (docs/decisions.md, "Journal")


class JournalQuery(WireModel):
    """The incoming journal's filters; dates are local (the administration's time zone)."""

    register_code: Optional[str] = Field(None, alias="register", min_length=1, max_length=20,
                                         description="Register code or prefix, e.g. 'complaints' or 'ЖЛБ'")
    kind: Optional[DocumentKind] = Field(None, description="Only documents of this kind (and so of its register)")
    date_from: Optional[dt.date] = Field(None, alias="from", description="First local day (default: today)")
    date_to: Optional[dt.date] = Field(None, alias="to", description=f"Last local day (default: the first day); "
                                                                    f"at most {JOURNAL_MAX_DAYS} days in all")
    channel: Optional[ReceivedChannel] = Field(None, description="Only documents that came in this way")
    q: Optional[str] = Field(None, min_length=1, max_length=200, description="Words of the sender's name or the "
                                                                            "subject, in Cyrillic or Latin letters")
    after: Optional[str] = Field(None, min_length=1, max_length=300, description="The previous page's 'next'")
    limit: int = Field(50, ge=1, le=200, description="Documents per page")


class JournalRowsQuery(WireModel):
    """The journal's rows of these registrations (e.g. the cases status finds in a stage),
    with the journal's other filters applied."""

    indexes: list[Annotated[str, INDEX]] = Field(min_length=1, max_length=200,
                                                 description="Registration indexes, in the order wanted")
    register_code: Optional[str] = Field(None, alias="register", min_length=1, max_length=20,
                                         description="Register code or prefix")
    kind: Optional[DocumentKind] = Field(None, description="Only documents of this kind")
    channel: Optional[ReceivedChannel] = Field(None, description="Only documents that came in this way")
    q: Optional[str] = Field(None, min_length=1, max_length=200, description="Words of the sender's name or the "
                                                                            "subject, in Cyrillic or Latin letters")


class JournalPage(WireModel):
    """A page of the journal, by registration time then index."""

    items: list[RegistrationView] = Field(description="The documents (personal numbers masked)")
    next: Optional[str] = Field(None, description="Pass as 'after' for the next page; null on the last page")


PDF = {"type": "string", "format": "binary"}
IDEMPOTENCY_KEY = Header("Idempotency-Key", "1-100 visible ASCII characters; a repeated request gets the first "
                                            "registration", schema={"type": "string", "pattern": r"^[\x21-\x7e]{1,100}$"})

OPERATIONS = (
    Operation("POST", "/api/v1/documents", "registerDocument", "Register a document: the metadata and its scans",
              {201: Reply("Registered; the access code is shown once", Registered, headers=(NO_STORE,)),
               200: Reply("A repeated request: the first registration, without the code", Registered,
                          headers=(NO_STORE,))},
              roles=STAFF, body=RegistrationForm, body_media="multipart/form-data",
              body_encoding={"metadata": {"contentType": "application/json"},
                             "scan": {"contentType": "application/pdf, image/tiff, image/jpeg, image/png"}},
              request_headers=(IDEMPOTENCY_KEY,), errors=(400, 409, 413, 422)),
    Operation("POST", "/api/v1/uploads", "grantUpload",
              "An upload URL for one scan, to put straight into object storage before registering",
              {201: Reply("The presigned URL", UploadGrant)}, roles=STAFF, body=UploadRequest, errors=(422,)),
    Operation("POST", "/api/v1/uploads/{upload_id}/steps", "signUploadStep",
              "One request of an upload in parts, signed for the clerk it was granted to",
              {200: Reply("The presigned request", UploadStep)}, roles=STAFF, path_params=UploadPath,
              body=UploadStepRequest, errors=(404, 422)),
    Operation("POST", "/api/v1/documents/from-uploads", "registerUploadedDocument",
              "Register a document whose scans were uploaded beforehand",
              {201: Reply("Registered; the access code is shown once", Registered, headers=(NO_STORE,)),
               200: Reply("The same uploads again: the first registration, without the code", Registered,
                          headers=(NO_STORE,))},
              roles=STAFF, body=UploadedDocument, errors=(404, 409, 422)),
    Operation("GET", "/api/v1/documents", "listDocuments", "The incoming journal: registrations by day, filtered",
              {200: Reply("A page of the journal", JournalPage)}, roles=STAFF, query=JournalQuery),
    Operation("POST", "/api/v1/documents/journal-rows", "journalRows",
              "The journal's rows of up to 200 registrations, by index, filtered like the journal",
              {200: Reply("The registrations found that pass the filters, in the order asked", JournalPage)},
              roles=STAFF, body=JournalRowsQuery, errors=(400, 422)),
    Operation("GET", "/api/v1/documents/by-index", "getDocument", "A registered document", 
              {200: Reply("The document", RegistrationView)}, roles=STAFF, query=IndexQuery, errors=(404,)),
    Operation("GET", "/api/v1/documents/scan-url", "getScanUrl", "A short-lived link to one of its scans",
              {200: Reply("The link", ScanUrl)}, roles=STAFF, query=ScanUrlQuery, errors=(400, 404)),
    Operation("GET", "/api/v1/documents/receipt.pdf", "getReceipt", "The citizen's receipt (PDF)",
              {200: Reply("The receipt", media="application/pdf", schema=PDF)}, roles=STAFF, query=ReceiptQuery,
              errors=(400, 404, 422)),
    Operation("GET", "/api/v1/documents/stamp.pdf", "getStamp", "A label with the index and barcodes (PDF)",
              {200: Reply("The label", media="application/pdf", schema=PDF)}, roles=STAFF, query=IndexQuery,
              errors=(400, 404)),
    Operation("POST", "/api/v1/documents/access-code", "reissueAccessCode",
              "A new access code for the document's case; the old one stops working",
              {201: Reply("The new code, shown once", AccessCodeReissued, headers=(NO_STORE,))},
              roles=STAFF, query=IndexQuery, body=AccessCodeReissue, errors=(400, 404, 409, 422)),
    Operation("GET", "/api/v1/calendar/exceptions", "getCalendarExceptions",
              "The operator's extra days off and working Saturdays", {200: Reply("The table", CalendarTable)},
              roles=STAFF),
    Operation("PUT", "/api/v1/calendar/exceptions", "replaceCalendarExceptions",
              "Replace the whole table (admins), with the version read", {200: Reply("The table as stored",
                                                                                     CalendarTable)},
              roles=("admin",), body=CalendarEdit, errors=(409, 422)),
    Operation("GET", "/health", "health", "Liveness", {200: Reply("Alive", Health)}, problems=False),
    Operation("GET", "/health/ready", "ready", "Readiness: the service's databases and brokers answer",
              {200: Reply("Ready", Ready)}),
)
