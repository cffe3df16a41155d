"""Issue 14 item 4: every letter says what changed, what to do (or that nothing is needed), when
to expect the answer, whom to call (the official, or the office until one is assigned) and where
to look; it is addressed by the reader's form of address, or neutrally. Templates in files."""
import datetime as dt

import pytest

from delovod_proto.events import CaseOverdue, Contact, Official
from delovod_proto.vocabulary import CaseStage
from notifications.domain.letters import (TEMPLATES, Appeal, LetterFacts, Office, days_bg, greeting, render,
                                          template_names)
from notifications.domain.messages import STAGE_LETTERS, escalation_letter, overdue_letter, stage_letter

OFFICE = Office("Община Тест — Звено за административно обслужване", "032/000 000", "office@example.bg")
OFFICIAL = Official(username="ipetrov", name="Иван Петров", unit="Отдел „Гражданска регистрация“",
                    phone="032/656 777", email="i.petrov@example.bg")
INDEX = "ЖЛБ-12/25.11.2026"
LINK = "http://status.example/?index=%D0%96%D0%9B%D0%91-12%2F25.11.2026"


def person(salutation=None, name="Мария Петрова Иванова"):
    return Contact(name=name, preferred_channel="email", email="maria@example.bg", salutation=salutation)


def facts(recipient=None, official=None, due=dt.date(2026, 12, 29), previous_due=None, reason=None):
    return LetterFacts(INDEX, "Неработещо улично осветление", "http://status.example", OFFICE, recipient, official,
                       due, previous_due, reason)


RECIPIENTS = {"ms": (person("ms"), "Уважаема г-жо Иванова,"),
              "mr": (person("mr", "Петър Георгиев Петров"), "Уважаеми г-н Петров,"),
              "neutral": (person(None), "Здравейте, Мария Петрова Иванова,"),
              "unknown": (None, "Здравейте,")}


def test_every_stage_has_a_letter_template():
    assert set(STAGE_LETTERS) == set(CaseStage)
    for name in list(STAGE_LETTERS.values()) + ["resumed", "overdue", "escalation"]:
        assert (TEMPLATES / f"{name}.txt.j2").is_file(), name
    assert set(template_names()) >= set(STAGE_LETTERS.values())


@pytest.mark.parametrize("stage", list(CaseStage))
@pytest.mark.parametrize("with_official", [True, False], ids=["official", "no-official"])
@pytest.mark.parametrize("who", list(RECIPIENTS))
def test_each_stage_letter_has_every_part(stage, with_official, who):
    recipient, opening = RECIPIENTS[who]
    letter = stage_letter(facts(recipient, OFFICIAL if with_official else None, reason="Нужно е становище."),
                          stage)
    body = letter.body
    assert body.startswith(opening + "\n\n")
    assert letter.subject.startswith(f"Преписка {INDEX}: ") and "\n" not in letter.subject
    assert "Какво трябва да направите:" in body
    if stage not in (CaseStage.ANSWERED, CaseStage.CLOSED):
        assert "Очаквана дата на отговора:" in body or "Нов срок" in body
    if with_official:
        assert "Отговорен служител: Иван Петров, Отдел „Гражданска регистрация“\n" in body
        assert "тел. 032/656 777, e-mail: i.petrov@example.bg" in body
    else:  # the office until the case is assigned (Client Charter: a contact in every letter)
        assert "все още не е разпределена на служител" in body and "тел. 032/000 000, e-mail: office@example.bg" in body
    assert LINK in body
    assert body.endswith("С уважение,\nОбщина Тест — Звено за административно обслужване\n"
                         "тел. 032/000 000, office@example.bg\n")
    for leak in ("None", "{{", "{%", "\n\n\n", "граждани"):
        assert leak not in body


@pytest.mark.parametrize("with_official", [True, False])
@pytest.mark.parametrize("who", list(RECIPIENTS))
def test_the_missed_term_letter_has_every_part(with_official, who):
    recipient, opening = RECIPIENTS[who]
    f = facts(recipient, OFFICIAL if with_official else None, due=None)
    letter = overdue_letter(f, overdue())
    assert letter.body.startswith(opening + "\n\n") and "срокът за отговор изтече" in letter.subject
    assert "изтече на 01.12.2026 (преди 3 дни)" in letter.body
    assert "чл. 58 от Административнопроцесуалния кодекс" in letter.body and "мълчалив отказ" in letter.body
    assert "Отговорният служител ще се свърже с Вас" in letter.body
    assert "Какво трябва да направите:" in letter.body and LINK in letter.body
    assert "None" not in letter.body and "{{" not in letter.body


