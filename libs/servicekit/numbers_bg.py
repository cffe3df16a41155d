"""Bulgarian numbers with their nouns, as people read them: "1 работен ден", "5 работни
дни", "1 месец", "2 месеца", "1 ден", "7 дни".

The plural category comes from Babel (CLDR plural rules: Bulgarian has "one" for 1 and
"other" for every other number, 21 included). The noun forms are ours: CLDR has no
"working day", and the count form after a number ("2 месеца", "5 часа") is the one CLDR
also uses. One place for every service that writes a term for people.
"""
from __future__ import annotations

from enum import Enum
from typing import Union

from babel import Locale

_BULGARIAN = Locale("bg")

# unit (a TermUnit value) -> (form after 1, form after any other number)
TERM_UNITS = {
    "working_days": ("работен ден", "работни дни"),
    "calendar_days": ("ден", "дни"),  # in Bulgarian law a term "в дни" is in calendar days
    "months": ("месец", "месеца"),
    "hours": ("час", "часа"),
}


def plural_bg(n: int, one: str, other: str) -> str:
    """``n`` with the noun form its number takes: ``plural_bg(1, "ден", "дни")`` → "1 ден"."""
    return f"{n} {one if _BULGARIAN.plural_form(n) == 'one' else other}"


def count_bg(n: int, unit: Union[str, Enum]) -> str:
    """A term's length for people: ``count_bg(1, TermUnit.WORKING_DAYS)`` → "1 работен ден"."""
    return plural_bg(n, *TERM_UNITS[unit.value if isinstance(unit, Enum) else unit])
