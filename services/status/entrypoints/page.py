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
FROM_ANOTHER_SITE = ("Проверка се приема само от страницата за проверка на преписка. "
                     "Въведете индекса и кода за достъп във формата по-долу.")


def _alert(text: str) -> str:
    return f'<p role="alert">{escape(text)}</p>'


def _minutes(seconds: int) -> str:
    n = max(1, -(-seconds // 60))
    return f"{n} минута" if n == 1 else f"{n} минути"


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
    history = "".join(f"<li>{h.at.astimezone(tracker.tz):%d.%m.%Y %H:%M} — {LABELS_BG[h.stage]}"
                      f"{': ' + escape(h.reason) if h.reason else ''}"
                      f"{f' (нов срок: {h.due_date:%d.%m.%Y})' if h.due_date else ''}</li>"
                      for h in view.history)
    due = f"{view.due_date:%d.%m.%Y}" if view.due_date else "—"
    return (f"<h2>Преписка {escape(view.case_index)}</h2><p>Относно: {escape(view.subject)}</p>"
            f"<p>Текущ етап: <strong>{view.stage_label}</strong></p><p>Срок за отговор: {due}</p>"
            f"{_official(official)}<h3>История</h3><ol>{history}</ol>")


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
    return _page(args.get("index", ""), _alert(CODE_IN_ADDRESS) if args.get("code") else "")


def refused() -> Response:
    """A form another site made the browser send: not looked up, not counted, nothing of it
    shown back (403)."""
    return _page("", _alert(FROM_ANOTHER_SITE), status=403)


def render(tracker, form_data, client: str = "") -> Response:
    """POST: the lookup of the index and code in ``form_data``, answered with the page."""
    index, code = form_data.get("index", ""), form_data.get("code", "")
    if not index or not code:
        return _page(index, _alert(INCOMPLETE))
    try:
        view, official = tracker.lookup_with_official(CaseLookupRequest(registration_index=index, access_code=code),
                                                      client=client)
    except TooManyAttempts as exc:
        wait = f"Твърде много неуспешни опити. Опитайте отново след {_minutes(exc.retry_after_s)}."
        return _page(index, _alert(wait), status=429, headers={"Retry-After": str(exc.retry_after_s)})
    except (ValidationError, CaseNotFound):
        return _page(index, _alert(NOT_FOUND))
    return _page(index, _case(tracker, view, official))
