"""Plain-dict views of registrations for the clerks' API (personal number masked), and
the calendar table's request and response."""
from importlib.metadata import version as package_version
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from ..domain.calendar import CalendarException
from ..domain.people import mask_personal_number
from ..service_layer.registry import Registered


def registration(r) -> dict:
    sender = r.command.sender.model_dump(mode="json")
    sender["personal_number"] = mask_personal_number(sender.get("personal_number"))
    return {"registration_index": r.index, "case_index": r.case_index, "registered_at": r.registered_at.isoformat(),
            "kind": r.command.kind.value, "channel": r.command.channel.value, "subject": r.command.subject,
            "sender": sender, "registered_by": r.registered_by, "service_code": r.command.service_code,
            "service_version": r.service_version,
            "due_date": r.due.due_date.isoformat() if r.due else None,
            "due_date_explanation": r.due.explanation() if r.due else None,
            "due_date_summary": r.due.summary_bg() if r.due else None,
            "scans": [{"n": n, "sha256": s.sha256, "size": s.size, "content_type": s.content_type,
                       "file_name": s.file_name} for n, s in enumerate(r.scans, 1)]}


def registered(done: Registered) -> dict:
    if done.created:
        return {**registration(done.registration), "access_code": done.access_code}
    return {**registration(done.registration), "access_code": None, "repeated": True,
            "note": "Заявката вече е изпълнена; кодът за достъп беше показан в първия отговор. "
                    "Ако е изгубен, издайте нов код (POST /api/v1/documents/access-code)."}


class CalendarEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="The version that was read (0 if there was no table yet)")
    exceptions: list[CalendarException] = Field(max_length=2000)


def calendar_table(rows: list[CalendarException], version: int) -> dict:
    return {"version": version, "exceptions": [r.model_dump(mode="json") for r in rows],
            "official_calendar": f"PyPI holidays {package_version('holidays')}, country_holidays('BG')"}


def reissued(done) -> dict:
    case = done.case
    return {"case_index": case.case_index, "access_code": done.access_code, "reissued_at": done.at.isoformat(),
            "code_version": done.version,
            "receipt_pdf": f"/api/v1/documents/receipt.pdf?index={quote(case.case_index, safe='')}",
            "note": "Кодът се показва само веднъж; предишният код вече не е валиден."}
