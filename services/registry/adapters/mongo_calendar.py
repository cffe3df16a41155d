"""The operator's calendar table in MongoDB: one small document, replaced under its version."""
from __future__ import annotations

import datetime as dt

from servicekit.mongo import insert_once, unavailable_when_down

from .mongo_repository import RegistrationDoc

DOC_ID = "exceptions"


@unavailable_when_down
class MongoCalendarStore:
    @property
    def _coll(self):
        return RegistrationDoc._get_collection().database["calendar"]

    def load(self) -> tuple[list[dict], int]:
        doc = self._coll.find_one({"_id": DOC_ID})
        return (doc["rows"], doc["version"]) if doc else ([], 0)

    def save(self, rows: list[dict], expected_version: int, actor: str) -> bool:
        stamp = {"rows": rows, "version": expected_version + 1, "updated_by": actor,
                 "updated_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)}
        if expected_version == 0:
            return insert_once(self._coll, {"_id": DOC_ID, **stamp})
        done = self._coll.update_one({"_id": DOC_ID, "version": expected_version}, {"$set": stamp})
        return done.modified_count == 1
