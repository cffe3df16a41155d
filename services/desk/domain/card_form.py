"""The form an operator changes a catalogue service's card with, and the card it becomes.

The form holds text as typed (kept to write back on an error). It becomes the whole card the
catalogue wants: the fields on the form from what was typed, the rest (code, municipality,
unit, register number, sources, ...) from the version the form was opened on. The catalogue
decides what a valid card is; the desk only turns the form's text into numbers and lists, and
puts the catalogue's errors back on the form's fields."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

from .intake import FieldError, is_date

VARIANTS = {"ordinary": "Обикновена", "fast": "Бърза", "express": "Експресна"}
TERM_UNITS = {"working_days": "работни дни", "calendar_days": "календарни дни", "hours": "часа", "months": "месеца"}
CHANNELS = {"counter": "На гише", "post": "По пощата", "email": "По електронна поща",
            "eportal": "През портала за е-услуги", "ssev": "През ССЕВ"}
TEXTS = ("name", "description", "who_may_apply", "competent_authority", "validity", "appeal_authority",
         "appeal_term", "legal_basis", "required_documents", "valid_from", "reason", "based_on")
VARIANT_PARTS = ("term_value", "term_unit", "fee", "fee_company", "fee_text")
LISTS = ("request_channels", "result_channels")
# The card's fields the form shows, in its order (the error summary follows it).
FIELDS = ("name", "description", "who_may_apply", "legal_basis", "required_documents", "competent_authority",
          *(f"{kind}_{part}" for kind in VARIANTS for part in ("offered", *VARIANT_PARTS)),
          *LISTS, "validity", "appeal_authority", "appeal_term", "valid_from", "reason")
EURO = re.compile(r"(\d{1,7})(?:[.,](\d{1,2}))?")
NOT_EURO = "Въведете сума в евро, напр. 12,50 (формула или сума, която зависи от нещо — в текста на таксата)."
NOT_COUNT = "Въведете срока като цяло число."
NO_REASON = "Напишете защо променяте услугата (пази се с версията)."
NOT_A_DATE = "Въведете дата (ГГГГ-ММ-ДД)."
# Where the catalogue's error about a part of the card is shown on the form.
_CARD = {"name": "name", "description": "description", "who_may_apply": "who_may_apply",
         "legal_basis": "legal_basis", "required_documents": "required_documents",
         "competent_authority": "competent_authority", "request_channels": "request_channels",
         "result_channels": "result_channels", "validity": "validity", "appeal": "appeal_authority",
         "appeal.authority": "appeal_authority", "appeal.term": "appeal_term"}
_VARIANT = {"term": "term_value", "term.value": "term_value", "term.unit": "term_unit", "fee_cents": "fee",
            "fee_company_cents": "fee_company", "fee_source_text": "fee_text"}


@dataclass
class CardForm:
    """What the operator typed: text fields as strings, the channels as lists."""

    values: dict = field(default_factory=dict)

    @classmethod
    def from_form(cls, form) -> "CardForm":
        values = {name: (form.get(name) or "").strip() for name in TEXTS}
        for kind in VARIANTS:
            values[f"{kind}_offered"] = "1" if form.get(f"{kind}_offered") else ""
            values.update({f"{kind}_{part}": (form.get(f"{kind}_{part}") or "").strip() for part in VARIANT_PARTS})
        values.update({name: [c for c in form.getlist(name) if c in CHANNELS] for name in LISTS})
        return cls(values)

    @classmethod
    def from_card(cls, card: Mapping, today: str) -> "CardForm":
        """The form filled in with a version of the card (a ServiceDetail), valid from ``today``."""
        appeal = card.get("appeal") or {}
        values = {name: card.get(name) or "" for name in ("name", "description", "who_may_apply",
                                                           "competent_authority", "validity")}
        values.update(appeal_authority=appeal.get("authority") or "", appeal_term=appeal.get("term") or "",
                      legal_basis=_lines(card.get("legal_basis"), "act", "article"),
                      required_documents=_lines(card.get("required_documents"), "name", "form_template"),
                      valid_from=today, reason="", based_on=str(card.get("version", "")),
                      **{name: list(card.get(name) or []) for name in LISTS})
        offered = {v["kind"]: v for v in card.get("variants") or []}
        for kind in VARIANTS:
            values.update(_variant_values(kind, offered.get(kind)))
        return cls(values)

    def errors(self) -> list[FieldError]:
        """What the desk itself can tell: amounts, counts and dates that are not, a missing reason."""
        found = []
        for kind in self.offered():
            v = self.values
            if v[f"{kind}_term_value"] and not v[f"{kind}_term_value"].isdigit():
                found.append(FieldError(f"{kind}_term_value", NOT_COUNT))
            found += [FieldError(f"{kind}_{part}", NOT_EURO) for part in ("fee", "fee_company")
                      if v[f"{kind}_{part}"] and cents(v[f"{kind}_{part}"]) is None]
        if not is_date(self.values["valid_from"]):
            found.append(FieldError("valid_from", NOT_A_DATE))
        if not self.values["reason"]:
            found.append(FieldError("reason", NO_REASON))
        return found

    def offered(self) -> list[str]:
        return [kind for kind in VARIANTS if self.values.get(f"{kind}_offered")]

    def card(self, current: Mapping) -> dict:
        """The whole card (a ServiceCard): the form's fields over ``current``'s others."""
        v = self.values
        return {**current, "name": v["name"], "description": v["description"] or None,
                "who_may_apply": v["who_may_apply"] or None, "competent_authority": v["competent_authority"] or None,
                "validity": v["validity"] or None,
                "appeal": {"authority": v["appeal_authority"] or None, "term": v["appeal_term"] or None},
                "legal_basis": [{"act": a, "article": b} for a, b in _pairs(v["legal_basis"])],
                "required_documents": [{"name": a, "form_template": b} for a, b in _pairs(v["required_documents"])],
                "variants": [self._variant(kind) for kind in self.offered()],
                **{name: list(v[name]) for name in LISTS}}

    def _variant(self, kind: str) -> dict:
        v = {part: self.values[f"{kind}_{part}"] for part in VARIANT_PARTS}
        term = {"value": int(v["term_value"]), "unit": v["term_unit"] or "working_days"} if v["term_value"] else None
        return {"kind": kind, "term": term, "fee_cents": cents(v["fee"]), "fee_company_cents": cents(v["fee_company"]),
                "fee_source_text": v["fee_text"] or None}

    def catalogue_errors(self, errors: list[dict]) -> list[FieldError]:
        """The catalogue's errors (``service.variants.1.fee_cents``) on the form's fields, the
        first per field, in the form's order; one about no field of the form goes on the name."""
        first: dict[str, str] = {}
        for err in errors:
            first.setdefault(self._field_of(str(err.get("field", ""))), str(err.get("message", "")))
        return [FieldError(f, first[f]) for f in FIELDS if f in first]

    def _field_of(self, path: str) -> str:
        if path in ("valid_from", "reason"):
            return path
        parts = path.removeprefix("service.").split(".")
        if parts[0] == "variants" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self.offered()):
            kind = self.offered()[int(parts[1])]
            return f"{kind}_{_VARIANT.get('.'.join(parts[2:4]), _VARIANT.get('.'.join(parts[2:3]), 'fee'))}"
        return _CARD.get(".".join(parts[:2]), _CARD.get(parts[0], "name"))


