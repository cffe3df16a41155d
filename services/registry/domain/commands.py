"""Commands into the registry, validated at the edge (pydantic; messages in Bulgarian)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from delovod_proto.vocabulary import ContactChannel, DocumentKind, ReceivedChannel, ServiceVariant

from . import people


class Sender(BaseModel):
    """Who sent the document. The personal number is kept, never published."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    type: Literal["person", "organisation"] = "person"
    name: str = Field(min_length=2, max_length=300)
    personal_number: Optional[str] = Field(None, max_length=20)
    email: Optional[str] = Field(None, max_length=254)
    phone: Optional[str] = Field(None, max_length=30)
    address: Optional[str] = Field(None, max_length=500)
    preferred_channel: ContactChannel = ContactChannel.EMAIL

    _pn = field_validator("personal_number")(lambda cls, v: people.personal_number(v) if v else None)
    _email = field_validator("email")(lambda cls, v: people.email(v) if v else None)
    _phone = field_validator("phone")(lambda cls, v: people.phone(v) if v else None)

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
