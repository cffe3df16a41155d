"""Notifications' HTTP entrypoints for SMS delivery reports and a case's attempts: bad input
is a problem+json in Bulgarian and a report that is not ours is kept, changing nothing."""
import datetime as dt
import json
from types import SimpleNamespace

from nameko.testing.services import worker_factory

from notifications.adapters.kannel import report_signature
from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.domain.attempts import Attempt
from notifications.entrypoints.service import NotificationsService
from notifications.service_layer.dispatcher import Dispatcher
from tests.unit.entrypoints.conftest import SECRET, bearer, request


def service(settings):
    repo = InMemoryNotificationRepository()
    dispatcher = Dispatcher(repo, {}, "http://x", tz="Europe/Sofia", signed="")
    return worker_factory(NotificationsService, app=SimpleNamespace(settings=settings, dispatcher=dispatcher)), repo


def report(svc, **args):
    reply = svc.sms_report(request("GET", "/api/v1/notifications/sms-reports", query_string=args))
    return reply.status_code, json.loads(reply.get_data()), reply.headers["Content-Type"]


def test_a_malformed_report_is_400_in_bulgarian_and_kept(settings):
    svc, repo = service(settings)
    status, body, kind = report(svc, n="n-1", sig=report_signature(SECRET, "n-1"), type="3")
    assert status == 400 and kind.startswith("application/problem+json")
    assert body["detail"] == "Отчетът за доставка на SMS е непълен или повреден." and body["errors"][0]["field"] == "type"
    assert repo.rejected_reports == [{"notification_id": "n-1", "reason": "malformed", "raw": {
        "n": "n-1", "type": "3", "report": None, "smsc_id": None, "at": None}}]


def test_a_report_with_a_wrong_signature_is_403_and_kept(settings):
    svc, repo = service(settings)
    status, body, _ = report(svc, n="n-1", sig="0" * 64, type="1")
    assert status == 403 and "подписът не съвпада" in body["detail"] and repo.rejected_reports[0]["reason"] == "bad signature"


def test_a_report_for_an_unknown_message_is_404_and_kept(settings):
    svc, repo = service(settings)
    status, body, _ = report(svc, n="n-9", sig=report_signature(SECRET, "n-9"), type="2", report="stat:UNDELIV")
    assert status == 404 and body["detail"].startswith("Няма изпратено от нас SMS")
    assert repo.rejected_reports[0]["reason"] == "unknown message" and repo.items == {}


def test_a_cases_attempts_for_staff_in_local_time(settings):
    svc, repo = service(settings)
    repo.record(Attempt("n-1", "ЖЛБ-1/2026", "sms", "delivered", dt.datetime(2026, 12, 2, 12, 2, tzinfo=dt.timezone.utc)))
    reply = svc.attempts(request("GET", "/api/v1/notifications/attempts", query_string={"case_index": "ЖЛБ-1/2026"},
                                 headers=bearer("clerk")))
    items = json.loads(reply.get_data())["items"]
    assert reply.status_code == 200 and items[0]["summary"] == "SMS съобщение: доставено на 02.12.2026 в 14:02 ч."
    assert set(items[0]) == {"notification_id", "channel", "outcome", "at", "summary", "detail", "segments"}