def cents(text: str) -> Optional[int]:
    """``"12,50"`` → 1250; None for an empty or unreadable amount (a "€" or "евро" after it is fine)."""
    found = EURO.fullmatch(re.sub(r"\s*(€|евро|eur)\.?$", "", text.replace(" ", ""), flags=re.I))
    if not text or not found:
        return None
    return int(found[1]) * 100 + int((found[2] or "0").ljust(2, "0"))


def euro(amount: Optional[int]) -> str:
    return "" if amount is None else f"{amount // 100},{amount % 100:02d}"


def _variant_values(kind: str, variant: Optional[Mapping]) -> dict:
    variant = variant or {}
    term = variant.get("term") or {}
    return {f"{kind}_offered": "1" if variant else "", f"{kind}_term_value": str(term.get("value") or ""),
            f"{kind}_term_unit": term.get("unit") or "working_days", f"{kind}_fee": euro(variant.get("fee_cents")),
            f"{kind}_fee_company": euro(variant.get("fee_company_cents")),
            f"{kind}_fee_text": variant.get("fee_source_text") or ""}


def _lines(items, first: str, second: str) -> str:
    """A list of pairs as the form's text: one a line, ``first | second`` (the second if any)."""
    return "\n".join(" | ".join(filter(None, (i.get(first), i.get(second)))) for i in items or [])


def _pairs(text: str) -> list[tuple[str, Optional[str]]]:
    out = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        first, _, second = line.partition("|")
        out.append((first.strip(), second.strip() or None))
    return out
