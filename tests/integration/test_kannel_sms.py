"""SMS through the stack's real Kannel (bearerbox + smsbox) to its SMSC stand-in fakesmsc,
with delivery reports coming back over HTTP to the notifications entrypoint, and fallback
to email over the stack's real SMTP server. The dispatcher runs in this process on the
real FerretDB (a database of this test's own) with a clock at local noon (quiet hours
have their own unit tests); Kannel calls back a WSGI server here that runs the
notifications service's own ``sms_report`` handler.

Numbers (deploy/local/kannel/kannel.conf): +35988... reach fakesmsc, which reports every
message delivered; +359899991... no SMSC takes ("Not routable"); +359899990... wait forever in
the queue of an SMSC nobody connects to (no report ever comes)."""
import datetime as dt
import email
import email.policy
import mailbox
import random
import re
import urllib.parse
from pathlib import Path
from zoneinfo import ZoneInfo

import eventlet
import eventlet.wsgi
import pytest
import requests
from nameko.testing.services import worker_factory
from werkzeug.wrappers import Request

from delovod_proto.envelope import Envelope
from delovod_proto.events import CaseStatusChanged, Contact
from notifications.adapters.kannel import report_signature, sms_text
from notifications.bootstrap import bootstrap
from notifications.entrypoints.service import NotificationsService
from notifications.settings import NotificationsSettings
from tests.conftest import until
from tests.helpers import registered

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FAKESMSC_LOG, MAILDIR = ROOT / ".local" / "log" / "fakesmsc.log", ROOT / ".local" / "mail"
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (?:udh (\S+) )?(text|data) (.*)>$")


KANNEL_CONF = (ROOT / "deploy" / "local" / "kannel" / "kannel.conf").read_text()
ADMIN = "http://127.0.0.1:13000"
SILENT = "+359899990"  # valid Bulgarian mobile numbers, so a registration may use them
UNROUTABLE = "+359899991"
silent_numbers = []


def number(prefix="+35988"):
    phone = prefix + "".join(random.choice("0123456789") for _ in range(13 - len(prefix)))
    if prefix == SILENT:
        silent_numbers.append(phone)
    return phone


def password(kind):
    return re.search(rf"^{kind}-password\s*=\s*(\S+)", KANNEL_CONF, re.M).group(1)


@pytest.fixture(autouse=True, scope="module")
def nothing_left_in_kannels_queue():
    """Messages to the silent SMSC would wait in bearerbox's store for ever: removed after."""
    yield
    store = requests.get(f"{ADMIN}/store-status.txt", params={"password": password("status")}, timeout=10).text
    for line in store.splitlines():
        m = re.match(r"\[([0-9a-f-]{36})\] \[MT-PUSH\] \[[^]]*\] \[[^]]*\] \[(\+?\d+)\]", line)
        if m and m.group(2) in silent_numbers:
            requests.get(f"{ADMIN}/remove-message", params={"id": m.group(1), "password": password("admin")}, timeout=10)


def received_by_fakesmsc(phone):
    """The texts fakesmsc got for ``phone``: UCS-2 parts joined in their UDH order."""
    parts = []
    for line in FAKESMSC_LOG.read_text(errors="replace").splitlines():
        m = GOT.search(line)
        if m and m.group(2) == phone:
            udh = urllib.parse.unquote_to_bytes(m.group(3) or "")
            # fakesmsc url-encodes the raw bytes, a space (0x20) as "+"
            data = (urllib.parse.unquote_to_bytes(m.group(5).replace("+", " ")) if m.group(4) == "data"
                    else m.group(5).encode())
            parts.append((udh[-1] if udh else 1, udh[-2] if udh else 1, m.group(1), data))
    return parts


def texts(parts):
    return b"".join(p[3] for p in sorted(parts)).decode("utf-16-be")


