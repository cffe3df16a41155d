"""Issue 14 item 1: the letters of the new stages say what changed, what the citizen must do
and by when, and when to expect the answer."""
import datetime as dt

from delovod_proto.vocabulary import CaseStage
from notifications.domain.letters import LetterFacts, Office
from notifications.domain.messages import stage_letter

OFFICE = Office("Община Тест", "032/000 000", "office@example.bg")


def facts(reason, due=dt.date(2026, 12, 16), kind=None):
    f = LetterFacts("ЗДОИ-7/02.12.2026", "Справка за разходи", "http://status.example", OFFICE, None, None, due,
                    None, reason)
    f.kind = kind
    return f


def test_awaiting_the_citizen_says_what_to_send_and_that_the_term_stands_still():
    body = stage_letter(facts("Уточнете за кой период искате справката."), CaseStage.AWAITING_CITIZEN).body
    assert "необходимо следното от Вас: Уточнете за кой период искате справката." in body
    assert "срокът за отговор не тече" in body
    assert "в 7 дни" in body and "в 30 дни" in body and "пълните 14 дни" in body


def test_a_zdoi_request_is_told_the_zdoi_rules_only():
    body = stage_letter(facts("Уточнете периода.", kind="public_information_request"),
                        CaseStage.AWAITING_CITIZEN).body
    assert "в 30 дни, то ще остане без разглеждане (чл. 29, ал. 1" in body and "започва отначало" in body and "в 7 дни" not in body


def test_a_clarified_request_gets_the_resumed_letter_with_the_new_date():
    letter = stage_letter(facts("Срок 14 дни от 10.12.2026 (ЗДОИ чл. 29, ал. 2: 14 дни от уточняването на "
                                "заявлението)", due=dt.date(2026, 12, 29)),
                          CaseStage.IN_PROGRESS, CaseStage.AWAITING_CITIZEN)
    assert "възобновено" in letter.subject and "Нов срок за отговор: 29.12.2026" in letter.body
    assert "ЗДОИ чл. 29, ал. 2" in letter.body


def test_reconsideration_and_appeal_letters():
    body = stage_letter(facts("Отказът не посочва основание."), CaseStage.RECONSIDERATION_REQUESTED).body
    assert "отново отворена" in body and "не спира срока за обжалване" in body
    body = stage_letter(facts("Обжалвано пред Административен съд – Пловдив на 18.12.2026."), CaseStage.APPEALED).body
    assert "Административен съд – Пловдив на 18.12.2026" in body and "Какво трябва да направите: нищо пред нас" in body
