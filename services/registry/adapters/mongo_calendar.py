"""The operator's calendar table in MongoDB: one small document, replaced under its version,
with its history of changes (the last ``KEPT_CHANGES``) written in the same update, so the rows
and the history cannot disagree.

The history is read, trimmed here and set whole rather than ``$push``-ed with ``$slice``:
FerretDB ignores ``$slice`` (the contract test caught it). The update is conditional on the
version that was read, so a write in between makes it match nothing, as a stale edit."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from servicekit.mongo import insert_once, unavailable_when_down

from ..service_layer.calendar_table import KEPT_CHANGES
from .mongo_repository import RegistrationDoc

DOC_ID = "exceptions"


def _naive_utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.timezone.utc).replace(tzinfo=None)


@unavailable_when_down
class MongoCalendarStore:
    @property
    def _coll(self):
        return RegistrationDoc._get_collection().database["calendar"]

    def load(self) -> tuple[list[dict], int]:
        doc = self._coll.find_one({"_id": DOC_ID}, {"changes": 0})
        return (doc["rows"], doc["version"]) if doc else ([], 0)

    def save(self, rows: list[dict], expected_version: int, actor: str, change: Optional[dict] = None) -> bool:
        stamp = {"rows": rows, "version": expected_version + 1, "updated_by": actor,
                 "updated_at": _naive_utc(dt.datetime.now(dt.timezone.utc))}
        entries = [{**change, "at": _naive_utc(change["at"])}] if change is not None else []
        if expected_version == 0:
            return insert_once(self._coll, {"_id": DOC_ID, **stamp, "changes": entries})
        current = {"_id": DOC_ID, "version": expected_version}
        if entries:
            kept = (self._coll.find_one(current, {"changes": 1}) or {}).get("changes", [])
            stamp["changes"] = (kept + entries)[-KEPT_CHANGES:]
        done = self._coll.update_one(current, {"$set": stamp})
        return done.modified_count == 1

    def changes(self) -> list[dict]:
        doc = self._coll.find_one({"_id": DOC_ID}, {"changes": 1}) or {}
        return [{**c, "at": c["at"].replace(tzinfo=dt.timezone.utc)} for c in doc.get("changes", [])]
