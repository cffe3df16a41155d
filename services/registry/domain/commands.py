"""Commands into the registry, validated at the edge (pydantic; messages in Bulgarian)."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from delovod_proto.vocabulary import ContactChannel, DocumentKind, ReceivedChannel, Salutation, ServiceVariant

from . import people
from .people import PersonalNumberKind

# Bulgaria has one time zone: the administration's local date, unless the caller gives
# another in the validation context ({"today": date}).
ADMINISTRATION_TZ = ZoneInfo("Europe/Sofia")


class Sender(BaseModel):
    """Who sent the document. The personal number is kept, never published; its kind says
    which rule checks it. Validated with the context ``{"stored": True}`` (reading back
    what was registered), the number is taken as stored: registrations made before the
    kind existed have none, and stay readable."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    type: Literal["person", "organisation"] = "person"
    name: str = Field(min_length=2, max_length=300)
    # the kind first: the number's validator reads it
    personal_number_kind: Optional[PersonalNumberKind] = Field(
        None, description="egn (ЕГН), lnch (ЛНЧ) or foreign_document; required with personal_number")
    personal_number: Optional[str] = Field(None, max_length=30)
    email: Optional[str] = Field(None, max_length=254)
    phone: Optional[str] = Field(None, max_length=30)
    address: Optional[str] = Field(None, max_length=500)
    preferred_channel: ContactChannel = ContactChannel.EMAIL
    salutation: Optional[Salutation] = None  # г-н / г-жа: how letters address the person

    _email = field_validator("email")(lambda cls, v: people.email(v) if v else None)
    _phone = field_validator("phone")(lambda cls, v: people.phone(v) if v else None)

    @field_validator("personal_number")
    @classmethod
    def personal_number_by_kind(cls, value: Optional[str], info: ValidationInfo) -> Optional[str]:
        context = info.context or {}
        if not value or context.get("stored"):
            return value or None
        kind = info.data.get("personal_number_kind")
        if kind is None:
            raise ValueError("Посочете вида на номера (personal_number_kind): ЕГН, ЛНЧ или номер на "
                             "чуждестранен документ.")
        return people.personal_number(kind, value, context.get("today") or dt.datetime.now(ADMINISTRATION_TZ).date())

    @model_validator(mode="after")
    def kind_has_number(self):
        if self.personal_number_kind and not self.personal_number:
            raise ValueError("Посочен е вид на личния номер, но не и номерът.")
        return self

    @model_validator(mode="after")
    def channel_has_address(self):
        needed = {ContactChannel.EMAIL: ("email", "адрес на електронна поща"),
                  ContactChannel.SMS: ("phone", "телефон"),
                  ContactChannel.POST: ("address", "пощенски адрес")}.get(self.preferred_channel)
        if needed and not getattr(self, needed[0]):
            raise ValueError(f"Избраният начин за връзка изисква {needed[1]}.")
        return self


class RegisterDocument(BaseModel):
    """Register one incoming document (paper at the counter, post, e-portal, ...)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    kind: DocumentKind
    channel: ReceivedChannel
    subject: str = Field(min_length=3, max_length=1000)
    sender: Sender
    sender_reference: Optional[str] = Field(None, max_length=100)
    pages: int = Field(0, ge=0, le=100000)
    attachments_count: int = Field(0, ge=0, le=10000)
    service_code: Optional[str] = Field(None, min_length=1, max_length=50)
    variant: ServiceVariant = ServiceVariant.ORDINARY
    related_index: Optional[str] = Field(None, min_length=3, max_length=100)
    accept_duplicate_scan: bool = False
    eportal_submission_id: Optional[str] = Field(None, max_length=100)

    @model_validator(mode="after")
    def kind_needs(self):
        if self.kind == DocumentKind.SERVICE_APPLICATION and not self.service_code:
            raise ValueError("За заявление за услуга е нужен код на услугата (service_code).")
        if self.kind == DocumentKind.FOLLOW_UP and not self.related_index:
            raise ValueError("За допълнителен документ е нужен индексът на преписката (related_index).")
        if self.channel == ReceivedChannel.BOX:
            raise ValueError("Документите от кутията се приемат без регистриране (Харта на клиента).")
        return self
