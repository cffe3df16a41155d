"""Letters to citizens (and the escalation to a unit's head), rendered from Jinja2 templates
in files: ``services/notifications/templates/letters/<name>.txt.j2``, each with a ``subject``
block and a body built on ``_letter.txt.j2`` (what changed, what to do and by when, the
expected date, the responsible official's contact, the status link, the office's signature).

Plain text: autoescape is off (nothing here is HTML). Citizen data (names, subjects, reasons)
only ever reaches a template as a *value*: templates are compiled from our files alone, in a
sandbox, and ``StrictUndefined`` turns a misspelt variable into an error instead of a blank.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from delovod_proto.events import Contact, Official
from delovod_proto.vocabulary import ContactChannel, Salutation
from servicekit.numbers_bg import plural_bg

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "letters"


@dataclass(frozen=True)
class Office:
    """The office that signs letters and answers until a case has an official (``DELOVOD_OFFICE_*``)."""
    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class Appeal:
    """Where and by when an answer can be appealed, as the catalogue gives it (either may be
    missing: the letter then states the АПК general rule, чл. 149, for that part)."""
    authority: Optional[str] = None
    term: Optional[str] = None


# АПК чл. 149, ал. 1 [confirmed, DOMAIN.md]: an administrative act is appealed within 14 days
# of its notification, before the administrative court, through the authority that issued it.
# The catalogue gives nothing: the letter says so and prints that rule (answered.txt.j2).
APK_APPEAL = Appeal()
# ЗДОИ чл. 40, ал. 1: a decision granting or refusing access to public information is appealed
# before the administrative court under the АПК, within its 14 days (чл. 149, ал. 1). A ЗДОИ
# request is no catalogue service, so this is the law's route, not a catalogue gap.
ZDOI_APPEAL = Appeal(
    authority="съответния административен съд по реда на Административнопроцесуалния кодекс "
              "(чл. 40, ал. 1 от Закона за достъп до обществена информация)",
    term="14 дни от съобщаването на решението (чл. 149, ал. 1 от Административнопроцесуалния кодекс)")


@dataclass(frozen=True)
class Letter:
    """One rendered message: what the channel sends (and what a preview shows)."""
    subject: str
    body: str


@dataclass
class LetterFacts:
    """Everything a template may print. Built by :mod:`.messages` from the events."""
    case_index: str
    subject: str
    status_url: str
    office: Office
    recipient: Optional[Contact] = None
    official: Optional[Official] = None
    due: Optional[dt.date] = None
    previous_due: Optional[dt.date] = None
    reason: Optional[str] = None
    kind: Optional[str] = None
    extra: dict = field(default_factory=dict)

    @property
    def link(self) -> str:
        return f"{self.status_url.rstrip('/')}/?{urlencode({'index': self.case_index})}"


def greeting(recipient: Optional[Contact]) -> str:
    """The first line, for the one reader: "Уважаема г-жо Иванова," / "Уважаеми г-н Петров,"
    when they gave their form of address (the adjective agrees with it; "г-жо" is the vocative;
    the surname is the last of their names), else "Здравейте, <names>,"; "Здравейте," when
    not known yet. Never "Уважаеми граждани" to one person."""
    name = " ".join((recipient.name if recipient else "").split())
    if name and recipient.salutation == Salutation.MS:
        return f"Уважаема г-жо {name.split()[-1]},"
    if name and recipient.salutation == Salutation.MR:
        return f"Уважаеми г-н {name.split()[-1]},"
    return f"Здравейте, {name}," if name else "Здравейте,"


NEUTRAL = greeting(None)


def addressed(body: str, recipient: Contact) -> str:
    """A body rendered before its recipient was known (opening "Здравейте,"), greeting them now."""
    head = NEUTRAL + "\n"
    return greeting(recipient) + body[len(NEUTRAL):] if body.startswith(head) else body


def date_bg(day: Optional[dt.date]) -> str:
    return f"{day:%d.%m.%Y}" if day else "—"


def days_bg(n: int) -> str:
    """ "1 ден", "3 дни" (CLDR plural rules via servicekit.numbers_bg)."""
    return plural_bg(n, "ден", "дни")


def answered_how(recipient: Optional[Contact]) -> str:
    """How the answer reaches the citizen: the channel they chose, with its address (an SMS
    carries no answer document: then the words stay general, and the official's reason says how)."""
    if recipient is None:
        return "по начина, който сте посочили"
    channel = recipient.preferred_channel
    if channel == ContactChannel.EMAIL and recipient.email:
        return f"по електронна поща на адрес {recipient.email}"
    if channel == ContactChannel.POST and recipient.postal_address:
        return f"по пощата на адрес {recipient.postal_address}"
    return "по начина, който сте посочили"


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,
                                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                        keep_trailing_newline=True)
    env.filters.update(date_bg=date_bg, days_bg=days_bg)
    return env


def template_names() -> list[str]:
    """Every letter there is (a file per letter; ``_``-files are parts, not letters)."""
    return sorted(p.name.removesuffix(".txt.j2") for p in TEMPLATES.glob("*.txt.j2") if not p.name.startswith("_"))


def render(name: str, facts: LetterFacts) -> Letter:
    """The letter ``name`` about ``facts``: its subject line and body (blank runs squeezed)."""
    template = environment().get_template(f"{name}.txt.j2")
    values = {"f": facts, "greeting": greeting(facts.recipient), "official": facts.official, "office": facts.office,
              "recipient": facts.recipient, **facts.extra}
    subject = " ".join("".join(template.blocks["subject"](template.new_context(values))).split())
    return Letter(subject, _tidy(template.render(values)))


def _tidy(text: str) -> str:
    """One blank line between paragraphs, none at the ends, one newline at the end."""
    paragraphs = [p.strip("\n") for p in text.replace("\r", "").split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p.strip()) + "\n"
