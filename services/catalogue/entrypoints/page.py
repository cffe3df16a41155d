"""The public catalogue page in Bulgarian (server-rendered, no JavaScript; WCAG 2.1 AA:
one h1, labelled form controls, visible focus, contrast >= 4.5:1, a skip link)."""
from __future__ import annotations

from html import escape

from werkzeug.wrappers import Response

from servicekit.pages import Stylesheet, page_response

from ..domain.search import MAX_QUERY, InvalidSearch

VARIANTS = {"ordinary": "Обикновена", "fast": "Бърза", "express": "Експресна"}
CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff;line-height:1.5}
a{color:#0645ad}a:focus,input:focus,select:focus,button:focus{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
label{display:block;font-weight:600;margin-top:.5rem}input,select,button{font-size:1rem;padding:.4rem}
button{background:#0b5394;color:#fff;border:0;border-radius:4px;margin-top:.75rem;cursor:pointer}
article{border-top:1px solid #767676;padding:.5rem 0}table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left}
label.inline{display:inline}"""
STYLE = Stylesheet(CSS)


def _fee(cents):
    return "не е посочена" if cents is None else f"{cents // 100},{cents % 100:02d} €"


def _term(term):
    return "не е посочен" if term is None else term.text_bg()


def _service(v) -> str:
    c = v.content
    rows = "".join(f"<tr><td>{VARIANTS[x.kind.value]}</td><td>{_term(x.term)}</td>"
                   f"<td>{_fee(x.fee_cents)}</td></tr>" for x in c.variants)
    basis = "; ".join(escape(b.label()) for b in c.legal_basis) or "не е посочено"
    docs = "".join(f"<li>{escape(d.name)}</li>" for d in c.required_documents)
    return (f'<article><h2 id="s-{escape(c.code)}">{escape(c.name)}</h2>'
            f"<p>Код: {escape(c.code)}. Звено: {escape(c.unit.name)}.</p>"
            f"<p>Правно основание: {basis}</p>"
            + (f'<table><caption>Срокове и такси</caption><thead><tr><th scope="col">Вид</th>'
               f'<th scope="col">Срок</th><th scope="col">Такса</th></tr></thead><tbody>{rows}</tbody></table>'
               if rows else "<p>Срокове и такси: не са посочени в източника.</p>")
            + (f"<h3>Необходими документи</h3><ul>{docs}</ul>" if docs else "")
            + f'<p><a href="{escape(c.source.url)}">Източник</a> (прочетен на {c.source.read_on:%d.%m.%Y})</p></article>')


def render(catalogue, args) -> Response:
    q = args.get("q", "")
    unit = args.get("unit", "")
    status, alert = 200, ""
    try:
        found = catalogue.search(q, unit=unit or None, eservice=True if args.get("eservice") else None, limit=100)
    except InvalidSearch as exc:  # too long, control characters: say so on the page, as typed
        status, found = 400, []
        alert = f'<p role="alert">{escape(exc.detail)}</p>'
    options = "".join(f'<option{" selected" if u == unit else ""}>{escape(u)}</option>' for u in catalogue.units())
    body = "".join(_service(v) for v in found) or "<p>Няма намерени услуги.</p>"
    html = f"""<!doctype html><html lang="bg"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Каталог на административните услуги</title>{STYLE.tag}</head><body>
<a class="skip" href="#results">Към резултатите</a>
<header><h1>Каталог на административните услуги</h1></header>
<main><form role="search" method="get" action="/">
<label for="q">Търсене (на кирилица или латиница)</label>
<input id="q" name="q" type="search" value="{escape(q[:MAX_QUERY])}" maxlength="{MAX_QUERY}" autocomplete="off">
<label for="unit">Звено</label><select id="unit" name="unit"><option value="">Всички звена</option>{options}</select>
<div><input id="eservice" name="eservice" type="checkbox" value="1"{" checked" if args.get("eservice") else ""}>
<label for="eservice" class="inline">Само електронни услуги</label></div>
<button type="submit">Търси</button></form>
<section id="results" aria-live="polite">{alert}<p>Намерени услуги: {len(found)}</p>{body}</section></main></body></html>"""
    return page_response(html, style=STYLE, status=status)