def overdue(days=3, kind="service_application", due=dt.date(2026, 12, 1)):
    return CaseOverdue(case_index=INDEX, subject="Неработещо улично осветление", kind=kind, stage="in_progress",
                       due_date=due, days_overdue=days, seen_at=dt.datetime(2026, 12, 4, 6, tzinfo=dt.timezone.utc))


def test_a_missed_term_of_a_complaint_is_no_tacit_refusal_and_a_later_date_is_the_new_expectation():
    letter = overdue_letter(facts(person("ms"), due=dt.date(2026, 12, 15)), overdue(1, kind="complaint"))
    assert "мълчалив отказ" not in letter.body and "ще получите отговор" in letter.body
    assert "(преди 1 ден)" in letter.body and "Нова очаквана дата на отговора: до 15.12.2026." in letter.body


def test_the_escalation_names_the_case_the_official_and_the_delay():
    head = Contact(name="Георги Георгиев", preferred_channel="email", email="head@example.bg")
    letter = escalation_letter(facts(head, OFFICIAL), overdue(21), "Отдел „Гражданска регистрация“")
    assert letter.subject == f"Просрочена преписка {INDEX} (21 дни след срока)"
    assert letter.body.startswith("Здравейте, Георги Георгиев,\n\n")
    for part in ("Вид: заявление за административна услуга", "Етап: в процес на разглеждане",
                 "Звено: Отдел „Гражданска регистрация“", "Отговорен служител: Иван Петров, тел. 032/656 777",
                 "мълчалив отказ (чл. 58 от АПК)", LINK):
        assert part in letter.body


@pytest.mark.parametrize("n,text", [(1, "1 ден"), (2, "2 дни"), (11, "11 дни"), (21, "21 дни")])
def test_counts_of_days_agree_in_bulgarian(n, text):
    assert days_bg(n) == text


def test_citizen_text_is_printed_never_compiled_as_a_template():
    hostile = "{{ 7*7 }} {% for x in range(3) %}x{% endfor %} {{ ''.__class__ }}"
    recipient = person("ms", name="Мария {{ 7*7 }}")
    letter = stage_letter(facts(recipient, reason=hostile), CaseStage.SUSPENDED)
    assert hostile in letter.body and "49" not in letter.body
    assert greeting(recipient) == "Уважаема г-жо }},"  # the last of the names as given, not evaluated


def test_an_organisation_or_an_unknown_form_of_address_is_greeted_neutrally():
    assert greeting(person(None, "„Светлина“ ЕООД")) == "Здравейте, „Светлина“ ЕООД,"
    assert greeting(person("mr", "  Петър   Петров ")) == "Уважаеми г-н Петров,"


def test_the_answer_quotes_the_catalogues_appeal_route():
    letter = stage_letter(facts(person("mr", "Петър Петров")), CaseStage.ANSWERED,
                          appeal=Appeal("Административен съд – Пловдив", "14 дни от съобщаването"), service_named=True)
    assert "Обжалване: пред Административен съд – Пловдив. Срок за обжалване: 14 дни от съобщаването." in letter.body
    assert "общото правило" not in letter.body


def test_the_answer_fills_a_missing_appeal_term_with_the_general_rule_and_says_so():
    letter = stage_letter(facts(person("mr", "Петър Петров")), CaseStage.ANSWERED,
                          appeal=Appeal("Административен съд – Пловдив", None), service_named=True)
    assert "пред Административен съд – Пловдив. Срок за обжалване: 14 дни от съобщаването на отговора " \
           "(каталогът на услугите не го посочва; общото правило на чл. 149" in letter.body


