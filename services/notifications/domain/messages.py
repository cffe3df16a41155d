"""What we tell the citizen, in the words of the Charter, addressed to them.

The greeting names the one reader: "Здравейте, <full name>,". It does not guess their
gender: "Уважаеми г-н Петров," / "Уважаема г-жо Иванова," would need a form of address
no channel gives us (the sender's contact on the wire has none; adding it is a new event
version, since consumers refuse unknown fields), the adjective "Уважаеми/Уважаема" must
agree with it, and a slashed "Уважаеми/Уважаема" reads like a blank form, not a letter.
"Здравейте," alone when the name is not known yet. Never a greeting to "citizens" in the
plural for one person.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional
from urllib.parse import urlencode

from delovod_proto.events import Contact
from delovod_proto.vocabulary import CaseStage

TEXT = {
    CaseStage.REGISTERED: "Вашият документ е регистриран с индекс {index}. Ще получите пълен отговор в законоустановения срок — до {due}.",
    CaseStage.ASSIGNED: "Преписка {index} е разпределена на служител за разглеждане.",
    CaseStage.IN_PROGRESS: "Преписка {index} се разглежда.",
    CaseStage.SUSPENDED: "Производството по преписка {index} е спряно. Причина: {reason} Докато е спряно, срокът за отговор не тече.",
    CaseStage.EXTENDED: "Не можем да отговорим в срока по преписка {index}. Причина: {reason} Нов срок: {due}.",
    CaseStage.ANSWERED: "По преписка {index} е изпратен отговор.",
    CaseStage.CLOSED: "Преписка {index} е приключена.",
}
RESUMED = "Производството по преписка {index} е възобновено. Нов срок за отговор: {due}. {reason}"


def greeting(recipient: Optional[Contact]) -> str:
    """The letter's first line, for its one reader (see the module's docstring)."""
    name = " ".join((recipient.name if recipient else "").split())
    return f"Здравейте, {name}," if name else "Здравейте,"


def addressed(body: str, recipient: Contact) -> str:
    """A body composed before its recipient was known ("Здравейте,"), greeting them by name."""
    neutral = greeting(None) + "\n\n"
    return greeting(recipient) + body[len(neutral) - 2:] if body.startswith(neutral) else body


def signature(office_name: str, phone: str, email: str) -> str:
    """The letter's last lines: the office (``DELOVOD_OFFICE_*``)."""
    return f"{office_name}\nтел. {phone}, {email}\n"


def compose(case_index: str, stage: CaseStage, subject: str, due: Optional[dt.date], reason: Optional[str],
            status_url: str, previous: Optional[CaseStage] = None,
            recipient: Optional[Contact] = None, *, signed: str) -> tuple[str, str]:
    """(subject line, body) of the message about one stage change (``previous``: the stage
    it left; leaving a suspension the citizen learns the new due date), greeting ``recipient``,
    signed with ``signed`` (:func:`signature`)."""
    text = RESUMED if previous == CaseStage.SUSPENDED and stage == CaseStage.IN_PROGRESS and due else TEXT[stage]
    line = text.format(index=case_index, due=f"{due:%d.%m.%Y}" if due else "—", reason=reason or "").strip()
    link = f"{status_url}/?{urlencode({'index': case_index})}"
    body = (f"{greeting(recipient)}\n\n{line}\n\nОтносно: {subject}\n\n"
            f"Можете да проверите текущия етап по всяко време с индекса и кода за достъп от разписката: {link}\n\n"
            + signed)
    return f"Преписка {case_index}: {text.split('.')[0].format(index=case_index, due='', reason='')}", body


def compose_code_notice(case_index: str, reissued_at: dt.datetime, tz: str,
                        recipient: Optional[Contact] = None, *, signed: str) -> tuple[str, str]:
    """A security notice: a new access code was issued for the case (never the code itself);
    its time in the administration's zone ``tz``."""
    from zoneinfo import ZoneInfo

    when = reissued_at.astimezone(ZoneInfo(tz))
    body = (f"{greeting(recipient)}\n\nНа {when:%d.%m.%Y} в {when:%H:%M} ч. е издаден нов код за достъп до преписка "
            f"{case_index}. Предишният код вече не е валиден; новият е отпечатан на разписката, "
            "връчена на гише.\n\nАко не сте поискали нов код, свържете се с нас веднага.\n\n" + signed)
    return f"Преписка {case_index}: издаден е нов код за достъп", body


def backoff_s(attempts: int, base_s: float, cap_s: float = 3600.0) -> float:
    """Delay before the next attempt after ``attempts`` failures (exponential, capped)."""
    return min(base_s * 2 ** max(attempts - 1, 0), cap_s)
