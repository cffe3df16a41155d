"""An administrative service as the national register (ИИСДА) describes it, versioned.

Plain pydantic: validation rules only, no I/O. Fees are euro cents.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from delovod_proto.vocabulary import ServiceVariant, TermUnit
from servicekit.numbers_bg import count_bg

CHANNELS = ("counter", "post", "email", "eportal", "ssev")
# How a fee can be paid, as the national register's card lists them.
PAYMENT_METHODS = ("cash", "card", "bank_transfer", "epay", "eportal")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LegalBasis(Strict):
    act: str = Field(min_length=2, max_length=300)
    article: Optional[str] = Field(None, max_length=200)

    def label(self) -> str:
        return f"{self.act}, {self.article}" if self.article else self.act


class RequiredDocument(Strict):
    name: str = Field(min_length=2, max_length=500)
    form_template: Optional[str] = Field(None, max_length=500)


class TermSpec(Strict):
    value: int = Field(gt=0, le=3650)
    unit: TermUnit

    def text_bg(self) -> str:
        """For people: "1 работен ден", "7 дни", "2 месеца"."""
        return count_bg(self.value, self.unit)


class Variant(Strict):
    """Term and fee of one variant. A fee that is a formula or depends on something (an area,
    a count, another municipality's fee) is kept as the source words it in ``fee_source_text``
    with ``fee_cents`` empty: a number is never invented from a formula."""

    kind: ServiceVariant
    term: Optional[TermSpec] = Field(None, description="None: the source gives no term")
    fee_cents: Optional[int] = Field(None, ge=0, description="Persons' fee; None: the source gives no fixed fee")
    fee_company_cents: Optional[int] = Field(None, ge=0, description="Companies' fee when the source gives a "
                                                                    "separate one; None: it gives none")
    fee_source_text: Optional[str] = Field(None, max_length=300)

    @model_validator(mode="after")
    def formula_has_no_number(self):
        if self.fee_source_text and self.fee_cents is not None and is_formula(self.fee_source_text):
            raise ValueError("Таксата е формула или зависи от друго („плюс“, „+“, „на кв.м“, „%“): оставете "
                             "fee_cents празно и запазете текста във fee_source_text.")
        return self


# Words that make a fee's text a formula rather than one amount (tested against the seeds).
_FORMULA = ("плюс", "+", "/кв", "кв.м", "/м2", "/стр", "%", "пъти", "на база", "съгласно", "тарифата", "1/12")


def is_formula(fee_text: str) -> bool:
    text = fee_text.lower()
    return any(marker in text for marker in _FORMULA)


class Unit(Strict):
    name: str = Field(min_length=2, max_length=300)
    contact: Optional[str] = Field(None, max_length=500)


class Appeal(Strict):
    authority: Optional[str] = Field(None, max_length=300)
    term: Optional[str] = Field(None, max_length=200)


class Source(Strict):
    url: str = Field(min_length=8, max_length=1000)
    read_on: dt.date


class OtherSource(Strict):
    """A further official source on the same service (a district and the municipality, two
    districts). ``conflict``: it disagrees with the main source on what ``says`` states, and
    an operator must decide; the catalogue never silently picks one."""

    url: str = Field(min_length=8, max_length=1000)
    read_on: Optional[dt.date] = Field(None, description="None: reported by someone else, not read here")
    says: str = Field(min_length=3, max_length=1000)
    conflict: bool = False


class ServiceContent(Strict):
    """Everything about a service that a version fixes."""

    code: str = Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")
    register_id: Optional[str] = Field(None, max_length=20)
    register_id_verified: bool = False
    municipality: str = Field(min_length=2, max_length=100)
    name: str = Field(min_length=3, max_length=500)
    description: Optional[str] = Field(None, max_length=3000)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    who_may_apply: Optional[str] = Field(None, max_length=1000)
    competent_authority: Optional[str] = Field(None, max_length=300)
    required_documents: list[RequiredDocument] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    unit: Unit
    # Empty unless the source names them: a channel is never assumed.
    request_channels: list[str] = Field(default_factory=list)
    result_channels: list[str] = Field(default_factory=list)
    payment_methods: list[str] = Field(default_factory=list)
    validity: Optional[str] = Field(None, max_length=300)
    appeal: Appeal = Field(default_factory=Appeal)
    eservice: bool = False
    eservice_url: Optional[str] = Field(None, max_length=1000)
    source: Source
    other_sources: list[OtherSource] = Field(default_factory=list)

    @field_validator("request_channels", "result_channels")
    @classmethod
    def known_channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise ValueError(f"Непознат канал: {', '.join(unknown)}; позволени: {', '.join(CHANNELS)}.")
        return value

    @field_validator("payment_methods")
    @classmethod
    def known_payment_methods(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in PAYMENT_METHODS]
        if unknown:
            raise ValueError(f"Непознат начин на плащане: {', '.join(unknown)}; позволени: "
                             f"{', '.join(PAYMENT_METHODS)}.")
        return value

    @model_validator(mode="after")
    def one_variant_per_kind(self):
        kinds = [v.kind for v in self.variants]
        if len(kinds) != len(set(kinds)):
            raise ValueError("Вариантът на услугата (обикновена/бърза/експресна) се повтаря.")
        return self

    @property
    def conflicts(self) -> list[OtherSource]:
        return [s for s in self.other_sources if s.conflict]

    def fingerprint(self) -> str:
        """Stable hash of the content: an import of unchanged content creates no version."""
        data = self.model_dump(mode="json", exclude={"source"})
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def variant(self, kind: ServiceVariant) -> Variant:
        for v in self.variants:
            if v.kind == kind:
                return v
        raise KeyError(kind)


class ServiceVersion(Strict):
    """One published (or draft) version of a service."""

    content: ServiceContent
    version: int = Field(ge=1)
    valid_from: dt.date
    published: bool = True
    changed_by: Optional[str] = Field(None, max_length=200, description="The operator; None: an import")
    change_reason: Optional[str] = Field(None, max_length=1000)
    changed_at: Optional[dt.datetime] = None

    @property
    def code(self) -> str:
        return self.content.code


def valid_at(versions: list[ServiceVersion], at: dt.date) -> Optional[ServiceVersion]:
    """The published version with the latest ``valid_from`` not after ``at`` (newest wins a tie)."""
    candidates = [v for v in versions if v.published and v.valid_from <= at]
    return max(candidates, key=lambda v: (v.valid_from, v.version)) if candidates else None
