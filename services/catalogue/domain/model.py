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

CHANNELS = ("counter", "post", "eportal", "ssev")


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
    kind: ServiceVariant
    term: Optional[TermSpec] = Field(None, description="None: the source gives no term")
    fee_cents: Optional[int] = Field(None, ge=0, description="None: the source gives no fee")
    fee_source_text: Optional[str] = Field(None, max_length=300)


class Unit(Strict):
    name: str = Field(min_length=2, max_length=300)
    contact: Optional[str] = Field(None, max_length=500)


class Appeal(Strict):
    authority: Optional[str] = Field(None, max_length=300)
    term: Optional[str] = Field(None, max_length=200)


class Source(Strict):
    url: str = Field(min_length=8, max_length=1000)
    read_on: dt.date


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
    required_documents: list[RequiredDocument] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    unit: Unit
    request_channels: list[str] = Field(default_factory=lambda: ["counter"])
    result_channels: list[str] = Field(default_factory=lambda: ["counter"])
    validity: Optional[str] = Field(None, max_length=300)
    appeal: Appeal = Field(default_factory=Appeal)
    eservice: bool = False
    eservice_url: Optional[str] = Field(None, max_length=1000)
    source: Source

    @field_validator("request_channels", "result_channels")
    @classmethod
    def known_channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise ValueError(f"Непознат канал: {', '.join(unknown)}; позволени: {', '.join(CHANNELS)}.")
        return value

    @model_validator(mode="after")
    def one_variant_per_kind(self):
        kinds = [v.kind for v in self.variants]
        if len(kinds) != len(set(kinds)):
            raise ValueError("Вариантът на услугата (обикновена/бърза/експресна) се повтаря.")
        return self

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

    @property
    def code(self) -> str:
        return self.content.code


def valid_at(versions: list[ServiceVersion], at: dt.date) -> Optional[ServiceVersion]:
    """The published version with the latest ``valid_from`` not after ``at`` (newest wins a tie)."""
    candidates = [v for v in versions if v.published and v.valid_from <= at]
    return max(candidates, key=lambda v: (v.valid_from, v.version)) if candidates else None