@pytest.fixture
def service(test_db, uid):
    """The dispatcher on FerretDB with the real channels (the post room in a bucket of this
    test's own), and Kannel's report URL served here."""
    listener = eventlet.listen(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    settings = NotificationsSettings(mongo_uri=test_db, sms_report_base_url=f"http://127.0.0.1:{port}", max_attempts=2,
                                     retry_base_s=0.2, kannel_timeout_s=5, post_s3_bucket=f"post-sms-{uid}")
    app = bootstrap(settings)
    shift = dt.datetime.now(dt.timezone.utc).replace(hour=10, minute=0) - dt.datetime.now(dt.timezone.utc)
    app.dispatcher.clock = lambda: dt.datetime.now(dt.timezone.utc) + shift  # 12:00 (or 13:00) in Sofia
    worker = worker_factory(NotificationsService, app=app)
    calls = []

    def wsgi(environ, start_response):
        request = Request(environ)
        calls.append(dict(request.args))
        return worker.sms_report(request)(environ, start_response)

    server = eventlet.spawn(eventlet.wsgi.server, listener, wsgi, log_output=False)
    app.report_calls, app.report_url = calls, f"http://127.0.0.1:{port}"
    yield app
    server.kill()
    listener.close()


def notify(app, contact):
    """A registered case whose sender is ``contact``, and one status change to tell them."""
    index = f"ЖЛБ-{random.randint(1000, 99999)}/02.12.2026"
    app.dispatcher.on_document_registered(registered(index).model_copy(update={"sender": contact}))
    body = CaseStatusChanged(case_index=index, stage="registered", changed_at=dt.datetime.now(dt.timezone.utc),
                             due_date=dt.date(2026, 12, 29), subject="Улично осветление на бул. Руски")
    event = Envelope.wrap(body, source="status", correlation_id=index)
    app.dispatcher.on_status_changed(event)
    return index, str(event.event_id)


def outcomes(app, index):
    return [(a.channel, a.outcome) for a in app.dispatcher.history(index)]


def mail_for(notification_id):
    for _, raw in mailbox.Maildir(MAILDIR, create=False).items():
        msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        if msg["Message-ID"] == f"<{notification_id}@delovod>":
            return msg


def test_an_sms_reaches_fakesmsc_as_ucs2_parts_and_its_report_marks_it_delivered(service):
    phone = number()
    index, nid = notify(service, Contact(name="Мария Петрова", preferred_channel="sms", phone=phone))
    service.dispatcher.dispatch_due(index)
    parts = until(lambda: received_by_fakesmsc(phone), what="the SMS at fakesmsc")
    history = until(lambda: outcomes(service, index) == [("sms", "handed"), ("sms", "delivered")]
                    and service.dispatcher.history(index), what="the delivery report")
    expected = sms_text(_notification(service, nid))
    assert len(parts) == history[0].segments >= 2 and {p[2] for p in parts} == {"Plovdiv"}
    assert texts(parts) == expected and "Преписка" in expected  # Cyrillic intact: UCS-2
    assert "operator id" in history[1].detail and history[1].summary("Europe/Sofia").startswith("SMS съобщение: доставено")
    assert service.dispatcher.repo.claim(nid) is None  # finished: nothing left to send
    assert service.report_calls[0]["n"] == nid and service.report_calls[0]["type"] == "1"


def _notification(service, nid):
    doc = service.dispatcher.repo._notes.find_one({"_id": nid})
    from notifications.service_layer.dispatcher import Notification
    return Notification(nid, doc["case_index"], doc["subject"], doc["body"])


def test_a_failed_report_falls_back_to_email_over_smtp(service):
    """The SMS is handed to Kannel for a number of the silent SMSC (no report of Kannel's own
    can race); the operator's failure report is then sent to the endpoint as Kannel sends it."""
    contact = Contact(name="Иван Иванов", preferred_channel="sms", phone=number(SILENT), email="ivan@example.bg")
    index, nid = notify(service, contact)
    service.dispatcher.dispatch_due(index)
    assert outcomes(service, index) == [("sms", "handed")]
    query = {"n": nid, "sig": report_signature(service.settings.auth_secret(), nid), "type": "2",
             "report": "id:7 sub:001 dlvrd:000 stat:UNDELIV err:001", "smsc_id": "7",
             "at": str(int(service.dispatcher.clock().timestamp()))}
    reply = requests.get(f"{service.report_url}/api/v1/notifications/sms-reports", params=query, timeout=10)
    assert reply.status_code == 200 and reply.json() == {"id": nid, "result": "failed"}
    msg = until(lambda: mail_for(nid), what="the fallback email in the Maildir")
    assert msg["To"] == "ivan@example.bg" and index in msg.get_content()
    assert outcomes(service, index) == [("sms", "handed"), ("sms", "failed"), ("email", "sent")]
    assert service.dispatcher.history(index)[1].detail.endswith("stat:UNDELIV err:001")


def failed_report(service, nid):
    """The operator's failure report, sent to the endpoint as Kannel sends it (fakesmsc only
    ever reports delivered; the silent SMSC's numbers get no report of Kannel's own to race)."""
    query = {"n": nid, "sig": report_signature(service.settings.auth_secret(), nid), "type": "2",
             "report": "id:8 sub:001 dlvrd:000 stat:UNDELIV err:001", "smsc_id": "8",
             "at": str(int(service.dispatcher.clock().timestamp()))}
    return requests.get(f"{service.report_url}/api/v1/notifications/sms-reports", params=query, timeout=10)


def test_a_failed_sms_without_an_email_falls_back_to_a_letter_for_the_post_room(service):
    contact = Contact(name="Петър Петров", preferred_channel="sms", phone=number(SILENT),
                      postal_address="ул. „Иван Вазов“ № 5, 4000 Пловдив")
    index, nid = notify(service, contact)
    service.dispatcher.dispatch_due(index)
    assert failed_report(service, nid).json() == {"id": nid, "result": "failed"}
    assert outcomes(service, index) == [("sms", "handed"), ("sms", "failed"), ("post", "sent")]
    day = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()
    keys = service.post_room.store.keys(f"post/{day:%Y-%m-%d}/letters/")
    assert keys == [f"post/{day:%Y-%m-%d}/letters/{nid}.pdf"]


def test_a_number_kannel_cannot_route_falls_back_to_email_and_its_late_nack_changes_nothing(service):
    contact = Contact(name="Иван Иванов", preferred_channel="sms", phone=number(UNROUTABLE), email="ivan@example.bg")
    index, nid = notify(service, contact)
    service.dispatcher.dispatch_due(index)
    assert outcomes(service, index)[:2] == [("sms", "refused"), ("email", "sent")]
    assert "Not routable" in service.dispatcher.history(index)[0].detail and until(lambda: mail_for(nid))
    # Kannel also reports the refusal (type 16, "NACK/no SMSC"): recorded, nothing changes
    until(lambda: len(outcomes(service, index)) == 3, what="Kannel's NACK report")
    assert outcomes(service, index)[2] == ("sms", "ignored") and service.report_calls[0]["type"] == "16"


def test_no_report_within_the_wait_gives_up_on_sms_and_emails(service):
    contact = Contact(name="Иван Иванов", preferred_channel="sms", phone=number(SILENT), email="ivan@example.bg")
    service.dispatcher.report_wait = dt.timedelta(seconds=1)
    index, nid = notify(service, contact)
    service.dispatcher.dispatch_due(index)
    until(lambda: service.dispatcher.dispatch_due(index) and mail_for(nid), timeout_s=20, what="the fallback email")
    assert outcomes(service, index) == [("sms", "handed"), ("sms", "expired"), ("email", "sent")]


def test_a_report_for_an_unknown_message_is_a_404_problem_and_is_recorded(service):
    nid = "no-such-notification-" + number("")
    query = {"n": nid, "sig": report_signature(service.settings.auth_secret(), nid), "type": "1"}
    reply = requests.get(f"{service.report_url}/api/v1/notifications/sms-reports", params=query, timeout=10)
    assert reply.status_code == 404 and reply.headers["Content-Type"].startswith("application/problem+json")
    assert "Няма изпратено" in reply.json()["detail"]
    kept = service.dispatcher.repo._notes.database["rejected_reports"].find_one({"notification_id": nid})
    assert kept["reason"] == "unknown message" and kept["raw"]["type"] == "1"


def test_a_forged_report_is_refused_with_403(service):
    index, nid = notify(service, Contact(name="М", preferred_channel="sms", phone=number(SILENT)))
    service.dispatcher.dispatch_due(index)
    reply = requests.get(f"{service.report_url}/api/v1/notifications/sms-reports",
                         params={"n": nid, "sig": "0" * 64, "type": "1"}, timeout=10)
    assert reply.status_code == 403 and outcomes(service, index) == [("sms", "handed")]


def test_gateway_down_is_retried_then_a_dead_letter_with_the_reason(test_db):
    settings = NotificationsSettings(mongo_uri=test_db, kannel_sendsms_url="http://127.0.0.1:1/cgi-bin/sendsms",
                                     max_attempts=2, retry_base_s=0.2, kannel_timeout_s=2)
    app = bootstrap(settings)
    app.dispatcher.clock = lambda: dt.datetime(2026, 12, 2, 10, tzinfo=dt.timezone.utc)
    index, nid = notify(app, Contact(name="М", preferred_channel="sms", phone=number()))
    app.dispatcher.dispatch_due(index)
    assert outcomes(app, index) == [("sms", "error")] and not app.dispatcher.dead()
    app.dispatcher.clock = lambda: dt.datetime(2026, 12, 2, 11, tzinfo=dt.timezone.utc)
    app.dispatcher.dispatch_due(index)
    dead = [n for n in app.dispatcher.dead() if n.id == nid]
    assert dead and dead[0].channel == "sms" and "127.0.0.1:1 unreachable: connection refused" in dead[0].last_error
    assert "password" not in dead[0].last_error and "delovod-local-sms" not in dead[0].last_error


def test_kannel_answering_500_is_retried(test_db):
    """A gateway that answers 500 (here: a stand-in on a free port) is a passing failure."""
    listener = eventlet.listen(("127.0.0.1", 0))

    def broken(environ, start_response):
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"internal error"]

    server = eventlet.spawn(eventlet.wsgi.server, listener, broken, log_output=False)
    try:
        settings = NotificationsSettings(mongo_uri=test_db, max_attempts=1, retry_base_s=0.2,
                                         kannel_sendsms_url=f"http://127.0.0.1:{listener.getsockname()[1]}/cgi-bin/sendsms")
        app = bootstrap(settings)
        app.dispatcher.clock = lambda: dt.datetime(2026, 12, 2, 10, tzinfo=dt.timezone.utc)
        index, nid = notify(app, Contact(name="М", preferred_channel="sms", phone=number()))
        app.dispatcher.dispatch_due(index)
        dead = [n for n in app.dispatcher.dead() if n.id == nid]
        assert dead and "Kannel answered 500" in dead[0].last_error
    finally:
        server.kill()
        listener.close()
