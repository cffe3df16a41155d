"""The citizen's change of contact through status's pages (nameko worker, werkzeug requests in
memory), with notifications' service layer on in-memory adapters behind it: each form needs the
index and access code again, sent by POST and never written back; the code goes to the new
address; a wrong code says how many tries are left; a confirmed one switches the letters."""
import datetime as dt
import re
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseStatusChanged
from status.adapters.memory import InMemoryCaseRepository
from status.entrypoints.service import StatusService
from status.service_layer.contact_changes import CitizenContacts
from status.service_layer.guard import LookupGuard
from status.service_layer.tracker import StatusTracker
from tests.helpers import TEST_KEYS, registered
from tests.unit.entrypoints.conftest import request
from tests.unit.notifications.test_contact_changes import contact_world

CASE, CODE = "ЖЛБ-1/25.11.2026", "12345678"


@pytest.fixture
def site():
    notifications, dispatcher, clock, email, sms = contact_world()
    tracker = StatusTracker(InMemoryCaseRepository(), TEST_KEYS, guard=LookupGuard(per_index=3))
    tracker.on_document_registered(registered(CASE))
    settings = SimpleNamespace(trusted_proxies=0, trusted_proxy_networks="")
    app = SimpleNamespace(tracker=tracker, contacts=CitizenContacts(tracker), settings=settings, outbox=None)
    worker = worker_factory(StatusService, app=app, notifications=notifications)
    return SimpleNamespace(worker=worker, dispatcher=dispatcher, email=email, sms=sms, clock=clock)


def post(site, path, data, headers=None):
    handler = site.worker.contact_change if path == "/contact" else site.worker.contact_confirm
    response = handler(request("POST", path, data=data, headers=headers or {"Sec-Fetch-Site": "same-origin"}))
    return response, response.get_data(as_text=True)


def ask(site, **fields):
    return post(site, "/contact", {"index": CASE, "code": CODE, "channel": "email", **fields})


def confirm(site, code, access=CODE):
    return post(site, "/contact/confirm", {"index": CASE, "code": access, "confirmation": code})


def sent_code(site, outbox):
    site.dispatcher.dispatch_due()
    return re.search(r"\b(\d{6})\b", outbox.sent[-1][2]).group(1)


def test_the_case_page_offers_the_form_and_never_writes_the_access_code_back(site):
    response = site.worker.lookup_page(request("POST", "/", data={"index": CASE, "code": CODE}))
    html = response.get_data(as_text=True)
    assert "Промяна на данните за връзка" in html and 'action="/contact"' in html and 'name="channel"' in html
    assert f'name="index" value="{CASE}"' in html and CODE not in html
    assert "между 21:00 и 08:00" in html


def test_the_code_goes_to_the_new_address_and_confirmed_it_switches_the_letters(site):
    response, html = ask(site, email="new@example.bg")
    assert response.status_code == 200 and "ne***@example.bg" in html and "11:15 ч. на 25.11.2026" in html
    assert 'action="/contact/confirm"' in html and CODE not in html and "new@example.bg" not in html
    assert response.headers["Cache-Control"] == "no-store"
    code = sent_code(site, site.email)
    assert site.email.sent[-1][1] == "new@example.bg"
    assert site.dispatcher.repo.recipient(CASE).email == "m@example.bg", "nothing changes before the code"
    response, html = confirm(site, code)
    assert response.status_code == 200 and "Данните за връзка са променени" in html
    assert site.dispatcher.repo.recipient(CASE).email == "new@example.bg"
    body = CaseStatusChanged(case_index=CASE, stage="in_progress", changed_at=site.clock.now, subject="Осветление")
    site.dispatcher.on_status_changed(Envelope.wrap(body, source="status", correlation_id=CASE))
    site.dispatcher.dispatch_due()
    assert [to for _, to, _, _ in site.email.sent[-2:]] == ["m@example.bg", "new@example.bg"]  # the notice, the letter


