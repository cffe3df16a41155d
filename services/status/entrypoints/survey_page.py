"""The citizen's satisfaction survey page (Bulgarian), opened by the one-time link in the
"closed" letter: a rating 1-5 (radios in a fieldset), an optional comment and "Искам
преразглеждане". Sent by POST to the same address and answered with the page itself; a form
another site made the browser send is refused (as the lookup page does)."""
from __future__ import annotations

from html import escape

from werkzeug.wrappers import Response

from servicekit.pages import Stylesheet, page_response

from ..domain.survey import COMMENT_MAX, ExpiredLink, MalformedLink, SurveyInputError, SurveyLinkError, UsedLink

STYLE = Stylesheet("body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#1a1a1a}"
                   "fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600}"
                   "label{font-weight:400}.field{margin:.4rem 0}.hint{color:#505a5f}"
                   "textarea{width:100%;font-size:1rem}button{font-size:1rem;padding:.4rem;background:#0b5394;"
                   "color:#fff;border:0;margin-top:.75rem}.error{border-left:5px solid #d4351c;padding-left:.75rem}"
                   "input:focus,textarea:focus,button:focus{outline:3px solid #b35900}")
HEADERS = {"Cache-Control": "no-store"}
TITLE = "Оценка на обслужването"
LINK_MESSAGES = {
    MalformedLink: ("Връзката е непълна", "Адресът на анкетата не е пълен. Отворете връзката от писмото още веднъж "
                                          "или я копирайте изцяло."),
    UsedLink: ("Анкетата вече е попълнена", "С тази връзка вече е изпратен отговор. Всяка връзка може да се използва "
                                            "само веднъж. Благодарим ви!"),
    ExpiredLink: ("Връзката е изтекла", "Срокът за попълване на анкетата е изтекъл. Ако искате да ни кажете нещо "
                                        "за обслужването, пишете ни на адреса от писмото."),
}
UNKNOWN = ("Няма такава анкета", "Не намираме анкета с тази връзка. Проверете дали сте копирали адреса от писмото "
                                 "изцяло.")
FROM_ANOTHER_SITE = "Отговорът се приема само от страницата на анкетата. Попълнете формата по-долу."


def _document(body: str, status: int) -> Response:
    html = f"""<!doctype html><html lang="bg"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{TITLE}</title>
{STYLE.tag}</head><body><main>{body}</main></body></html>"""
    return page_response(html, style=STYLE, status=status, headers=HEADERS)


def link_refused(exc: SurveyLinkError) -> Response:
    """A malformed (400), unknown (404), used or expired (410) link: what happened, in Bulgarian."""
    heading, text = LINK_MESSAGES.get(type(exc), UNKNOWN)
    return _document(f"<h1>{heading}</h1><p>{text}</p>", exc.status)


def form(case_index: str, error: str = "", values=None, status: int = 200) -> Response:
    values = values or {}
    chosen = values.get("rating", "")
    radios = "".join(
        f'<div class="field"><input type="radio" id="rating-{n}" name="rating" value="{n}" required'
        f'{" checked" if chosen == str(n) else ""}><label for="rating-{n}">{n} – {label}</label></div>'
        for n, label in ((1, "много лошо"), (2, "лошо"), (3, "задоволително"), (4, "добре"), (5, "отлично")))
    summary = (f'<div class="error" role="alert"><h2>Има проблем</h2><p id="problem">{escape(error)}</p></div>'
               if error else "")
    checked = " checked" if values.get("reconsideration") else ""
    body = f"""<h1>{TITLE}</h1>{summary}
<p>Преписка <strong>{escape(case_index)}</strong> е приключена. Моля, кажете ни как бяхте обслужени: отговорът
ви ни помага да подобрим услугите (Харта на клиента).</p>
<form method="post"><fieldset><legend>Как оценявате обслужването?</legend>{radios}</fieldset>
<div class="field"><label for="comment">Коментар (по желание)</label>
<p class="hint" id="comment-hint">До {COMMENT_MAX} знака.</p>
<textarea id="comment" name="comment" rows="5" maxlength="{COMMENT_MAX}"
aria-describedby="comment-hint">{escape(values.get("comment", "")[:COMMENT_MAX])}</textarea></div>
<div class="field"><input type="checkbox" id="reconsideration" name="reconsideration" value="yes"{checked}
aria-describedby="reconsideration-hint"><label for="reconsideration">Искам преразглеждане</label>
<p class="hint" id="reconsideration-hint">Ако смятате, че решението е неправилно, преписката ще бъде
преразгледана. Напишете в коментара защо.</p></div>
<button type="submit">Изпрати</button></form>"""
    return _document(body, status)


def invalid(case_index: str, exc: SurveyInputError, values) -> Response:
    return form(case_index, str(exc), values, status=200)


def refused(case_index: str) -> Response:
    return form(case_index, FROM_ANOTHER_SITE, status=403)


def thanks(answer, not_opened: str | None) -> Response:
    if answer.reconsideration and not_opened is None:
        more = ("<p>Поискахте преразглеждане: преписката е преминала в етап „Поискано преразглеждане“. "
                "Ще ви уведомим за резултата.</p>")
    elif answer.reconsideration:
        more = (f"<p>Преразглеждането не можа да бъде открито автоматично: {escape(not_opened)} "
                "Моля, свържете се със служителя, посочен в писмото.</p>")
    else:
        more = ""
    return _document(f"<h1>Благодарим ви!</h1><p role=\"status\">Отговорът ви е записан.</p>{more}", 200)
