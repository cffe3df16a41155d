"""The clerk's intake form and the registry's registration request it becomes.

The desk decides nothing about the document: every field goes to the registry as typed (empty
ones left out), and the registry's field errors come back onto the form's fields."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

# The form's fields, in the order the page shows them (the error summary follows it).
FIELDS = ("kind", "channel", "subject", "sender_type", "sender_name", "personal_number_kind",
          "personal_number", "preferred_channel", "email", "phone", "address", "service_code",
          "related_index", "pages", "attachments_count", "scan")
SENDER_FIELDS = {"sender_type": "type", "sender_name": "name", "personal_number_kind": "personal_number_kind",
                 "personal_number": "personal_number", "preferred_channel": "preferred_channel",
                 "email": "email", "phone": "phone", "address": "address"}
TOP_FIELDS = ("kind", "channel", "subject", "service_code", "related_index", "pages", "attachments_count")
# Where a registry error about a part of the request is shown on the form.
_FROM_REGISTRY = {**{f"metadata.sender.{v}": k for k, v in SENDER_FIELDS.items()},
                  **{f"metadata.{f}": f for f in TOP_FIELDS},
                  "metadata.sender": "sender_name", "scan": "scan", "metadata": "kind", "metadata.": "kind",
                  "uploads": "scan"}  # from-uploads: a scan uploaded by the form's script


@dataclass
class FieldError:
    field: str  # a name in FIELDS: the summary links to the element with this id
    message: str


def is_date(value: str) -> bool:
    """A date as forms send it (ГГГГ-ММ-ДД)."""
    try:
        dt.date.fromisoformat(value)
        return True
    except ValueError:
        return False


@dataclass
class IntakeForm:
    """What the clerk typed (strings, as the browser sent them), kept to write back on an error."""

    values: dict = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> "IntakeForm":
        return cls({name: (form.get(name) or "").strip() for name in FIELDS if name != "scan"})

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def metadata(self) -> dict:
        """The registry's ``RegisterDocument`` request: empty fields left out, numbers as typed
        (the registry says what is wrong with them)."""
        top = {f: self.get(f) for f in TOP_FIELDS if self.get(f)}
        sender = {wire: self.get(name) for name, wire in SENDER_FIELDS.items() if self.get(name)}
        return {**top, "sender": sender}


def form_field(registry_field: str) -> str:
    """The form field a registry error (``metadata.sender.personal_number``) belongs to."""
    if registry_field in _FROM_REGISTRY:
        return _FROM_REGISTRY[registry_field]
    parts = registry_field.split(".")
    while parts:  # the nearest known ancestor: metadata.sender.email.x -> email
        parts.pop()
        if ".".join(parts) in _FROM_REGISTRY:
            return _FROM_REGISTRY[".".join(parts)]
    return "kind"


def field_errors(problem_errors: list[dict]) -> list[FieldError]:
    """The registry's ``errors`` on the form's fields, one per field (the first), in form order."""
    first: dict[str, str] = {}
    for err in problem_errors:
        first.setdefault(form_field(str(err.get("field", ""))), str(err.get("message", "")))
    return [FieldError(f, first[f]) for f in FIELDS if f in first]
