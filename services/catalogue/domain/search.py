"""What a citizen's search means, independent of the engine that answers it.

Both the catalogue's text and the query are folded to one loose Latin skeleton, so a
query in Cyrillic, in the official transliteration ("udostoverenie za naslednitsi") or
typed informally in Latin letters ("udostoverenie za naslednici", "4", "6", "q") gives
the same words and so ranks alike:

1. Bulgarian letters are transliterated by the Streamlined System of the Transliteration
   Act (Закон за транслитерацията, чл. 3, ал. 1, with ал. 2: "ия" ending a word is "ia").
   Hand-written on purpose: of the PyPI packages, ``cyrtranslit`` uses another table
   (ъ → ă, ь → j) and ``transliterate`` (no release since 2018) lacks ал. 2; the table is
   30 lines of law, tested against the Act's own examples.
2. Diacritics are dropped (ž, š, č, ă), the spellings people use for one sound are merged
   (ц: ts/c/tz, ч: ch/4, ш: sh/6, я: ya/ja/q, ...), and a doubled letter counts once.

The engine (an adapter behind the catalogue's search-index port) indexes and matches these
skeleton words; :class:`SearchQuery` is the validated request.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ACT_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}
WORD_FINAL_IA = re.compile(r"ия\b")
# Order matters: longer spellings first.
FOLDS = [("`", "a"), ("sht", "st"), ("6t", "st"), ("zh", "z"), ("ts", "c"), ("tz", "c"), ("ch", "c"),
         ("4", "c"), ("sh", "s"), ("6", "s"), ("yu", "u"), ("ju", "u"), ("ya", "a"),
         ("ja", "a"), ("q", "a"), ("j", "z"), ("w", "v"), ("x", "h"), ("y", "i")]
WORD = re.compile(r"[a-z0-9]+")
# Prepositions and conjunctions: a query need not contain them to find a service.
STOP_WORDS = frozenset({"za", "na", "ot", "v", "vav", "i", "s", "sas", "po", "do", "kam", "pri", "ili",
                        "bez", "nad", "pod", "sled", "pred", "crez", "prez", "a", "o", "se", "ne"})


def transliterate(text: str) -> str:
    """Lowercase text in the Act's Streamlined System (Latin letters pass unchanged)."""
    text = WORD_FINAL_IA.sub("ia", text.lower())
    return "".join(ACT_TABLE.get(ch, ch) for ch in text)


def skeleton(text: str) -> str:
    """Lowercase Latin skeleton of a Bulgarian or Latin-typed text."""
    out = unicodedata.normalize("NFKD", transliterate(unicodedata.normalize("NFKC", text)))
    out = "".join(ch for ch in out if not unicodedata.combining(ch))  # ž, š, č, ă: z, s, c, a
    for old, new in FOLDS:
        out = out.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", out)


def tokens(text: str) -> list[str]:
    return WORD.findall(skeleton(text))


# Definite-article endings (-ата, -та, -то, -те, -ът/-ят) in skeleton form, longest first.
# Hand-written: tantivy's stemmers (rust-stemmers, Snowball) have no Bulgarian; stripping
# only the article, then matching the rest as a prefix, is enough for "общината" to find
# "община" without guessing at other endings.
ARTICLES = ("ata", "ta", "to", "te", "at")
MIN_STEM = 4


def stem(word: str) -> str:
    """The word without its definite article ("obstinata" -> "obstina"), else itself."""
    for end in ARTICLES:
        if word.endswith(end) and len(word) - len(end) >= MIN_STEM:
            return word[:-len(end)]
    return word


def query_words(text: str) -> list[str]:
    """The words a service must contain (or nearly) to be found; stop words dropped."""
    words = list(dict.fromkeys(tokens(text)))
    return [w for w in words if w not in STOP_WORDS] or words


class InvalidSearch(ValueError):
    """A search request that cannot be answered (too long, control characters, ...)."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors
        self.detail = "Търсенето не може да бъде изпълнено: " + " ".join(e["message"] for e in errors)


MAX_QUERY = 200


class SearchQuery(BaseModel):
    """A validated search: a text, optional filters and how many results at most."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field("", max_length=MAX_QUERY)
    unit: Optional[str] = Field(None, max_length=300)
    eservice: Optional[bool] = None
    channel: Optional[str] = Field(None, max_length=20)
    limit: int = Field(50, ge=1, le=500)

    @field_validator("q", "unit", "channel")
    @classmethod
    def printable(cls, value: Optional[str]) -> Optional[str]:
        if value and any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
            raise ValueError("Текстът съдържа управляващи или невидими знаци (нов ред, табулация и други).")
        return value

    @classmethod
    def of(cls, **fields) -> "SearchQuery":
        """The query, or :class:`InvalidSearch` listing every problem in Bulgarian."""
        from servicekit.http import pydantic_errors

        try:
            return cls(**fields)
        except ValidationError as exc:
            raise InvalidSearch(pydantic_errors(exc)) from None
