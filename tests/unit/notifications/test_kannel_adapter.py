"""What we ask Kannel (UCS-2 for Cyrillic, delivery reports to a signed URL) and how its
answers and reports are read, without a server (the real one: tests/integration/test_kannel_sms.py)."""
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from delovod_proto.events import Contact
from notifications.adapters.kannel import KannelSmsChannel, parse_report, signed
from notifications.service_layer.dispatcher import Notification

SECRET = b"k" * 32
NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.timezone.utc)


def channel():
    return KannelSmsChannel("http://127.0.0.1:13013/cgi-bin/sendsms", "u", "p", "Plovdiv", "http://notif:8003/", SECRET)


def query(subject, body="Здравейте,\n\nтекст\n\nhttp://127.0.0.1:8002/?index=X\n"):
    return channel().query(Notification("n-1", "ЖЛБ-1/02.12.2026", subject, body),
                           Contact(name="М", preferred_channel="sms", phone="+359888123456"))


def test_cyrillic_goes_as_ucs2_with_reports_to_a_signed_url_of_ours():
    q, segments = query("Преписка ЖЛБ-1/02.12.2026: регистрирана")
    assert q["coding"] == "2" and q["charset"] == "UTF-8" and q["to"] == "+359888123456" and q["dlr-mask"] == "19"
    assert q["text"] == "Преписка ЖЛБ-1/02.12.2026: регистрирана. Проверка: http://127.0.0.1:8002/?index=X"
    assert segments == 2  # 80 UCS-2 characters: more than 70
    url = urlsplit(q["dlr-url"])
    assert url.netloc == "notif:8003" and url.path == "/api/v1/notifications/sms-reports"
    mine = parse_qs(url.query.split("&type=")[0])
    assert mine["n"] == ["n-1"] and signed(SECRET, "n-1", mine["sig"][0]) and not signed(b"x" * 32, "n-1", mine["sig"][0])
    assert url.query.endswith("&type=%d&report=%A&smsc_id=%F&at=%T")  # Kannel fills these in


def test_the_closing_sms_carries_the_survey_link_named_as_such():
    body = ("Здравейте,\n\nПреписката е приключена.\n\nОценете обслужването: http://127.0.0.1:8002/survey/" + "a" * 43
            + "\n\nПроверка: http://127.0.0.1:8002/?index=X\n")
    q, _ = query("Преписка ЖЛБ-1/02.12.2026: приключена е", body=body)
    assert q["text"] == ("Преписка ЖЛБ-1/02.12.2026: приключена е. Оценете обслужването: "
                         "http://127.0.0.1:8002/survey/" + "a" * 43)


def test_latin_only_goes_as_gsm7():
    q, segments = query("Case 1: registered", body="no link")
    assert q["coding"] == "0" and segments == 1 and q["text"] == "Case 1: registered"


@pytest.mark.parametrize("kind, text, outcome", [
    (1, "", "delivered"), (2, "id:1 stat:UNDELIV err:001", "failed"), (2, "id:1 stat:EXPIRED err:000", "expired"),
    (16, "NACK/no SMSC", "failed"), (4, "", None), (8, "ACK/", None)])
def test_kannel_report_types(kind, text, outcome):
    report = parse_report(kind, text, 1796220000, "abc", NOW)
    assert report.outcome == outcome and report.at == dt.datetime.fromtimestamp(1796220000, dt.timezone.utc)
    assert report.detail.startswith("operator id abc")
