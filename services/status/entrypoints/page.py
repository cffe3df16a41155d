"""The citizens' lookup page in Bulgarian: index + access code, no login."""
from __future__ import annotations

from html import escape

from pydantic import ValidationError
from werkzeug.wrappers import Response

from delovod_proto.rpc import CaseLookupRequest, CaseNotFound

from ..domain.case import LABELS_BG
from ..service_layer.guard import TooManyAttempts

CSS = ("body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#1a1a1a}"
       "label{display:block;font-weight:600;margin-top:.5rem}input,button{font-size:1rem;padding:.4rem}"
       "button{background:#0b5394;color:#fff;border:0;margin-top:.75rem}"
       "input:focus,button:focus{outline:3px solid #b35900}")


def _result(tracker, index: str, code: str, client: str) -> str:
    try:
        view = tracker.lookup(CaseLookupRequest(registration_index=index, access_code=code), client=client)
    except TooManyAttempts as exc:
        return f'<p role="alert">{escape(str(exc))}</p>'
    except (ValidationError, CaseNotFound):
        return '<p role="alert">Няма преписка с този индекс и код за достъп. Проверете ги и опитайте отново.</p>'
    history = "".join(f"<li>{h.at.astimezone(tracker.tz):%d.%m.%Y %H:%M} — {LABELS_BG[h.stage]}"
                      f"{': ' + escape(h.reason) if h.reason else ''}"
                      f"{f' (нов срок: {h.due_date:%d.%m.%Y})' if h.due_date else ''}</li>"
                      for h in view.history)
    due = f"{view.due_date:%d.%m.%Y}" if view.due_date else "—"
    return (f"<h2>Преписка {escape(view.case_index)}</h2><p>Относно: {escape(view.subject)}</p>"
            f"<p>Текущ етап: <strong>{view.stage_label}</strong></p><p>Срок за отговор: {due}</p>"
            f"<h3>История</h3><ol>{history}</ol>")


def render(tracker, args, client: str = "") -> Response:
    index, code = args.get("index", ""), args.get("code", "")
    result = _result(tracker, index, code, client) if index and code else ""
    html = f"""<!doctype html><html lang="bg"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Проверка на преписка</title>
<style>{CSS}</style></head><body><main><h1>Проверка на преписка</h1>
<form method="get" action="/"><label for="index">Регистрационен индекс</label>
<input id="index" name="index" value="{escape(index)}" required>
<label for="code">Код за достъп (8 цифри)</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{{8}}" autocomplete="off" required>
<button type="submit">Провери</button></form><section aria-live="polite">{result}</section></main></body></html>"""
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})