def test_a_wrong_code_says_how_many_tries_are_left_and_a_used_one_says_start_again(site):
    ask(site, email="new@example.bg")
    code = sent_code(site, site.email)
    response, html = confirm(site, f"{(int(code) + 1) % 10 ** 6:06d}")
    assert response.status_code == 422 and "Кодът не е верен. Остават 4 опита." in html
    assert 'action="/contact/confirm"' in html
    confirm(site, code)
    response, html = confirm(site, code)
    assert response.status_code == 410 and "вече е използван" in html and "Поискайте нов код" in html


def test_an_expired_code_says_start_again(site):
    ask(site, email="new@example.bg")
    code = sent_code(site, site.email)
    site.clock.now += dt.timedelta(minutes=16)
    response, html = confirm(site, code)
    assert response.status_code == 410 and "изтекъл" in html


def test_an_sms_asked_for_at_night_is_said_to_go_at_eight(site):
    site.clock.now = dt.datetime(2026, 11, 25, 20, 30, tzinfo=dt.timezone.utc)
    response, html = ask(site, channel="sms", phone="0888 123 456")
    assert response.status_code == 200 and "+35988*****56" in html
    assert "Кодът ще бъде изпратен в 08:00 ч. на 26.11.2026" in html and "до 08:15 ч. на 26.11.2026" in html


@pytest.mark.parametrize("fields, words", [
    ({"email": "not-an-address"}, "Невалиден адрес на електронна поща"),
    ({"channel": "sms", "phone": "032 123 456"}, "не е мобилен"),
    ({"channel": "sms", "phone": ""}, "Въведете новия мобилен телефон"),
    ({"email": "a@example.bg", "phone": "0888123456"}, "само един нов адрес"),
    ({"channel": "fax"}, "Изберете как да ви уведомяваме"),
])
def test_bad_input_is_a_422_page_in_bulgarian_that_keeps_what_was_typed_but_the_code(site, fields, words):
    response, html = ask(site, **fields)
    assert response.status_code == 422 and words in html and CODE not in html
    assert 'action="/contact"' in html
    assert site.email.sent == [] and site.dispatcher.repo.items == {}, "nothing is queued"


def test_a_wrong_access_code_changes_nothing_and_counts_against_the_guard(site):
    for _ in range(3):
        response, html = post(site, "/contact", {"index": CASE, "code": "87654321", "channel": "email",
                                                 "email": "x@example.bg"})
        assert response.status_code == 404 and "Няма преписка" in html
    response, html = ask(site, email="new@example.bg")
    assert response.status_code == 429 and response.headers["Retry-After"]
    response, _ = confirm(site, "123456", access="87654321")
    assert response.status_code == 429
    assert site.dispatcher.repo.items == {}


def test_a_form_from_another_site_is_refused_and_nothing_is_sent(site):
    response, html = post(site, "/contact", {"index": CASE, "code": CODE, "channel": "email", "email": "x@example.bg"},
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and "x@example.bg" not in html
    response, _ = post(site, "/contact/confirm", {"index": CASE, "code": CODE, "confirmation": "123456"},
                       headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and site.dispatcher.repo.items == {}


def test_a_second_click_sends_nothing_twice_and_another_address_waits(site):
    ask(site, email="new@example.bg")
    response, html = ask(site, email="new@example.bg")
    assert response.status_code == 200 and "вече е изпратен" in html
    response, html = ask(site, email="other@example.bg")
    assert response.status_code == 429 and "Опитайте отново след 1 минута" in html
    site.dispatcher.dispatch_due()
    assert len(site.email.sent) == 1


def test_a_case_whose_recipient_notifications_does_not_know_yet_asks_to_come_back(site):
    site.dispatcher.repo.recipients.clear()
    response, html = ask(site, email="new@example.bg")
    assert response.status_code == 503 and "още не са налични" in html
