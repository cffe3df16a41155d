"""Delivery status notifications (RFC 3464): what a remote mail server says, later, of an
email our relay accepted. Parsed with the standard library's ``email`` package, which
splits a ``message/delivery-status`` part into its per-message and per-recipient field
groups (see docs/decisions.md for why not flufl.bounce: it answers only *which addresses*
failed, which VERP tells us already, not the status code the history shows, and its
heuristic detectors of non-standard bounces could take an auto-reply for a bounce).

``failed`` (the server gave up: Action: failed, or a 5.x.x status) is a hard bounce;
``delayed`` (Action: delayed, a 4.x.x status) is news only; ``delivered`` (Action:
delivered, relayed or expanded) changes nothing. Mail without a delivery-status part
(an out-of-office reply, a non-standard bounce) is not a DSN: it never fails a letter.
"""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from typing import Optional

REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")  # RFC 3464, RFC 6533 (_groups)
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
ACTIONS = {"failed": "failed", "delayed": "delayed", "delivered": "delivered", "relayed": "delivered",
           "expanded": "delivered"}
SEVERITY = ("failed", "delayed", "delivered")  # the worst of a report's recipients decides

# RFC 3463's subjects and details, in the citizen's words (the most specific first)
MEANING = {
    "1.1": "няма такава пощенска кутия", "1.2": "няма такъв домейн", "1.3": "грешен адрес",
    "1.6": "получателят е сменил адреса си", "2.1": "пощенската кутия е спряна",
    "2.2": "пощенската кутия е пълна", "2.3": "писмото е твърде голямо за кутията",
    "4.7": "изтече времето за доставка", "7.1": "получателят не приема писма от нас",
    "1": "грешен адрес", "2": "проблем с пощенската кутия", "3": "проблем в пощенската система на получателя",
    "4": "проблем с мрежата или маршрута", "5": "грешка в пощенския протокол", "6": "проблем със съдържанието",
    "7": "отказано от защитата на получателя",
}


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient group of a DSN (the address itself is not kept: VERP names the letter)."""

    action: str                # failed | delayed | delivered
    status: str                # e.g. 5.1.1
    diagnostic: Optional[str]  # the remote server's words (``Diagnostic-Code``), unfolded


@dataclass(frozen=True)
class Dsn:
    """What a delivery status notification reports, for its worst recipient."""

    action: str
    status: str
    diagnostic: Optional[str]
    reporting_mta: Optional[str]

    @property
    def permanent(self) -> bool:
        return self.action == "failed"

    def detail(self, limit: int = 300) -> str:
        """The status code first (the history reads it), then the server's words."""
        return f"{self.status} {self.diagnostic or ''}".strip()[:limit]


def meaning(status: str) -> str:
    """A status code's subject in Bulgarian (``5.1.1`` → "няма такава пощенска кутия")."""
    _, _, rest = status.partition(".")
    return MEANING.get(rest) or MEANING.get(rest.partition(".")[0]) or "причината не е посочена"


def parse(raw: bytes) -> Optional[Dsn]:
    """The DSN in ``raw`` (a whole message), or None when it is not one."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() in REPORT_TYPES:
            return _report(part)
    return None


def _report(part) -> Optional[Dsn]:
    groups = _groups(part)
    if not groups:
        return None
    per_message, recipients = groups[0], [_recipient(g) for g in groups[1:]]
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return None
    worst = min(recipients, key=lambda r: SEVERITY.index(r.action))
    mta = _field(per_message, "Reporting-MTA")
    return Dsn(worst.action, worst.status, worst.diagnostic, mta.partition(";")[2].strip() or mta if mta else None)


def _groups(part) -> list:
    """The report's field groups. The ``email`` package splits ``message/delivery-status`` into
    them; ``message/global-delivery-status`` (RFC 6533, UTF-8 allowed) it parses as one embedded
    message whose headers are the first group and whose body holds the others, split here at
    their blank lines."""
    payload = part.get_payload()
    if not isinstance(payload, list) or not payload:
        return []
    if part.get_content_type() != "message/global-delivery-status" or len(payload) != 1:
        return payload
    first = payload[0]
    body = first.get_payload(decode=True) if not first.is_multipart() else None  # its bytes, UTF-8 kept
    rest = body.decode("utf-8", "replace") if isinstance(body, bytes) else ""
    blocks = re.split(r"\r?\n[ \t]*\r?\n", rest)
    return [first] + [email.message_from_string(b.strip("\r\n") + "\n", policy=email.policy.compat32)
                      for b in blocks if b.strip()]


def _recipient(group) -> Optional[RecipientStatus]:
    if not hasattr(group, "get"):
        return None
    action_field, status_field = (_field(group, "Action") or "").lower(), _field(group, "Status") or ""
    code = STATUS.search(status_field)
    status = ".".join(code.groups()) if code else None
    action = ACTIONS.get(action_field.split()[0] if action_field else "")
    if action is None:  # no (known) Action: the status class says it
        if status is None:
            return None
        action = {"5": "failed", "4": "delayed", "2": "delivered"}[status[0]]
    status = status or {"failed": "5.0.0", "delayed": "4.0.0", "delivered": "2.0.0"}[action]
    diagnostic = _field(group, "Diagnostic-Code")
    if diagnostic:  # "smtp; 550 5.1.1 ..." -> "550 5.1.1 ..."
        kind, semi, text = diagnostic.partition(";")
        diagnostic = text.strip() if semi and " " not in kind.strip() else diagnostic
    return RecipientStatus(action, status, diagnostic or None)


def _field(group, name: str) -> Optional[str]:
    value = group.get(name)
    return " ".join(str(value).split()) if value is not None else None
