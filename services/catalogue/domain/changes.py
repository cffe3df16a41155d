"""What differs between two versions of a service's card, and how complete a catalogue is.

Both are about the card's fields, so both leave out ``source`` the same way the fingerprint
does: re-reading a page on another day is not a change of the service.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from .model import ServiceContent

UNCOMPARED = {"source"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    def as_dict(self) -> dict:
        return {"field": self.field, "before": self.before, "after": self.after}


def card_changes(before: Optional[ServiceContent], after: ServiceContent) -> list[FieldChange]:
    """Field by field, in the card's order; every field of a new service is a change from None."""
    old = before.model_dump(mode="json") if before else {}
    new = after.model_dump(mode="json")
    return [FieldChange(name, old.get(name), new[name]) for name in new
            if name not in UNCOMPARED and old.get(name) != new[name]]


def _any_variant(test: Callable) -> Callable[[ServiceContent], bool]:
    return lambda c: any(test(v) for v in c.variants)


# Field of the national register's card -> whether a service has it (an empty list, None or
# an empty text is missing; ``False`` for a flag is an answer, so flags are not counted).
COVERAGE: dict[str, Callable[[ServiceContent], bool]] = {
    "register_id": lambda c: bool(c.register_id),
    "description": lambda c: bool(c.description),
    "legal_basis": lambda c: bool(c.legal_basis),
    "legal_basis_article": lambda c: any(b.article for b in c.legal_basis),
    "who_may_apply": lambda c: bool(c.who_may_apply),
    "competent_authority": lambda c: bool(c.competent_authority),
    "required_documents": lambda c: bool(c.required_documents),
    "form_templates": lambda c: any(d.form_template for d in c.required_documents),
    "term": _any_variant(lambda v: v.term is not None),
    "fee": _any_variant(lambda v: v.fee_cents is not None or bool(v.fee_source_text)),
    "fee_companies": _any_variant(lambda v: v.fee_company_cents is not None),
    "payment_methods": lambda c: bool(c.payment_methods),
    "request_channels": lambda c: bool(c.request_channels),
    "result_channels": lambda c: bool(c.result_channels),
    "eservice_url": lambda c: bool(c.eservice_url),
    "unit_contact": lambda c: bool(c.unit.contact),
    "validity": lambda c: bool(c.validity),
    "appeal_authority": lambda c: bool(c.appeal.authority),
    "appeal_term": lambda c: bool(c.appeal.term),
    "source": lambda c: bool(c.source.url),
}


def coverage(contents: list[ServiceContent]) -> dict[str, int]:
    """Per field of the card: how many of the services have it."""
    return {name: sum(1 for c in contents if has(c)) for name, has in COVERAGE.items()}
