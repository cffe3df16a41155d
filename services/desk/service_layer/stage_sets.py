"""Admins keep the stage sets (issue 14 item 1) through status's admin API, as the signed-in
person (status records that person's name): the list of sets, a set's versions (valid from,
who, why) and a new version from the form. The rules are status's; its refusals come back
onto the form."""
from __future__ import annotations

from typing import Optional

from ..domain.stage_set_form import NOT_SAVED, StageSetForm
from ..domain.people import Person
from .ports import Refused, Services
from .workspace import Outcome

SERVICE_PREFIX = "service:"
NEW_SERVICE_KIND = "service_application"  # a service's first set starts from this kind's
CHANGED_MEANWHILE = ("Наборът е променен след отварянето на формата (друга версия е записана междувременно). "
                     "Въведеното е запазено; прегледайте го спрямо новата версия и запишете отново.")


class StageSetEdits:
    def __init__(self, services: Services):
        self.services = services

    def sets(self, person: Person) -> list[dict]:
        return self.services.stage_sets(person)

    def open(self, person: Person, key: str) -> dict:
        """``{"latest": the newest version (the form's start), "versions": newest first,
        "based_on": what a save goes over}``. A catalogue service without its own set yet opens
        on its kind's (service applications'), to be saved as its version 1."""
        try:
            versions = self.services.stage_set_versions(person, key)
        except Refused as exc:
            if exc.status != 404 or not key.startswith(SERVICE_PREFIX):
                raise
            start = self.services.stage_set_versions(person, NEW_SERVICE_KIND)[-1]
            return {"latest": start, "versions": [], "based_on": 0, "new": True}
        latest = versions[-1]
        return {"latest": latest, "versions": list(reversed(versions)), "based_on": latest["version"], "new": False}

    def edit(self, person: Person, key: str, form: StageSetForm, opened: Optional[dict] = None) -> Outcome:
        errors = form.errors()
        if errors:
            return Outcome(summary=NOT_SAVED, errors=errors)
        opened = opened or self.open(person, key)
        try:
            kind = opened["latest"]["kind"] if opened["new"] else None
            return Outcome(result=self.services.create_stage_set_version(person, key, form.edit(kind)))
        except Refused as exc:
            if exc.status == 409:
                return Outcome(summary=CHANGED_MEANWHILE, status=409)
            return Outcome(summary=f"{NOT_SAVED} {exc.detail}", errors=form.status_errors(exc.errors),
                           status=exc.status if exc.status in (400, 404, 422) else 422)
