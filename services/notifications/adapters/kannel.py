"""SMS through Kannel's HTTP sendsms interface (smsbox), delivery reports back on our
``dlr-url``.

Why Kannel over HTTP and not SMPP from the service: Kannel (Debian's package) keeps the
SMPP session to the operator (binds, enquire_link, throttling, reconnects, a store that
survives a restart, splitting and reassembling delivery reports) in its own process;
the service makes one short HTTP call per message and gets each report as an HTTP call.
An SMPP session inside a nameko worker would need all of that hand-written around
smpplib, and smpplib has no SMSC to test against; Kannel ships one (``fakesmsc``).

Each message carries our notification id in its ``dlr-url`` (Kannel's own id is only
known from the report, ``%F``), signed with an HMAC so nobody else can mark an SMS
delivered. Cyrillic goes as UCS-2 (``coding=2``), the rest as GSM 7-bit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Optional
from urllib.parse import urlencode, urlsplit

import requests
import requests.adapters

from delovod_proto.events import Contact

from ..domain.sms import sms_parts
from ..service_layer.dispatcher import DeliveryReport, Handover, HandoverUnknown, Notification, Undeliverable

REPORT_PATH = "/api/v1/notifications/sms-reports"
DLR_MASK = 1 | 2 | 16  # delivered to the phone, not delivered to the phone, refused by the operator's SMSC
# Kannel's %-escapes in a dlr-url: %d report type, %A the SMSC's report text, %F its message id, %T its time.
DLR_FIELDS = "&type=%d&report=%A&smsc_id=%F&at=%T"
POOL = 128  # connections kept to Kannel (opened as needed): above the process's workers (max_workers, 112)


def report_signature(secret: bytes, notification_id: str) -> str:
    return hmac.new(secret, f"sms-report:{notification_id}".encode(), hashlib.sha256).hexdigest()


def signed(secret: bytes, notification_id: str, signature: str) -> bool:
    return hmac.compare_digest(report_signature(secret, notification_id), signature)


class KannelSmsChannel:
    """One ``GET /cgi-bin/sendsms`` per message. 202 is a handover; a 4xx naming the
    number refused is :class:`Undeliverable`; anything else (gateway down, 5xx, a bad
    account) raises for a retry."""

    reports = True

    def __init__(self, sendsms_url: str, username: str, password: str, sender: str, report_base_url: str,
                 secret: bytes, smsc: Optional[str] = None, timeout_s: float = 10.0, validity_min: int = 2880):
        self.sendsms_url, self.username, self.password = sendsms_url, username, password
        self.sender, self.report_base_url, self.secret = sender, report_base_url.rstrip("/"), secret
        self.smsc, self.timeout_s, self.validity_min = smsc, timeout_s, validity_min
        self.http = requests.Session()
        # kept-alive connections for as many concurrent handovers as the process runs workers
        # (requests keeps 10 per host and opens, then drops, one more for each beyond)
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=POOL))
        self.http.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=POOL))

    def dlr_url(self, notification_id: str) -> str:
        mine = urlencode({"n": notification_id, "sig": report_signature(self.secret, notification_id)})
        return f"{self.report_base_url}{REPORT_PATH}?{mine}{DLR_FIELDS}"

    def query(self, n: Notification, contact: Contact) -> tuple[dict, int]:
        text = sms_text(n)
        parts = sms_parts(text)
        q = {"username": self.username, "password": self.password, "from": self.sender, "to": contact.phone,
             "text": text, "charset": "UTF-8", "coding": "2" if parts.unicode else "0",
             "dlr-mask": str(DLR_MASK), "dlr-url": self.dlr_url(n.id), "validity": str(self.validity_min)}
        if self.smsc:
            q["smsc"] = self.smsc
        return q, parts.count

    def segments(self, n: Notification, contact: Contact) -> int:
        """The SMS parts ``n`` will take (as :meth:`send` reports them)."""
        return sms_parts(sms_text(n)).count

    def send(self, n: Notification, contact: Contact) -> Handover:
        query, segments = self.query(n, contact)
        try:
            reply = self.http.get(self.sendsms_url, params=query, timeout=self.timeout_s)
        except requests.exceptions.ReadTimeout:  # the request reached Kannel: maybe queued there
            raise HandoverUnknown(f"Kannel did not answer within {self.timeout_s}s") from None
        except requests.exceptions.RequestException as exc:  # not sent; its text would carry the URL's password
            raise ConnectionError(f"Kannel at {urlsplit(self.sendsms_url).netloc} unreachable: {_reason(exc)}") from None
        if reply.status_code == 202 or reply.status_code == 200:
            return Handover(segments=segments)
        answer = reply.text.strip()[:300]
        if reply.status_code in (400, 403) and _number_refused(answer):  # e.g. 403 "Not routable. Do not try again."
            raise Undeliverable(f"Kannel refused the number: {reply.status_code} {answer}")
        raise ConnectionError(f"Kannel answered {reply.status_code}: {answer}")


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "ECONNREFUSED" in text or "Connection refused" in text:
        return "connection refused"
    return "timeout" if isinstance(exc, requests.exceptions.Timeout) else type(exc).__name__


def _number_refused(answer: str) -> bool:
    """Kannel's answers for a number it will not send to (white/black lists, a bad number)."""
    low = answer.lower()
    return "not routable" in low or "denied" in low or ("receiver" in low and "invalid" in low)


LINK = re.compile(r"https?://\S+")
SURVEY_LINK = re.compile(r"https?://\S+/survey/\S+")


def sms_text(n: Notification) -> str:
    """The SMS says what changed and where to look (the status link of the letter); the whole
    letter, with its greeting and signature, is for email and post (it would take 8+ parts).
    The closing letter's one-time survey link goes instead, named as what it is: the Charter
    asks every user about quality, those who chose SMS too, and the index is in the subject."""
    survey = SURVEY_LINK.search(n.body)
    if survey:
        return f"{n.subject}. Оценете обслужването: {survey.group(0)}"
    link = LINK.search(n.body)
    return f"{n.subject}. Проверка: {link.group(0)}" if link else n.subject


def parse_report(kind: int, report_text: Optional[str], at: Optional[int], smsc_id: Optional[str],
                 now: dt.datetime) -> DeliveryReport:
    """Kannel's report types: 1 delivered to the phone, 2 not delivered (an SMPP report whose
    text says EXPIRED: validity ran out), 16 refused by the SMSC; 4 (buffered) and 8 (accepted
    by the SMSC) are no news."""
    when = dt.datetime.fromtimestamp(at, dt.timezone.utc) if at else now
    detail = f"operator id {smsc_id}" if smsc_id else None
    if kind == 1:
        return DeliveryReport("delivered", when, detail)
    if kind == 2:
        expired = "EXPIRED" in (report_text or "").upper()
        return DeliveryReport("expired" if expired else "failed", when, _with(detail, report_text))
    if kind == 16:
        return DeliveryReport("failed", when, _with(detail, f"refused by the SMSC: {report_text or ''}".strip()))
    return DeliveryReport(None, when, detail)


def _with(detail: Optional[str], text: Optional[str]) -> Optional[str]:
    text = (text or "").strip()[:300]
    return "; ".join(x for x in (detail, text) if x) or None
