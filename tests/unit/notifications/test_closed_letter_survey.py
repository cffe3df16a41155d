"""The "closed" letter invites the citizen to the survey through the link status issued with
the event (Client Charter), and only when the event carries one."""
import datetime as dt

from delovod_proto.events import CaseStatusChanged
from delovod_proto.vocabulary import CaseStage
from notifications.service_layer.correspondence import Correspondence

LINK = "https://status.example.bg/survey/" + "a" * 43


def closed(survey_url=None):
    return CaseStatusChanged(case_index="ЖЛБ-1/25.11.2026", stage=CaseStage.CLOSED, previous_stage=CaseStage.ANSWERED,
                             changed_at=dt.datetime(2026, 12, 2, 9, tzinfo=dt.timezone.utc), subject="Осветление",
                             survey_url=survey_url)


def test_the_closed_letter_carries_the_one_time_survey_link():
    letter = Correspondence.in_memory("https://status.example.bg", "Europe/Sofia", "Община Тест").status_letter(
        closed(LINK), None)
    assert f"Връзката е лична и може да се използва само веднъж в рамките на 30 дни: {LINK}" in letter.body
    assert "оценете обслужването от 1 до 5" in letter.body and "преразглеждане" in letter.body


def test_without_a_link_the_letter_does_not_invite():
    letter = Correspondence.in_memory("https://status.example.bg", "Europe/Sofia", "Община Тест").status_letter(
        closed(), None)
    assert "/survey/" not in letter.body and "оценете" not in letter.body
