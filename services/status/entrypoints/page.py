"""The citizens' lookup page in Bulgarian: index + access code, no login.

The form is sent by POST and answered with the page itself (no redirect), so the access code
never enters a URL: not the browser's history, not a Referer, not a proxy's access log. A GET
only shows the form (with the index from the receipt's QR code or the e-mail's link filled in);
a GET that still carries a code (an old bookmark) looks nothing up and says why."""
from __future__ import annotations

from html import escape

from pydantic import ValidationError
from werkzeug.wrappers import Response

from delovod_proto.rpc import CaseLookupRequest, CaseNotFound
from servicekit.pages import Stylesheet, page_response

from ..domain.case import LABELS_BG
from ..domain.contact_form import EMAIL_MAX, PHONE_MAX
from ..service_layer.guard import TooManyAttempts

STYLE = Stylesheet("body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#1a1a1a}"
                   "label{display:block;font-weight:600;margin-top:.5rem}input,button{font-size:1rem;padding:.4rem}"
                   "button{background:#0b5394;color:#fff;border:0;margin-top:.75rem}"
                   "input:focus,button:focus{outline:3px solid #b35900}")
NO_STORE = {"Cache-Control": "no-store"}
INDEX_MAX = next(m.max_length for m in CaseLookupRequest.model_fields["registration_index"].metadata
                 if getattr(m, "max_length", None))  # no index is longer: none is written back longer
NOT_FOUND = "Няма преписка с този индекс и код за достъп. Проверете ги и опитайте отново."
INCOMPLETE = "Въведете регистрационния индекс и 8-цифрения код за достъп."
CODE_IN_ADDRESS = ("От съображения за сигурност кодът за достъп не се приема в адреса на страницата. "
                   "Въведете го във формата по-долу.")
CONTACT_TITLE = "Промяна на данните за връзка"
QUIET_HOURS = "SMS не изпращаме между 21:00 и 08:00 ч.: код, поискан през нощта, ще получите в 08:00 ч."
FROM_ANOTHER_SITE = ("Проверка се приема само от страницата за проверка на преписка. "
                     "Въведете индекса и кода за достъп във формата по-долу.")


def alert(text: str) -> str:
    return f'<p role="alert">{escape(text)}</p>'


