"""The stage set form of the desk (issue 14 item 1): a checkbox per stage, its public and
internal label, the reason and the day it is valid from. The rules of a set are status's; its
refusals come back next to the stage they name, with what was typed kept."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from delovod_proto.vocabulary import CaseStage

from .intake import FieldError

STAGES = [s.value for s in CaseStage]
NOT_SAVED = "Наборът от етапи не е записан."


@dataclass
class StageSetForm:
    values: dict

    @classmethod
    def from_set(cls, view: dict, based_on: Optional[int] = None) -> "StageSetForm":
        """The form on a version (``view`` a StageSetView); ``based_on``: what is saved over (0 for a service's first set)."""
        values = {"stages": [s["stage"] for s in view["stages"]], "reason": "", "valid_from": "",
                  "based_on": str(view["version"] if based_on is None else based_on),
                  "transitions": {t["stage"]: t["to"] for t in view.get("transitions", [])}}
        for s in view["stages"]:
            values[f"public_{s['stage']}"], values[f"internal_{s['stage']}"] = s["public_label"], s["internal_label"]
        return cls(values)

    @classmethod
    def from_form(cls, form, current: Optional[dict] = None) -> "StageSetForm":
        """As posted (trimmed); the moves narrowed in ``current`` (the API keeps them) ride along."""
        values = {"stages": [s for s in form.getlist("stages") if s in STAGES],
                  "reason": form.get("reason", "").strip(), "valid_from": form.get("valid_from", "").strip(),
                  "based_on": form.get("based_on", "").strip(),
                  "transitions": {t["stage"]: t["to"] for t in (current or {}).get("transitions", [])}}
        for stage in STAGES:
            for side in ("public", "internal"):
                values[f"{side}_{stage}"] = form.get(f"{side}_{stage}", "").strip()
        return cls(values)

    def errors(self) -> list[FieldError]:
        """What the desk can tell without status: a version number it can send."""
        if not self.values["based_on"].isdigit():
            return [FieldError("stages", "Формата е повредена: отворете набора отново.")]
        return []

    def edit(self, kind: Optional[str] = None) -> dict:
        """The StageSetEdit status takes."""
        used = self.values["stages"]
        return {"based_on": int(self.values["based_on"]), "reason": self.values["reason"],
                "valid_from": self.values["valid_from"] or None, **({"kind": kind} if kind else {}),
                "stages": [{"stage": s, "public_label": self.values[f"public_{s}"],
                            "internal_label": self.values[f"internal_{s}"]} for s in STAGES if s in used],
                "transitions": [{"stage": s, "to": [t for t in to if t in used]}
                                for s, to in self.values["transitions"].items() if s in used]}

    @staticmethod
    def status_errors(errors: Optional[list[dict]]) -> list[FieldError]:
        """Status's field errors on the form's fields: a stage's on its row, a label's on its input."""
        found = []
        for e in errors or []:
            parts = str(e.get("field", "")).split(".")
            name = parts[0]
            if parts[0] == "stages" and len(parts) == 3 and parts[2] in ("public_label", "internal_label"):
                name = f"{parts[2].split('_')[0]}_{parts[1]}"
            elif parts[0] in ("stages", "transitions") and len(parts) >= 2 and parts[1] in STAGES:
                name = f"stage_{parts[1]}"
            elif parts[0] not in ("reason", "valid_from"):
                name = "stages"
            found.append(FieldError(name, e.get("message", "")))
        return found
