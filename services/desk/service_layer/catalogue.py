"""Operators edit the catalogue (issue 15): find a service, see its versions (valid from, who,
why), and make a new version valid from a date, through the catalogue's admin API as the
signed-in person (the catalogue records that person's name, never "desk"). The rules of a
valid card and of a version are the catalogue's; its refusals come back onto the form."""
from __future__ import annotations

from typing import Optional

from pydantic import ValidationError

from delovod_proto.api.catalogue import ServiceCard, ServiceEdit
from servicekit.http import pydantic_errors

from ..domain.card_form import CardForm
from ..domain.people import Person
from .ports import Refused, Services
from .workspace import Outcome

NOT_SAVED = "Промяната не е записана."
CHANGED_MEANWHILE = ("Услугата е променена след отварянето на формата (друга версия е записана междувременно). "
                     "Отворете услугата отново и направете промяната върху новата версия.")


class CatalogueEdits:
    def __init__(self, services: Services):
        self.services = services

    def search(self, person: Person, q: str) -> list[dict]:
        """The services whose name or code matches ``q`` (all, by name, when it is empty)."""
        return self.services.catalogue_search(person, q.strip())

    def service(self, person: Person, code: str) -> dict:
        """``{"card": the latest version (a ServiceDetail), "versions": every version, the
        newest first}``: the form opens on the latest version, even one valid only from a later
        day, so a change never drops one made before it."""
        versions = self.services.catalogue_versions(person, code)
        latest = max((v for v in versions if v["published"]), key=lambda v: v["version"], default=None)
        card = self.services.catalogue_service(person, code, latest["valid_from"] if latest else None)
        return {"card": card, "versions": sorted(versions, key=lambda v: v["version"], reverse=True)}

    def edit(self, person: Person, code: str, form: CardForm, current: Optional[dict] = None) -> Outcome:
        """A new version of the service from the form, valid from its date, with its reason;
        ``current``: the latest version, when the caller has just read it."""
        errors = form.errors()
        if errors:
            return Outcome(summary=NOT_SAVED, errors=errors)
        current = current or self.service(person, code)["card"]
        if str(current["version"]) != form.values["based_on"]:
            return Outcome(summary=CHANGED_MEANWHILE)
        card = {k: v for k, v in current.items() if k in ServiceCard.model_fields}
        try:
            edit = ServiceEdit.model_validate({"service": form.card(card), "valid_from": form.values["valid_from"],
                                               "reason": form.values["reason"]})
        except ValidationError as exc:  # the wire contract, checked before it is sent
            return Outcome(summary=NOT_SAVED, errors=form.catalogue_errors(pydantic_errors(exc)))
        try:
            return Outcome(result=self.services.edit_catalogue_service(person, code, edit.model_dump(mode="json")))
        except Refused as exc:
            return Outcome(summary=f"{NOT_SAVED} {exc.detail}", errors=form.catalogue_errors(exc.errors))
