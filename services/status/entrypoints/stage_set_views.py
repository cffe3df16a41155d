"""Stage sets on the wire (proto's api.status models) and back."""
from __future__ import annotations

from delovod_proto.api.status import (StageSetEdit, StageSetList, StageSetStage, StageSetTransition, StageSetVersions,
                                      StageSetView)
from delovod_proto.vocabulary import CaseStage

from ..domain.stage_sets import StageLabels, StageSet, StageSetRefused


def view(s: StageSet) -> dict:
    return _model(s).model_dump(mode="json")


def _model(s: StageSet) -> StageSetView:
    return StageSetView(
        key=s.key, kind=s.kind, service_code=s.service_code, version=s.version, valid_from=s.valid_from,
        stages=[StageSetStage(stage=st, public_label=l.public, internal_label=l.internal)
                for st, l in sorted(s.stages.items(), key=lambda i: list(CaseStage).index(i[0]))],
        transitions=[StageSetTransition(stage=st, to=[t for t in CaseStage if t in to])
                     for st, to in sorted(s.transitions.items(), key=lambda i: list(CaseStage).index(i[0]))],
        author=s.author, reason=s.reason, created_at=s.created_at)


def listed(sets: list[StageSet]) -> dict:
    return StageSetList(items=[_model(s) for s in sets]).model_dump(mode="json")


def versions(key: str, sets: list[StageSet]) -> dict:
    return StageSetVersions(key=key, items=[_model(s) for s in sets]).model_dump(mode="json")


def parts(edit: StageSetEdit) -> tuple[dict, dict]:
    """(stages with their labels, narrowed moves) of an admin's edit; a stage named twice is refused."""
    stages, transitions, errors = {}, {}, []
    for i, item in enumerate(edit.stages):
        if item.stage in stages:
            errors.append({"field": f"stages.{i}.stage", "message": f"Етап {item.stage.value} е посочен два пъти."})
        stages[item.stage] = StageLabels(item.public_label.strip(), item.internal_label.strip())
    for i, item in enumerate(edit.transitions):
        if item.stage in transitions:
            errors.append({"field": f"transitions.{i}.stage",
                           "message": f"Преходите от {item.stage.value} са посочени два пъти."})
        transitions[item.stage] = frozenset(item.to)
    if errors:
        raise StageSetRefused("Наборът от етапи не може да бъде записан.", errors)
    return stages, transitions
