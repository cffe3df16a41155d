"""Issue 14 items 3-4 through the dispatcher: the official travels from the status event into
every later letter; a preview is the letter that is then sent; a missed term writes to the
citizen and escalates to the unit's head; an answer quotes the catalogue's appeal route."""
import datetime as dt

import pytest

from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseOverdue, CaseStatusChanged, Contact, DocumentRegistered, Official
from delovod_proto.vocabulary import ContactChannel
from notifications.adapters.case_files import InMemoryCaseFiles
from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.domain.letters import Appeal, Office
from notifications.service_layer.correspondence import Correspondence, escalation_id, head_key
from notifications.service_layer.dispatcher import Dispatcher
from servicekit.errors import Unavailable
from tests.helpers import registered

INDEX = "ЖЛБ-1/25.11.2026"
OFFICE = Office("Община Тест", "000/000 000", "office@example.bg")
UNIT = "Отдел „Местни данъци и такси“"
OFFICIAL = Official(username="gstoeva", name="Гергана Стоева", unit=UNIT, phone="032/656 701 вътр. 12",
                    email="g.stoeva@example.bg")
SIGNED = "Община Тест\nтел. 000/000 000, office@example.bg\n"


class Clock:
    now = dt.datetime(2026, 12, 2, 9, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now


class Outbox:
    def __init__(self):
        self.sent = []

    def send(self, n, contact):
        self.sent.append((n, contact))


class Catalogue:
    def __init__(self, appeal=None, down=False):
        self.appeal_, self.down, self.asked = appeal, down, []

    def appeal(self, code, at):
        self.asked.append((code, at))
        if self.down:
            raise Unavailable("catalogue", 1.0)
        return self.appeal_


def make(unit_heads=None):
    repo, channel = InMemoryNotificationRepository(), Outbox()
    correspondence = Correspondence(InMemoryCaseFiles(), OFFICE, "http://s", "Europe/Sofia", unit_heads or {})
    d = Dispatcher(repo, {ContactChannel.EMAIL: channel}, "http://s", 3, 1.0, clock=Clock(), tz="Europe/Sofia",
                   signed=SIGNED, correspondence=correspondence)
    return d, channel


def application(salutation="ms", name="Мария Иванова") -> DocumentRegistered:
    e = registered(INDEX)
    sender = Contact(name=name, preferred_channel="email", email="m@example.bg", salutation=salutation)
    return DocumentRegistered.model_validate({**e.model_dump(), "kind": "service_application", "service_code": "2109",
                                              "responsible_unit": UNIT, "sender": sender.model_dump()})


def changed(stage, official=None, **kw) -> Envelope:
    body = CaseStatusChanged(case_index=INDEX, stage=stage, changed_at=Clock.now, subject="Удостоверение",
                             official=official, due_date=kw.pop("due_date", dt.date(2026, 12, 9)), **kw)
    return Envelope.wrap(body, source="status", correlation_id=INDEX)


def overdue_event(days=2) -> Envelope:
    body = CaseOverdue(case_index=INDEX, subject="Удостоверение", kind="service_application", stage="in_progress",
                       due_date=dt.date(2026, 11, 30), days_overdue=days, seen_at=Clock.now)
    return Envelope.wrap(body, source="status", correlation_id=INDEX)


def test_the_official_named_once_is_in_every_later_letter():
    d, channel = make()
    d.on_document_registered(application())
    d.on_status_changed(changed("assigned", OFFICIAL))
    d.on_status_changed(changed("in_progress", previous_stage="assigned"))  # the event names nobody this time
    d.dispatch_due()
    bodies = [n.body for n, _ in channel.sent]
    assert len(bodies) == 2 and all("Отговорен служител: Гергана Стоева" in b for b in bodies)
    assert all(b.startswith("Уважаема г-жо Иванова,\n\n") for b in bodies)


def test_the_preview_is_exactly_the_letter_then_sent():
    d, channel = make()
    d.on_document_registered(application("mr", "Петър Иванов"))
    d.on_status_changed(changed("in_progress", OFFICIAL))
    d.dispatch_due()
    preview, channel_name = d.preview(INDEX, "extended", "Нужно е становище.", dt.date(2026, 12, 23), None)
    assert channel_name == ContactChannel.EMAIL
    d.on_status_changed(changed("extended", due_date=dt.date(2026, 12, 23), previous_stage="in_progress",
                                previous_due_date=dt.date(2026, 12, 9), reason="Нужно е становище."))
    d.dispatch_due()
    sent, _ = channel.sent[-1]
    assert (preview.subject, preview.body) == (sent.subject, sent.body)
    assert "Уважаеми г-н Иванов," in preview.body and "(до 09.12.2026)" in preview.body
    assert "Нов срок: 23.12.2026. До тази дата ще получите пълен отговор." in preview.body and "Гергана Стоева" in preview.body


def test_a_preview_before_the_sender_is_known_greets_neutrally():
    d, _ = make()
    letter, channel = d.preview(INDEX, "in_progress", None, None, OFFICIAL)
    assert letter.body.startswith("Здравейте,\n\n") and channel is None


def test_a_missed_term_writes_to_the_citizen_and_escalates_to_the_units_head():
    d, channel = make({UNIT: "Стефан Колев <head.taxes@example.bg>"})
    d.on_document_registered(application())
    d.on_status_changed(changed("in_progress", OFFICIAL))
    d.dispatch_due()
    event = overdue_event()
    d.on_case_overdue(event)
    d.on_case_overdue(event)  # redelivered: nothing twice
    d.dispatch_due()
    to = {contact.email: n for n, contact in channel.sent[1:]}
    assert set(to) == {"m@example.bg", "head.taxes@example.bg"} and len(channel.sent) == 3
    citizen, head = to["m@example.bg"], to["head.taxes@example.bg"]
    assert citizen.id == str(event.event_id) and "срокът за отговор изтече" in citizen.subject
    assert "изтече на 30.11.2026 (преди 2 дни)" in citizen.body and "Гергана Стоева" in citizen.body
    assert head.id == escalation_id(event.event_id) and head.case_index == head_key(INDEX)
    assert head.subject == f"Просрочена преписка {INDEX} (2 дни след срока)" and f"Звено: {UNIT}" in head.body
    assert head.body.startswith("Здравейте, Стефан Колев,\n\n")


def test_a_unit_without_a_configured_head_escalates_to_the_office():
    d, channel = make()
    d.on_document_registered(application())
    d.on_case_overdue(overdue_event())
    d.dispatch_due()
    assert sorted(c.email for _, c in channel.sent) == ["m@example.bg", "office@example.bg"]
    escalation = next(n for n, c in channel.sent if c.email == "office@example.bg")
    assert escalation.body.startswith("Здравейте,\n\nСрокът за отговор")  # no name given: none invented


def test_the_answer_quotes_the_catalogue_of_the_cases_version():
    d, channel = make()
    d.on_document_registered(application())
    catalogue = Catalogue(Appeal("Административен съд – Пловдив", "14 дни от съобщаването"))
    d.on_status_changed(changed("answered", OFFICIAL), catalogue)
    d.dispatch_due()
    assert catalogue.asked == [("2109", dt.date(2026, 11, 25))]  # the registration date: the version bound
    body = channel.sent[0][0].body
    assert "пред Административен съд – Пловдив. Срок за обжалване: 14 дни от съобщаването." in body
    assert "по електронна поща на адрес m@example.bg" in body


def test_the_answer_says_the_catalogue_gives_no_appeal_and_states_the_apk_rule():
    d, channel = make()
    d.on_document_registered(application())
    d.on_status_changed(changed("answered"), Catalogue(None))
    d.dispatch_due()
    body = channel.sent[0][0].body
    assert "каталогът на услугите не посочва орган и срок за обжалване на тази услуга" in body
    assert "(чл. 149)" in body and "14-дневен срок" in body


def test_an_answer_is_not_written_while_the_catalogue_is_down():
    d, channel = make()
    d.on_document_registered(application())
    event = changed("answered")
    with pytest.raises(Unavailable):  # the event is retried: no letter claims the catalogue has nothing
        d.on_status_changed(event, Catalogue(down=True))
    assert str(event.event_id) not in d.repo.items
