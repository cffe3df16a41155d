"""The desk's pages as its entrypoints answer them: the Bulgarian texts, and the pages that
need the other services' data (the form with the catalogue's services, a case)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Optional
from urllib.parse import urlencode

from ..domain import calendar_form, labels, worklist
from ..domain.intake import IntakeForm
from ..domain.journal import JournalForm, csv_bytes, describe
from ..service_layer.ports import Refused, Unavailable
from . import pages
from .journal_print import journal_pdf as render_journal_pdf

SIGNIN_REFUSED = "Грешно потребителско име или парола, или профилът е заключен."
EXPIRED = "Сесията ви изтече поради неактивност. Влезте отново."
FORGED = ("Формата не е приета: изпратена е от друго място или страницата е стояла отворена твърде дълго. "
          "Презаредете страницата и опитайте отново.")
DRAFT_NOTICE = "Попълнените полета са запазени; след входа ще ги намерите във формата (файловете се избират отново)."
DRAFT_KEPT = "Формата е попълнена с въведеното преди изтичането на сесията. Изберете файловете отново и регистрирайте."
NO_RIGHT = "Ролята ви няма право на това действие."
DOWN = {"registry": "Регистърът временно не отговаря.", "status": "Услугата за етапите временно не отговаря.",
        "catalogue": "Каталогът на услугите временно не отговаря.",
        "directory": "Указателят на служителите временно не отговаря.",
        "sessions": "Базата данни на деловодството временно не отговаря.",
        "scans": "Хранилището на сканираните файлове временно не отговаря.",
        "notifications": "Услугата за известията временно не отговаря.",
        "kafka": "Опашката на събитията (Kafka) временно не отговаря."}


PREVIEW_CHANNELS = {"email": "по електронна поща", "sms": "с SMS", "post": "с писмо по пощата",
                    "none": "гражданинът не е избрал канал: няма да бъде изпратено"}


def minutes(seconds: int) -> str:
    n = max(1, -(-seconds // 60))
    return f"{n} минута" if n == 1 else f"{n} минути"


def page(template, session, status=200, **context):
    return pages.render(template, status, person=session.person if session else None,
                        csrf=session.csrf if session else "", **context)


def down(session, exc: Unavailable, what: str, back: str):
    return page("message.html", session, 503, title="Услугата не отговаря",
                message=f"{DOWN.get(exc.what, 'Услуга временно не отговаря.')} {what} Опитайте отново след минута.",
                back=back, extra_headers={"Retry-After": "60"})


def register_page(app, session, form: IntakeForm, status=200, key=None, **context):
    try:
        services = app.workspace.service_choices(session.person)
    except (Unavailable, Refused):  # the form still works: the code is typed
        services = []
    settings = app.settings
    context["extra_headers"] = {**pages.upload_headers(settings.upload_origin), **context.get("extra_headers", {})}
    return page("register.html", session, status, title="Регистриране", values=form.values,
                idempotency_key=key or uuid.uuid4().hex, services=services,
                parts_above=settings.upload_parts_above_mb * 1024 * 1024,
                part_size=settings.upload_part_mb * 1024 * 1024,
                kinds=labels.value_labels(labels.KINDS), channels=labels.value_labels(labels.CHANNELS),
                sender_types=labels.value_labels(labels.SENDER_TYPES),
                number_kinds=labels.value_labels(labels.NUMBER_KINDS),
                contact_channels=labels.value_labels(labels.CONTACT_CHANNELS), **context)


def case_page(app, session, index: str, status=200, **context):
    doc, history = None, None
    if index:
        try:
            doc = app.workspace.case(session.person, index)
        except Refused as exc:
            context.setdefault("summary", exc.detail)
            status = exc.status if status == 200 else status
        except Unavailable as exc:
            return down(session, exc, context.get("summary") or "Преписката не може да бъде отворена.", "/cases")
    attempts = {"tries": [], "note": None}
    if doc:
        history = _history(app, session, doc["case_index"])
        attempts = _attempts(app, session, doc["case_index"])
    return page("case.html", session, status, title=f"Преписка {index}" if index else "Преписка",
                index=index, doc=doc, history=history, attempts=attempts, officials=_officials_by_unit(app) if doc else [],
                kinds={k.value: v for k, v in labels.KINDS.items()},
                channels={k.value: v for k, v in labels.CHANNELS.items()},
                actions=_actions(history), legal_grounds=labels.value_labels(labels.LEGAL_GROUNDS), preview_channels=PREVIEW_CHANNELS, **context)


def _actions(history: Optional[dict]) -> list[tuple[str, str]]:
    """The moves the case's bound stage set allows from its stage (status says which); every
    action while status cannot be asked (its refusal then says why)."""
    actions = labels.value_labels(labels.STAGE_ACTIONS)
    case = (history or {}).get("case")
    if case and case.get("next_stages") is not None and "stage_set" in case:
        return [(value, text) for value, text in actions if value in case["next_stages"]]
    return actions


def _history(app, session, case_index: str) -> dict:
    """``{"case": status's view or None, "note": why not}``: the page shows the registry's data
    even when status cannot be asked."""
    try:
        outcome = app.workspace.case_history(session.person, case_index)
    except Unavailable as exc:
        return {"case": None, "note": f"{DOWN.get(exc.what, '')} Етапите не могат да бъдат показани."}
    return {"case": outcome.result, "note": outcome.summary}


def _attempts(app, session, case_index: str) -> dict:
    """``{"tries": notifications' attempts, "note": why none can be shown}``."""
    try:
        return {"tries": app.workspace.contact_attempts(session.person, case_index), "note": None}
    except Unavailable as exc:
        return {"tries": [], "note": f"{DOWN.get(exc.what, '')} Известията не могат да бъдат показани."}
    except Refused as exc:
        return {"tries": [], "note": exc.detail}


def _officials_by_unit(app) -> list[tuple[str, list]]:
    """The roster grouped by unit, for the assignment's select (one optgroup per unit)."""
    try:
        officials = app.workspace.officials()
    except Unavailable:
        return []
    groups: dict[str, list] = {}
    for o in officials:
        groups.setdefault(o.unit or "Без звено", []).append(o)
    return list(groups.items())


def next_page(path: str, query: dict, after: Optional[str]) -> Optional[str]:
    """The link to a list's next page (its cursor from status), or None on the last page."""
    return f"{path}?{urlencode({**query, 'after': after})}" if after else None


def worklist_page(session, which: str, found: dict, column: str, descending: bool, week_end):
    """A page of a list: status's page (by due date, then index) sorted by ``column``."""
    def sort_url(name: str) -> str:
        flip = name == column and not descending
        return f"/my?{urlencode({'list': which, 'sort': name, **({'desc': '1'} if flip else {})})}"

    columns = [(name, text, sort_url(name), ("descending" if descending else "ascending") if name == column else "none")
               for name, text in worklist.COLUMNS.items()]
    query = {"list": which, "sort": column, **({"desc": "1"} if descending else {})}
    return page("worklist.html", session, title=worklist.LISTS[which], which=which, lists=worklist.LISTS,
                rows=found["items"], columns=columns, csv_url=f"/my.csv?{urlencode({'list': which})}",
                week_end=week_end, next_url=next_page("/my", query, found.get("next")))


def operators_page(app, session, status=200, **context):
    view = app.operators.overview(session.person)
    notes = [DOWN.get(what, what) for what in view["down"]]
    context.setdefault("values", {})
    return page("operators.html", session, status, title="Оператори", view=view, notes=notes,
                exception_kinds=calendar_form.KINDS, **context)


def journal_form(app, request) -> JournalForm:
    return JournalForm.from_args(request.args, dt.datetime.now(pages.zone()).date())


def journal_page(session, form: JournalForm, outcome):
    result = outcome.result or {"items": [], "next": None}
    query = form.query()
    return page("journal.html", session, 200 if outcome.ok else 400, title="Входящ дневник", values=form.values,
                rows=result["items"], shown=outcome.ok,
                next_url=f"/journal?{urlencode({**query, 'after': result['next']})}" if result.get("next") else None,
                csv_url=f"/journal.csv?{urlencode(query)}", pdf_url=f"/journal.pdf?{urlencode(query)}", summary=outcome.summary, errors=outcome.errors,
                kinds=labels.value_labels(labels.KINDS), channels=labels.value_labels(labels.CHANNELS),
                stages=labels.value_labels(labels.STAGES), stage_names={k.value: v for k, v in labels.STAGES.items()},
                note=result.get("note"),
                kind_names={k.value: v for k, v in labels.KINDS.items()},
                channel_names={k.value: v for k, v in labels.CHANNELS.items()})


def journal_csv(rows: list[dict]) -> bytes:
    return csv_bytes(rows, pages.local_time)


def journal_file_name(form: JournalForm, extension: str = "csv") -> str:
    last = form.values["to"] or form.values["from"]
    return f"dnevnik-{form.values['from']}" + (f"-{last}" if last != form.values["from"] else "") + f".{extension}"


PDF_MAX_ROWS = 3000  # about 100 pages: a day, or a quiet month, of a municipality's mail


def journal_pdf(app, session, form: JournalForm, result: dict) -> bytes:
    """The printable journal of the filter, named for the office, with who printed it and when."""
    rows = result["items"]
    return render_journal_pdf(rows[:PDF_MAX_ROWS], pages.local_time, office=app.settings.kit.office_name,
                              filters=describe(form), printed_by=session.person.name,
                              printed_at=dt.datetime.now(pages.zone()).strftime("%d.%m.%Y %H:%M"),
                              truncated=result.get("truncated") or len(rows) > PDF_MAX_ROWS)
