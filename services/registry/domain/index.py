"""Registration index (регистрационен индекс): numbers unique and gap-free per register
and year, restarting on 1 January; displayed by a per-register pattern.

Default pattern ``{prefix}-{number}/{date}`` with the date as dd.MM.yyyy (DOMAIN.md).
A follow-up keeps its case's number, adds a per-case sequence and names the case's year:
``{prefix}-{number}/{case_year}-({seq})/{date}``, e.g. ``ЖЛБ-1/2025-(1)/06.01.2026`` for
the first follow-up, filed on 06.01.2026, to case ЖЛБ-1/10.12.2025. Numbers restart every
year, so without the case's year two follow-ups filed on one day to ЖЛБ-1 of 2025 and
ЖЛБ-1 of 2026 would get one index. "№ 1/2025" is how Bulgarian practice cites a numbered
item of a year (court cases, decrees), and (register, year, number) is the case's key.

Indexes issued before this rule (``ЖЛБ-1-(1)/06.01.2026``) keep their form: nothing stored
is rewritten (docs/registration-index.md, "Follow-up indexes").
"""
from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from typing import NamedTuple, Optional

from delovod_proto.vocabulary import DocumentKind

DEFAULT_PATTERN = "{prefix}-{number}/{date}"
DEFAULT_FOLLOW_UP_PATTERN = "{prefix}-{number}/{case_year}-({seq})/{date}"
# The follow-up form used before the case's year was added; only documentation and tests
# name it: such indexes stay stored as issued and are found by their exact text.
LEGACY_FOLLOW_UP_PATTERN = "{prefix}-{number}-({seq})/{date}"

_DATE = r"\d{2}\.\d{2}\.\d{4}"
_GROUPS = {"number": r"(?P<number>\d+)", "seq": r"(?P<seq>\d+)", "date": rf"(?P<date>{_DATE})",
           "case_year": r"(?P<case_year>\d{4})", "case_date": rf"(?P<case_date>{_DATE})"}
_CASE = ("case_year", "case_date")  # either identifies the case's year


class ParsedIndex(NamedTuple):
    number: int
    date: dt.date
    seq: int = 0
    case_year: Optional[int] = None  # a follow-up's case's year (None for a case)


class InvalidPattern(ValueError):
    """A register's configured pattern cannot identify what it names."""


def _placeholders(pattern: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]


def check_patterns(code: str, pattern: str, follow_up_pattern: str) -> None:
    """Refuse patterns that cannot identify a document: a case needs ``{number}`` and
    ``{date}``; a follow-up also ``{seq}`` and its case's year (``{case_year}`` or
    ``{case_date}``), since numbers restart every year."""
    for which, text, needed in (("pattern", pattern, {"number", "date"}),
                                ("follow_up_pattern", follow_up_pattern, {"number", "date", "seq"})):
        names = _placeholders(text)
        if len(names) != len(set(names)):
            raise InvalidPattern(f"register {code!r}: {which} {text!r} names a placeholder twice")
        unknown = set(names) - {"prefix", *_GROUPS}
        if unknown:
            raise InvalidPattern(f"register {code!r}: {which} {text!r} has unknown placeholders "
                                 f"{sorted(unknown)}; allowed: prefix, {', '.join(_GROUPS)}")
        missing = needed - set(names)
        if missing:
            raise InvalidPattern(f"register {code!r}: {which} {text!r} lacks {sorted(missing)}")
    if not set(_placeholders(follow_up_pattern)) & set(_CASE):
        raise InvalidPattern(
            f"register {code!r}: follow_up_pattern {follow_up_pattern!r} does not name the case's year "
            "({case_year} or {case_date}); numbers restart every year, so two follow-ups to cases of "
            "different years would get the same index. Default: " + DEFAULT_FOLLOW_UP_PATTERN)


@dataclass(frozen=True)
class Register:
    """One official register (дневник) with its own numbering."""

    code: str
    prefix: str
    title: str
    pattern: str = DEFAULT_PATTERN
    follow_up_pattern: str = DEFAULT_FOLLOW_UP_PATTERN

    def __post_init__(self):
        check_patterns(self.code, self.pattern, self.follow_up_pattern)

    def format(self, number: int, day: dt.date, seq: int = 0, case_day: Optional[dt.date] = None) -> str:
        """A case's index, or (``seq`` > 0) a follow-up's, which needs its case's date."""
        if seq and case_day is None:
            raise ValueError("a follow-up's index names its case's year: case_day is required")
        pattern = self.follow_up_pattern if seq else self.pattern
        return pattern.format(prefix=self.prefix, number=number, seq=seq, date=f"{day:%d.%m.%Y}",
                              case_year=case_day.year if case_day else "",
                              case_date=f"{case_day:%d.%m.%Y}" if case_day else "")

    def parse(self, index: str) -> Optional[ParsedIndex]:
        """The parts of an index written in this register's current patterns, else None."""
        for pattern in (self.pattern, self.follow_up_pattern):
            m = re.fullmatch(_regex(pattern, self.prefix), index.strip())
            if m:
                return _parsed(m.groupdict())
        return None


def _parsed(g: dict) -> Optional[ParsedIndex]:
    try:
        day = dt.datetime.strptime(g["date"], "%d.%m.%Y").date()
        case_year = int(g["case_year"]) if g.get("case_year") else None
        if g.get("case_date"):
            case_year = dt.datetime.strptime(g["case_date"], "%d.%m.%Y").year
    except ValueError:  # 31.02.2026: not a date, so not an index
        return None
    return ParsedIndex(int(g["number"]), day, int(g.get("seq") or 0), case_year)


def _regex(pattern: str, prefix: str) -> str:
    out = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        out.append(re.escape(literal))
        if name == "prefix":
            out.append(re.escape(prefix))
        elif name is not None:
            out.append(_GROUPS[name])
    return "".join(out)


# Defaults; an administration overrides them with DELOVOD_REGISTRY_REGISTERS_FILE.
DEFAULT_REGISTERS = {
    DocumentKind.LETTER: Register("letters", "ВХ", "Входяща кореспонденция"),
    DocumentKind.COMPLAINT: Register("complaints", "ЖЛБ", "Жалби"),
    DocumentKind.SIGNAL: Register("signals", "СГН", "Сигнали"),
    DocumentKind.PROPOSAL: Register("proposals", "ПРД", "Предложения"),
    DocumentKind.SERVICE_APPLICATION: Register("applications", "ЗАУ", "Заявления за административни услуги"),
    DocumentKind.PUBLIC_INFORMATION_REQUEST: Register("zdoi", "ЗДОИ", "Заявления по ЗДОИ"),
}
