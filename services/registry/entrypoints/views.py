"""Views of registrations for the clerks' API (personal number masked), and the calendar
table's request and response: built from the documented wire models (delovod_proto.api)."""
from importlib.metadata import version as package_version
from typing import Annotated
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from delovod_proto.api import registry as api
from servicekit.http import Problem
from servicekit.parse import field_errors

from ..domain.calendar import CalendarException
from ..domain.commands import RegisterDocument
from ..domain.people import mask_personal_number
from ..service_layer.queries import JournalFilter, JournalPage
from ..service_layer.registrar import Registered


def _sender(sender) -> api.SenderView:
    return api.SenderView(type=sender.type, name=sender.name, personal_number=mask_personal_number(sender.personal_number),
                          email=sender.email, phone=sender.phone, address=sender.address,
                          preferred_channel=sender.preferred_channel)


def _view(r) -> dict:
    c = r.command
    return dict(registration_index=r.index, case_index=r.case_index, registered_at=r.registered_at, kind=c.kind,
                channel=c.channel, subject=c.subject, sender=_sender(c.sender), registered_by=r.registered_by,
                service_code=c.service_code, service_version=r.service_version,
                due_date=r.due.due_date if r.due else None,
                due_date_explanation=r.due.explanation() if r.due else None,
                due_date_summary=r.due.summary_bg() if r.due else None,
                scans=[api.ScanView(n=n, sha256=s.sha256, size=s.size, content_type=s.content_type,
                                    file_name=s.file_name) for n, s in enumerate(r.scans, 1)])


def registration(r) -> dict:
    return api.RegistrationView(**_view(r)).model_dump(mode="json")


def registered(done: Registered) -> dict:
    if done.created:
        return api.Registered(**_view(done.registration), access_code=done.access_code).model_dump(mode="json")
    return api.Registered(**_view(done.registration), access_code=None, repeated=True,
                          note="Заявката вече е изпълнена; кодът за достъп беше показан в първия отговор. "
                               "Ако е изгубен, издайте нов код (POST /api/v1/documents/access-code).").model_dump(mode="json")


class CalendarEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="The version that was read (0 if there was no table yet)")
    exceptions: list[CalendarException] = Field(max_length=2000)


def calendar_table(rows: list[CalendarException], version: int, changes: list[dict]) -> dict:
    return api.CalendarTable(version=version, exceptions=[r.model_dump(mode="json") for r in rows],
                             official_calendar=f"PyPI holidays {package_version('holidays')}, country_holidays('BG')",
                             changes=changes).model_dump(mode="json")


def reissued(done) -> dict:
    case = done.case
    return api.AccessCodeReissued(
        case_index=case.case_index, access_code=done.access_code, reissued_at=done.at, code_version=done.version,
        receipt_pdf=f"/api/v1/documents/receipt.pdf?index={quote(case.case_index, safe='')}",
        note="Кодът се показва само веднъж; предишният код вече не е валиден.").model_dump(mode="json")


def journal_query(request) -> api.JournalQuery:
    """The journal's query parameters, by their wire names ('from', 'to': not Python names)."""
    names = [f.alias or n for n, f in api.JournalQuery.model_fields.items()]
    try:
        return api.JournalQuery.model_validate({n: request.args[n] for n in names if n in request.args})
    except ValidationError as exc:
        raise Problem(400, "Bad Request", "Параметрите на заявката са невалидни.", errors=field_errors(exc))


def journal_filter(q: api.JournalQuery, today) -> JournalFilter:
    first = q.date_from or today
    return JournalFilter(first=first, last=q.date_to or first, register=q.register_code,
                         kind=q.kind.value if q.kind else None, channel=q.channel.value if q.channel else None,
                         words=q.q)


def rows_filter(q: api.JournalRowsQuery, today) -> JournalFilter:
    """The journal's other filters for rows chosen by index (the dates are not applied)."""
    return JournalFilter(first=today, last=today, register=q.register_code, kind=q.kind.value if q.kind else None,
                         channel=q.channel.value if q.channel else None, words=q.q)


def journal_rows(rows: list) -> dict:
    return journal_page(JournalPage(rows, None))


def journal_page(page: JournalPage) -> dict:
    return api.JournalPage(items=[api.RegistrationView(**_view(r)) for r in page.items],
                           next=page.next).model_dump(mode="json")


class FromUploads(BaseModel):
    """The body of POST /api/v1/documents/from-uploads (api.UploadedDocument), its metadata
    the domain's command."""

    model_config = ConfigDict(extra="forbid")

    metadata: RegisterDocument
    uploads: list[Annotated[str, Field(pattern=api.UPLOAD_ID)]] = Field(min_length=1, max_length=20)


def from_uploads(request, today) -> FromUploads:
    """The parsed body; a birth date in the future is judged by the administration's ``today``."""
    try:
        return FromUploads.model_validate_json(request.get_data() or b"{}", context={"today": today})
    except ValidationError as exc:
        raise Problem(422, "Unprocessable Content", "Данните на документа или списъкът с качвания са невалидни.",
                      errors=field_errors(exc))


def upload_grant(grant) -> dict:
    return api.UploadGrant(upload_id=grant.upload.id, url=grant.url or None, parts=grant.upload.multipart is not None,
                           expires_at=grant.expires_at).model_dump(mode="json", exclude_none=True)


def upload_step(step) -> dict:
    return api.UploadStep(method=step.method, url=step.url, expires_at=step.expires_at).model_dump(mode="json")
