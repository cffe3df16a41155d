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
label.inline{display:inline}dt{font-weight:600}dd{margin:0 0 .4rem 0}"""
STYLE = Stylesheet(CSS)


CHANNELS = {"counter": "на гише", "post": "по пощата", "email": "по електронна поща",
            "eportal": "през електронен портал", "ssev": "по системата за електронен обмен (ССЕВ)"}
PAYMENTS = {"cash": "в брой", "card": "с банкова карта", "bank_transfer": "по банков път", "epay": "чрез ePay",
            "eportal": "през портала за електронни плащания"}
MISSING = "не е посочено в източника"


def _money(cents) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def _fee(variant, companies: bool = False) -> str:
    """The amount, or the source's own words when the fee is a formula (never a number made up)."""
    cents = variant.fee_company_cents if companies else variant.fee_cents
    if cents is not None:
        return _money(cents)
    if companies:
        return "както за граждани" if variant.fee_cents is not None else "—"
    return escape(variant.fee_source_text) if variant.fee_source_text else "не е посочена"


def _term(term):
    return "не е посочен" if term is None else term.text_bg()


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def _variants(c) -> str:
    if not c.variants:
        return "<p>Срокове и такси: не са посочени в източника.</p>"
    companies = any(x.fee_company_cents is not None for x in c.variants)
    head = '<th scope="col">Такса за граждани</th><th scope="col">Такса за фирми</th>' if companies else \
        '<th scope="col">Такса</th>'
    rows = "".join(f"<tr><td>{VARIANTS[x.kind.value]}</td><td>{_term(x.term)}</td><td>{_fee(x)}</td>"
                   + (f"<td>{_fee(x, companies=True)}</td>" if companies else "")
                   + f"<td>{escape(x.fee_source_text or '')}</td></tr>" for x in c.variants)
    return (f'<table><caption>Срокове и такси</caption><thead><tr><th scope="col">Вид</th><th scope="col">Срок</th>'
            f'{head}<th scope="col">Според източника</th></tr></thead><tbody>{rows}</tbody></table>')


def _documents(c) -> str:
    items = "".join(f"<li>{escape(d.name)}"
                    + (f" ({_link(d.form_template, 'образец')})" if d.form_template else "") + "</li>"
                    for d in c.required_documents)
    return f"<ul>{items}</ul>" if items else MISSING


def _channels(channels, eservice_url=None) -> str:
    words = [CHANNELS[ch] for ch in channels]
    text = ", ".join(words) or MISSING
    return text + (f"; {_link(eservice_url, 'електронна услуга')}" if eservice_url else "")


def _sources(c) -> str:
    main = f"{_link(c.source.url, 'Източник')} (прочетен на {c.source.read_on:%d.%m.%Y})"
    others = "".join(
        f"<li>{'<strong>Несъгласие – за решение от оператор:</strong> ' if o.conflict else ''}{escape(o.says)} "
        f"({_link(o.url, 'източник')}"
        + (f", прочетен на {o.read_on:%d.%m.%Y}" if o.read_on else ", непрочетен оттук") + ")</li>"
        for o in c.other_sources)
    return main + (f"<ul>{others}</ul>" if others else "")


def _card(c) -> list[tuple[str, str]]:
    """Every field of the national register's card, in its order; a missing one says so."""
    register = (f"{escape(c.register_id)}{'' if c.register_id_verified else ' (непотвърден)'}"
                if c.register_id else MISSING)
    basis = "; ".join(escape(b.label()) for b in c.legal_basis) or MISSING
    unit = escape(c.unit.name) + (f"; {escape(c.unit.contact)}" if c.unit.contact else "")
    appeal = "; ".join(escape(x) for x in (c.appeal.authority, c.appeal.term) if x) or MISSING
    return [("Код", escape(c.code)), ("Номер в ИИСДА", register),
            ("Описание", escape(c.description) if c.description else MISSING), ("Правно основание", basis),
            ("Кой може да заяви", escape(c.who_may_apply) if c.who_may_apply else MISSING),
            ("Компетентен орган", escape(c.competent_authority) if c.competent_authority else MISSING),
            ("Звено", unit), ("Необходими документи", _documents(c)),
            ("Начини на плащане", ", ".join(PAYMENTS[m] for m in c.payment_methods) or MISSING),
            ("Заявяване", _channels(c.request_channels, c.eservice_url)),
            ("Получаване на резултата", _channels(c.result_channels)),
            ("Срок на валидност на резултата", escape(c.validity) if c.validity else MISSING),
            ("Обжалване", appeal), ("Източници", _sources(c))]


def _service(v) -> str:
    c = v.content
    fields = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in _card(c))
    return (f'<article><h2 id="s-{escape(c.code)}">{escape(c.name)}</h2>{_variants(c)}<dl>{fields}</dl>'
            f"<p>Версия {v.version}, в сила от {v.valid_from:%d.%m.%Y}.</p></article>")


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
