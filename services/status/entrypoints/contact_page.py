"""The citizen's "Промяна на данните за връзка" (Bulgarian): a form on the case page, the page
that says where the code went (with the form to type it), and the answer to the code.

Every form is sent by POST and asks for the access code again: the code is never written back
into a page nor carried in an address (the index is, as on the lookup page). A form another site
made the browser send is refused. Nothing changes until the code sent to the new address comes
back; the pages say so, and say when quiet hours hold an SMS back."""
from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urlencode

from pydantic import ValidationError
from werkzeug.wrappers import Response

from delovod_proto.rpc import CaseNotFound
from servicekit.numbers_bg import plural_bg
from servicekit.pages import page_response

from ..domain.contact_form import ContactInputError
from ..service_layer.contact_changes import ContactsNotKnownYet
from ..service_layer.guard import TooManyAttempts
from .page import CONTACT_TITLE as TITLE
from .page import (INDEX_MAX, NO_STORE, NOT_FOUND, QUIET_HOURS, STYLE, access_fields, alert, change_form, minutes_bg,
                   too_many)

FROM_ANOTHER_SITE = ("Промяна се приема само от страницата за проверка на преписка. Отворете преписката оттам "
                     "и попълнете формата отново.")
NOT_YET = "Данните за връзка по тази преписка още не са налични. Опитайте отново след няколко минути."
AGAIN = "Поискайте нов код от страницата на преписката."
OUTCOMES = {  # result -> (status, what the citizen reads)
    "locked": (410, "Кодът е въведен грешно твърде много пъти и вече не важи. " + AGAIN),
    "expired": (410, "Кодът е изтекъл: важи 15 минути от изпращането. " + AGAIN),
    "used": (410, "Този код вече е използван. " + AGAIN),
    "none": (410, "Няма започната промяна на данните за връзка или тя е заменена от по-нова. " + AGAIN),
}


def _local(moment: dt.datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local:%H:%M} ч. на {local:%d.%m.%Y}"


def _document(body: str, status: int = 200, headers: dict | None = None) -> Response:
    html = f"""<!doctype html><html lang="bg"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{TITLE}</title>
{STYLE.tag}</head><body><main><h1>{TITLE}</h1>{body}</main></body></html>"""
    return page_response(html, style=STYLE, status=status, headers={**NO_STORE, **(headers or {})})


def _back(index: str) -> str:
    return f'<p><a href="/?{escape(urlencode({"index": index[:INDEX_MAX]}))}">Към проверката на преписка</a></p>'


def _confirm_form(index: str) -> str:
    return f"""<form method="post" action="/contact/confirm">{access_fields(index, "confirm")}
<label for="confirmation">Код за потвърждение (6 цифри)</label>
<input id="confirmation" name="confirmation" inputmode="numeric" pattern="[0-9]{{6}}" maxlength="6"
autocomplete="one-time-code" required><button type="submit">Потвърди</button></form>"""


def refused(index: str = "") -> Response:
    return _document(alert(FROM_ANOTHER_SITE) + _back(index), status=403)


def _refusal(exc: Exception, index: str) -> Response:
    """The page for an index and code that do not open the case (404), or too many tries (429)."""
    if isinstance(exc, TooManyAttempts):
        return _document(alert(too_many(exc.retry_after_s)) + _back(index), 429, {"Retry-After": str(exc.retry_after_s)})
    return _document(alert(NOT_FOUND) + _back(index), 404)


def request_change(contacts, form, client: str, notifications, tz) -> Response:
    """POST /contact: the code goes to the new address; the page says where and until when."""
    index = form.get("index", "")
    try:
        started = contacts.request_change(form, client, notifications)
    except ContactInputError as exc:
        return _document(alert(str(exc)) + change_form(index, form), 422)
    except ContactsNotKnownYet:
        return _document(alert(NOT_YET) + _back(index), 503, {"Retry-After": "60"})
    except (TooManyAttempts, ValidationError, CaseNotFound) as exc:
        return _refusal(exc, index)
    return _started(index, started, tz)


def _started(index: str, started, tz) -> Response:
    where = escape(started.masked_address)
    if started.result == "same_address":
        return _document(f'<p role="status">Писмата вече се изпращат на {where}: няма какво да се променя.</p>'
                         + _back(index))
    if started.result == "too_soon":
        wait = f"Преди малко поискахте код за друг адрес. Опитайте отново след {minutes_bg(started.retry_after_s)}."
        return _document(alert(wait) + _back(index), 429, {"Retry-After": str(started.retry_after_s)})
    said = (f"Кодът вече е изпратен на {where} преди малко: потърсете го, преди да поискате нов."
            if started.result == "already_sent" else f"Изпратихме код за потвърждение на {where}.")
    later = f" {QUIET_HOURS} Кодът ще бъде изпратен в {_local(started.sends_at, tz)}." if started.deferred else ""
    return _document(f'<p role="status">{said}{escape(later)} Въведете го до {_local(started.expires_at, tz)}.</p>'
                     "<p>Докато не въведете кода, нищо не се променя и писмата идват на досегашния адрес.</p>"
                     + _confirm_form(index))


def confirm(contacts, form, client: str, notifications) -> Response:
    """POST /contact/confirm: the code typed back; the new address is used from now on."""
    index = form.get("index", "")
    try:
        outcome = contacts.confirm_change(form, client, notifications)
    except ContactInputError as exc:
        return _document(alert(str(exc)) + _confirm_form(index), 422)
    except (TooManyAttempts, ValidationError, CaseNotFound) as exc:
        return _refusal(exc, index)
    where = escape(outcome.masked_address or "")
    if outcome.result == "confirmed":
        return _document(f'<p role="status">Данните за връзка са променени. Оттук нататък писмата по преписката '
                         f"ще идват на {where}. Съобщихме за промяната и на досегашния ви адрес.</p>" + _back(index))
    if outcome.result == "wrong_code":
        left = plural_bg(outcome.attempts_left, "опит", "опита")
        text = f"Кодът не е верен. {'Остава' if outcome.attempts_left == 1 else 'Остават'} {left}."
        return _document(alert(text) + _confirm_form(index), 422)
    status, text = OUTCOMES[outcome.result]
    return _document(alert(text) + _back(index), status)
