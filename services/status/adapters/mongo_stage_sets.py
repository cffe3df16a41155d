"""Stage set versions in status's database: one document per version, ``_id`` "<key>@<n>" (so
two admins writing the same number are told by the unique key, and a version is read by
``_id`` alone, which FerretDB answers without a scan)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from mongoengine import DateTimeField, DictField, Document, IntField, StringField
from pymongo.errors import DuplicateKeyError

from delovod_proto.vocabulary import CaseStage
from servicekit.mongo import unavailable_when_down

from ..domain.stage_sets import StageLabels, StageSet
from ..service_layer.stage_sets import VersionTaken
from .mongo_repository import ALIAS

UTC = dt.timezone.utc


class StageSetDoc(Document):
    meta = {"collection": "stage_sets", "db_alias": ALIAS, "indexes": ["key"], "strict": False}
    id = StringField(primary_key=True)
    key = StringField(required=True)
    version = IntField(required=True)
    kind = StringField(required=True)
    service_code = StringField(null=True)
    valid_from = DateTimeField(required=True)
    stages = DictField()  # stage -> {"public", "internal"}; the order: CaseStage's
    transitions = DictField()  # stage -> [stages]: the narrowing
    author = StringField(null=True)
    reason = StringField(null=True)
    created_at = DateTimeField(null=True)


def _naive(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def _to_domain(d: dict) -> StageSet:
    stages = {s: StageLabels(d["stages"][s.value]["public"], d["stages"][s.value]["internal"])
              for s in CaseStage if s.value in d["stages"]}
    transitions = {CaseStage(s): frozenset(CaseStage(t) for t in ts) for s, ts in (d.get("transitions") or {}).items()}
    created = d.get("created_at")
    return StageSet(d["kind"], d.get("service_code"), d["version"], d["valid_from"].replace(tzinfo=UTC), stages,
                    transitions, d.get("author"), d.get("reason"), created.replace(tzinfo=UTC) if created else None)


@unavailable_when_down
class MongoStageSetRepository:
    @property
    def _coll(self):
        return StageSetDoc._get_collection()

    def add(self, stage_set: StageSet) -> None:
        doc = {"_id": f"{stage_set.key}@{stage_set.version}", "key": stage_set.key, "version": stage_set.version,
               "kind": stage_set.kind, "service_code": stage_set.service_code,
               "valid_from": _naive(stage_set.valid_from),
               "stages": {s.value: {"public": l.public, "internal": l.internal} for s, l in stage_set.stages.items()},
               "transitions": {s.value: sorted(t.value for t in ts) for s, ts in stage_set.transitions.items()},
               "author": stage_set.author, "reason": stage_set.reason, "created_at": _naive(stage_set.created_at)}
        try:
            self._coll.insert_one(doc)
        except DuplicateKeyError:
            raise VersionTaken(stage_set.key) from None

    def history(self, key: str) -> list[StageSet]:
        return sorted((_to_domain(d) for d in self._coll.find({"key": key})), key=lambda s: s.version)

    def get(self, key: str, version: int) -> Optional[StageSet]:
        found = self._coll.find_one({"_id": f"{key}@{version}"})
        return _to_domain(found) if found else None

    def keys(self) -> list[str]:
        return sorted({d["key"] for d in self._coll.find({}, {"key": 1})})
