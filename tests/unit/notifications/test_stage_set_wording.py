"""Letters name the stage in the words of the case's own stage set version (issue 14 item 1):
status sends them with each change; a letter previewed before a transition names the stage as
the letter sent after it does."""
import datetime as dt

from delovod_proto.events import CaseStatusChanged
from delovod_proto.vocabulary import CaseStage
from notifications.domain import messages
from notifications.service_layer.correspondence import Correspondence

SIGNED = messages.signature("Община Пловдив", "032/656 701", "info@plovdiv.bg")
LABELS = {CaseStage.REGISTERED: "Заявлението е прието", CaseStage.IN_PROGRESS: "Работим по заявлението",
          CaseStage.ANSWERED: "Отговорихме", CaseStage.CLOSED: "Готово"}


def changed(stage, previous=None, **extra):
    return CaseStatusChanged(case_index="ЖЛБ-1/25.11.2026", stage=stage, previous_stage=previous,
                             changed_at=dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc), subject="Осветление",
                             due_date=dt.date(2026, 12, 29), **extra)


def test_the_letter_names_the_stage_as_the_bound_set_does_and_the_preview_is_the_same():
    mail = Correspondence.in_memory("http://status", "Europe/Sofia", SIGNED)
    first = changed(CaseStage.REGISTERED, stage_label=LABELS[CaseStage.REGISTERED], stage_labels=LABELS)
    mail.status_changed(first)
    assert "Етап на преписката: Заявлението е прието." in mail.status_letter(first, None).body
    preview = mail.preview("ЖЛБ-1/25.11.2026", CaseStage.IN_PROGRESS, None, None, None, None)
    sent = mail.status_letter(changed(CaseStage.IN_PROGRESS, CaseStage.REGISTERED,
                                      stage_label=LABELS[CaseStage.IN_PROGRESS], stage_labels=LABELS), None)
    assert "Етап на преписката: Работим по заявлението." in preview.body and preview.body == sent.body


def test_an_event_from_before_stage_sets_gives_the_letter_it_always_had():
    mail = Correspondence.in_memory("http://status", "Europe/Sofia", SIGNED)
    assert "Етап на преписката" not in mail.status_letter(changed(CaseStage.REGISTERED), None).body
