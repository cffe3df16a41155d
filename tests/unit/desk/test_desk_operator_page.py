"""The operators' page: admins only; dead notifications (notifications' API) and Kafka dead
letters listed with their reasons, one replayed at a time with CSRF; a part that is down is
named and the other part still shows; every answer a Bulgarian page."""
from desk.adapters.memory import FakeDeadLetters, FakeDirectory, FakeServices, MemoryRoster, MemorySessions
from desk.bootstrap import bootstrap
from desk.domain.people import Person
from desk.entrypoints.service import DeskService
from desk.service_layer.ports import Refused, Unavailable
from desk.settings import DeskSettings
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

MARIA = Person("maria", "Мария Димитрова", "admin")
STOYAN = Person("stoyan", "Стоян Георгиев", "official")
DEAD = [{"id": "evt-1", "case_index": "ЖЛБ-7/2026", "attempts": 5, "last_error": "SMTP 550: пощенската кутия не съществува",
         "channel": "email"}]
LETTERS = [{"where": "0:12", "consumer": "registry.on_submission", "topic": "delovod.eportal.submissions.v1",
            "at": "2:40", "failed_at": "2026-12-02T08:00:00+00:00", "reason": "Невалидно събитие",
            "errors": [{"field": "data.applicant.email", "message": "Невалиден адрес"}]}]


def desk(services, letters, person=MARIA):
    app = bootstrap(DeskSettings(), store=MemorySessions(), services=services, roster=MemoryRoster(),
                    directory=FakeDirectory({person.uid: ("pw", person)}), dead_letters=letters)
    return worker_factory(DeskService, app=app), app.sessions.sign_in(None, person.uid, "pw", "127.0.0.1")


def call(worker, session, handler, method, path, **kwargs):
    environ = EnvironBuilder(method=method, path=path, headers={"Cookie": f"desk_session={session.id}",
                                                                "Host": "localhost", "Origin": "http://localhost"},
                             **kwargs).get_environ()
    response = getattr(worker, handler)(Request(environ))
    return response.status_code, response.get_data(as_text=True)


def test_an_admin_sees_both_kinds_of_dead_letters_with_their_reasons():
    worker, session = desk(FakeServices(dead_notifications=DEAD), FakeDeadLetters(LETTERS))
    status, html = call(worker, session, "operators", "GET", "/operators")
    assert status == 200 and "SMTP 550: пощенската кутия не съществува" in html
    assert "registry.on_submission" in html and "data.applicant.email: Невалиден адрес" in html
    assert 'name="dead_letter" value="0:12"' in html and 'name="notification" value="evt-1"' in html


def test_others_may_not_open_it():
    worker, session = desk(FakeServices(), FakeDeadLetters(), STOYAN)
    status, html = call(worker, session, "operators", "GET", "/operators")
    assert status == 403 and "Ролята ви няма право" in html
    status, _ = call(worker, session, "replay", "POST", "/operators/replay",
                     data={"csrf": session.csrf, "dead_letter": "0:12"})
    assert status == 403


def test_one_of_each_is_replayed_and_the_result_shown():
    services, letters = FakeServices(dead_notifications=DEAD, replay_notification={"id": "evt-1", "status": "pending"}), \
        FakeDeadLetters(LETTERS)
    worker, session = desk(services, letters)
    status, html = call(worker, session, "replay", "POST", "/operators/replay",
                        data={"csrf": session.csrf, "notification": "evt-1"})
    assert status == 200 and "Известието evt-1 ще бъде изпратено отново." in html
    assert ("replay_notification", MARIA, "evt-1") in services.calls
    status, html = call(worker, session, "replay", "POST", "/operators/replay",
                        data={"csrf": session.csrf, "dead_letter": "0:12"})
    assert status == 200 and "е изпратено отново към registry.on_submission" in html and letters.replayed == ["0:12"]


def test_a_forged_unknown_or_malformed_replay_sends_nothing():
    letters = FakeDeadLetters(LETTERS)
    services = FakeServices(replay_notification=Refused(404, "Няма неуспешно известие с този идентификатор."))
    worker, session = desk(services, letters)
    assert call(worker, session, "replay", "POST", "/operators/replay",
                data={"csrf": "forged", "dead_letter": "0:12"})[0] == 403
    status, html = call(worker, session, "replay", "POST", "/operators/replay",
                        data={"csrf": session.csrf, "dead_letter": "9:99"})
    assert status == 422 and "Няма мъртво писмо 9:99." in html
    status, html = call(worker, session, "replay", "POST", "/operators/replay",
                        data={"csrf": session.csrf, "dead_letter": "all"})
    assert status == 422 and "Няма такова мъртво писмо." in html
    status, html = call(worker, session, "replay", "POST", "/operators/replay",
                        data={"csrf": session.csrf, "notification": "evt-9"})
    assert status == 422 and "Известието не е изпратено отново. Няма неуспешно известие" in html
    assert letters.replayed == []


def test_a_part_that_is_down_is_named_and_the_other_still_shows():
    worker, session = desk(FakeServices(dead_notifications=Unavailable("notifications")), FakeDeadLetters(LETTERS))
    status, html = call(worker, session, "operators", "GET", "/operators")
    assert status == 200 and "Услугата за известията временно не отговаря." in html and "registry.on_submission" in html
    worker, session = desk(FakeServices(dead_notifications=DEAD), FakeDeadLetters(down=True))
    status, html = call(worker, session, "operators", "GET", "/operators")
    assert status == 200 and "Опашката на събитията (Kafka) временно не отговаря." in html and "evt-1" in html
    status, html = call(worker, session, "replay", "POST", "/operators/replay",
                        data={"csrf": session.csrf, "dead_letter": "0:12"})
    assert status == 503 and "Нищо не е изпратено отново." in html
