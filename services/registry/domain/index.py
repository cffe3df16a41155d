"""Registration index (регистрационен индекс): numbers unique and gap-free per register
and year, restarting on 1 January; displayed by a per-register pattern.

Default pattern ``{prefix}-{number}/{date}`` with the date as dd.MM.yyyy (DOMAIN.md);
follow-ups keep the case number and add a per-case sequence: ``{prefix}-{number}-({seq})/{date}``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from delovod_proto.vocabulary import DocumentKind

DEFAULT_PATTERN = "{prefix}-{number}/{date}"
DEFAULT_FOLLOW_UP_PATTERN = "{prefix}-{number}-({seq})/{date}"


@dataclass(frozen=True)
class Register:
    """One official register (дневник) with its own numbering."""

    code: str
    prefix: str
    title: str
    pattern: str = DEFAULT_PATTERN
    follow_up_pattern: str = DEFAULT_FOLLOW_UP_PATTERN

    def format(self, number: int, day: dt.date, seq: int = 0) -> str:
        pattern = self.follow_up_pattern if seq else self.pattern
        return pattern.format(prefix=self.prefix, number=number, seq=seq, date=f"{day:%d.%m.%Y}")

    def parse(self, index: str) -> tuple[int, dt.date, int] | None:
        """(number, date, seq) of an index written in this register's patterns, else None."""
        for pattern in (self.pattern, self.follow_up_pattern):
            m = re.fullmatch(_regex(pattern, self.prefix), index.strip())
            if m:
                day = dt.datetime.strptime(m["date"], "%d.%m.%Y").date()
                return int(m["number"]), day, int(m.groupdict().get("seq") or 0)
        return None


_GROUPS = {"{number}": r"(?P<number>\d+)", "{seq}": r"(?P<seq>\d+)",
           "{date}": r"(?P<date>\d{2}\.\d{2}\.\d{4})"}


def _regex(pattern: str, prefix: str) -> str:
    parts = re.split(r"(\{prefix\}|\{number\}|\{seq\}|\{date\})", pattern)
    return "".join(re.escape(prefix) if p == "{prefix}" else _GROUPS.get(p, re.escape(p)) for p in parts)


# Defaults; an administration overrides them with DELOVOD_REGISTRY_REGISTERS_FILE.
DEFAULT_REGISTERS = {
    DocumentKind.LETTER: Register("letters", "ВХ", "Входяща кореспонденция"),
    DocumentKind.COMPLAINT: Register("complaints", "ЖЛБ", "Жалби"),
    DocumentKind.SIGNAL: Register("signals", "СГН", "Сигнали"),
    DocumentKind.PROPOSAL: Register("proposals", "ПРД", "Предложения"),
    DocumentKind.SERVICE_APPLICATION: Register("applications", "ЗАУ", "Заявления за административни услуги"),
    DocumentKind.PUBLIC_INFORMATION_REQUEST: Register("zdoi", "ЗДОИ", "Заявления по ЗДОИ"),
}
