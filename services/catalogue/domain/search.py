"""Search that forgives the alphabet: a query in Cyrillic or typed in Latin letters
("udostoverenie za naslednici") finds the Cyrillic service.

Both text and query are folded to one loose Latin skeleton: Bulgarian letters are
transliterated by the table of the Transliteration Act (Закон за транслитерацията,
чл. 3), then the spellings people use for one sound are merged (ц: ts/c, ч: ch/4,
ш: sh/6, я: ya/ja/q, ...). The Act's table is 30 lines of law; the PyPI packages we
looked at either lack Bulgarian or use an older table, so it is written here.
"""
from __future__ import annotations

import re
import unicodedata

ACT_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}
# Order matters: longer spellings first.
FOLDS = [("sht", "st"), ("6t", "st"), ("zh", "z"), ("ts", "c"), ("tz", "c"), ("ch", "c"),
         ("4", "c"), ("sh", "s"), ("6", "s"), ("yu", "u"), ("ju", "u"), ("ya", "a"),
         ("ja", "a"), ("q", "a"), ("j", "z"), ("w", "v"), ("x", "h"), ("y", "i")]
WORD = re.compile(r"[a-z0-9]+")


def transliterate(text: str) -> str:
    return "".join(ACT_TABLE.get(ch, ch) for ch in text.lower())


def skeleton(text: str) -> str:
    """Lowercase Latin skeleton of a Bulgarian or Latin-typed text."""
    text = unicodedata.normalize("NFKC", text)
    out = transliterate(text)
    for old, new in FOLDS:
        out = out.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", out)


def tokens(text: str) -> list[str]:
    return WORD.findall(skeleton(text))


def score(query_tokens: list[str], doc_tokens: set[str], name_tokens: set[str]) -> int:
    """0 if some query token starts no word of the document; else a rank (higher is better)."""
    total = 0
    for q in query_tokens:
        if any(t.startswith(q) for t in name_tokens):
            total += 3
        elif any(t.startswith(q) for t in doc_tokens):
            total += 1
        else:
            return 0
    return total