def test_a_zdoi_answer_names_the_route_of_zdoi_article_40_not_a_catalogue_gap():
    letter = stage_letter(facts(person("mr", "Петър Петров")), CaseStage.ANSWERED, kind="public_information_request")
    assert ("Обжалване: пред съответния административен съд по реда на Административнопроцесуалния кодекс "
            "(чл. 40, ал. 1 от Закона за достъп до обществена информация). Срок за обжалване: 14 дни от "
            "съобщаването на решението (чл. 149, ал. 1 от Административнопроцесуалния кодекс).") in letter.body
    assert "каталогът" not in letter.body and "да го обжалвате" in letter.body


def test_a_proposals_answer_says_it_is_not_appealable_and_asks_nothing():
    letter = stage_letter(facts(person("mr", "Петър Петров")), CaseStage.ANSWERED, kind="proposal")
    assert ("Обжалване: решението по предложение не подлежи на обжалване (чл. 118, ал. 3 от "
            "Административнопроцесуалния кодекс).") in letter.body
    assert "Какво трябва да направите: нищо" in letter.body
    assert "обжалвате" not in letter.body and "чл. 149" not in letter.body


# -- golden letters, read for grammar ---------------------------------------------------------------

GOLDEN_EXTENDED = """Уважаема г-жо Иванова,

Не можем да отговорим в срока по преписка ЖЛБ-12/25.11.2026 (до 09.12.2026), затова срокът е удължен. Причина: Необходимо е становище на РИОСВ – Пловдив.

Какво трябва да направите: нищо — не е необходимо да предприемате действия.

Нов срок: 29.12.2026. До тази дата ще получите пълен отговор.

Относно: Неработещо улично осветление

Отговорен служител: Иван Петров, Отдел „Гражданска регистрация“
тел. 032/656 777, e-mail: i.petrov@example.bg

Можете да проверите текущия етап по всяко време с индекса и кода за достъп от разписката: http://status.example/?index=%D0%96%D0%9B%D0%91-12%2F25.11.2026

С уважение,
Община Тест — Звено за административно обслужване
тел. 032/000 000, office@example.bg
"""

GOLDEN_ANSWERED = """Уважаеми г-н Петров,

По преписка ЖЛБ-12/25.11.2026 Ви е изпратен отговор по електронна поща на адрес maria@example.bg.

Какво трябва да направите: ако сте съгласни с отговора — нищо. Ако смятате, че решението е неправилно, можете да поискате да го преразгледаме (пишете на отговорния служител) или да го обжалвате.

Обжалване: каталогът на услугите не посочва орган и срок за обжалване на тази услуга, затова Ви съобщаваме общото правило на Административнопроцесуалния кодекс (чл. 149): ако отговорът е административен акт, той може да се обжалва пред съответния административен съд чрез органа, който го е издал, в 14-дневен срок от съобщаването му, освен ако в самия отговор е посочено друго.

Относно: Неработещо улично осветление

Преписката все още не е разпределена на служител. Дотогава за въпроси: Община Тест — Звено за административно обслужване, тел. 032/000 000, e-mail: office@example.bg.

Можете да проверите текущия етап по всяко време с индекса и кода за достъп от разписката: http://status.example/?index=%D0%96%D0%9B%D0%91-12%2F25.11.2026

С уважение,
Община Тест — Звено за административно обслужване
тел. 032/000 000, office@example.bg
"""


def test_golden_extension_letter():
    letter = stage_letter(facts(person("ms"), OFFICIAL, previous_due=dt.date(2026, 12, 9),
                                reason="Необходимо е становище на РИОСВ – Пловдив."), CaseStage.EXTENDED)
    assert letter.subject == "Преписка ЖЛБ-12/25.11.2026: срокът за отговор е удължен"
    assert letter.body == GOLDEN_EXTENDED


def test_golden_answer_letter_without_an_appeal_in_the_catalogue():
    letter = stage_letter(facts(person("mr", "Петър Петров")), CaseStage.ANSWERED, appeal=None, service_named=True)
    assert letter.subject == "Преписка ЖЛБ-12/25.11.2026: изпратен е отговор"
    assert letter.body == GOLDEN_ANSWERED


def test_a_template_is_rendered_from_its_file():
    assert render("closed", facts(person("ms"))).subject == f"Преписка {INDEX}: приключена е"