def minutes_bg(seconds: int) -> str:
    n = max(1, -(-seconds // 60))
    return f"{n} минута" if n == 1 else f"{n} минути"


def too_many(retry_after_s: int) -> str:
    return f"Твърде много неуспешни опити. Опитайте отново след {minutes_bg(retry_after_s)}."


def _official(official) -> str:
    """The responsible official (Client Charter: name, phone and email), or who to expect."""
    if official is None:
        return "<p>Отговорен служител: преписката още не е разпределена.</p>"
    unit = f", {escape(official.unit)}" if official.unit else ""
    contacts = []
    if official.phone:
        contacts.append(f'<li>Телефон: <a href="tel:{escape(official.phone.replace(" ", ""))}">'
                        f"{escape(official.phone)}</a></li>")
    if official.email:
        contacts.append(f'<li>Електронна поща: <a href="mailto:{escape(official.email)}">{escape(official.email)}</a></li>')
    return (f'<h3>Отговорен служител</h3><p id="official">{escape(official.name)}{unit}</p>'
            f"<ul>{''.join(contacts)}</ul>")


def _case(tracker, view, official=None) -> str:
    history = "".join(f"<li>{h.at.astimezone(tracker.tz):%d.%m.%Y %H:%M} — {escape(h.stage_label or LABELS_BG[h.stage])}"
                      f"{': ' + escape(h.reason) if h.reason else ''}"
                      f"{f' (нов срок: {h.due_date:%d.%m.%Y})' if h.due_date else ''}</li>"
                      for h in view.history)
    due = f"{view.due_date:%d.%m.%Y}" if view.due_date else "—"
    return (f"<h2>Преписка {escape(view.case_index)}</h2><p>Относно: {escape(view.subject)}</p>"
            f"<p>Текущ етап: <strong>{escape(view.stage_label)}</strong></p><p>Срок за отговор: {due}</p>"
            f"{_official(official)}<h3>История</h3><ol>{history}</ol>")


def access_fields(index: str, prefix: str) -> str:
    """The index (carried) and the access code (typed again: never written into a page)."""
    return (f'<input type="hidden" name="index" value="{escape(index[:INDEX_MAX])}">'
            f'<label for="{prefix}-code">Код за достъп от разписката (8 цифри)</label>'
            f'<input id="{prefix}-code" name="code" inputmode="numeric" pattern="[0-9]{{8}}" maxlength="8" '
            'autocomplete="off" required>')


def change_form(index: str, values=None) -> str:
    """The case page's form: the channel, one new address, the access code again."""
    values = values or {}
    sms = values.get("channel") == "sms"
    return f"""<section aria-labelledby="contact-heading"><h3 id="contact-heading">{CONTACT_TITLE}</h3>
<p>Новият адрес се използва едва след като въведете кода, който ще изпратим на него. Дотогава писмата идват
на досегашния адрес.</p><form method="post" action="/contact">
<fieldset><legend>Как да ви уведомяваме</legend>
<input type="radio" id="channel-email" name="channel" value="email" required{"" if sms else " checked"}>
<label for="channel-email">По имейл</label>
<input type="radio" id="channel-sms" name="channel" value="sms"{" checked" if sms else ""}>
<label for="channel-sms">С SMS</label></fieldset>
<label for="new-email">Нов имейл адрес</label><input id="new-email" name="email" type="email" maxlength="{EMAIL_MAX}"
value="{escape(values.get("email", "")[:EMAIL_MAX])}" autocomplete="email">
<label for="new-phone">Нов мобилен телефон</label><input id="new-phone" name="phone" type="tel" maxlength="{PHONE_MAX}"
value="{escape(values.get("phone", "")[:PHONE_MAX])}" autocomplete="tel" aria-describedby="quiet-hours">
<p id="quiet-hours">{QUIET_HOURS}</p>{access_fields(index, "contact")}
<button type="submit">Изпрати код</button></form></section>"""


def _page(index: str, result: str = "", status: int = 200, headers: dict | None = None) -> Response:
    html = f"""<!doctype html><html lang="bg"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Проверка на преписка</title>
{STYLE.tag}</head><body><main><h1>Проверка на преписка</h1>
<form method="post" action="/"><label for="index">Регистрационен индекс</label>
<input id="index" name="index" value="{escape(index[:INDEX_MAX])}" maxlength="{INDEX_MAX}" required>
<label for="code">Код за достъп (8 цифри)</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{{8}}" maxlength="8" autocomplete="off" required>
<button type="submit">Провери</button></form><section aria-live="polite">{result}</section></main></body></html>"""
    return page_response(html, style=STYLE, status=status, headers={**NO_STORE, **(headers or {})})


def form(args) -> Response:
    """GET: the empty form, the index filled in from the address; never a lookup."""
    return _page(args.get("index", ""), alert(CODE_IN_ADDRESS) if args.get("code") else "")


def refused() -> Response:
    """A form another site made the browser send: not looked up, not counted, nothing of it
    shown back (403)."""
    return _page("", alert(FROM_ANOTHER_SITE), status=403)


def render(tracker, form_data, client: str = "") -> Response:
    """POST: the lookup of the index and code in ``form_data``, answered with the page."""
    index, code = form_data.get("index", ""), form_data.get("code", "")
    if not index or not code:
        return _page(index, alert(INCOMPLETE))
    try:
        view, official = tracker.lookup_with_official(CaseLookupRequest(registration_index=index, access_code=code),
                                                      client=client)
    except TooManyAttempts as exc:
        return _page(index, alert(too_many(exc.retry_after_s)), status=429, headers={"Retry-After": str(exc.retry_after_s)})
    except (ValidationError, CaseNotFound):
        return _page(index, alert(NOT_FOUND))
    return _page(index, _case(tracker, view, official) + change_form(view.case_index))
