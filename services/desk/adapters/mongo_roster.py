"""The officials' roster in the desk's own database: one document, replaced whole at each
sign-in's refresh (so someone who left the directory leaves the roster too)."""
from __future__ import annotations

import datetime as dt

from pymongo.errors import PyMongoError

from ..domain.people import Official
from ..service_layer.ports import Unavailable

ROSTER_ID = "officials"


class MongoRoster:
    def __init__(self, database):
        self.rows = database.roster

    def replace(self, officials: list[Official]) -> None:
        row = {"people": [vars(o) for o in officials], "refreshed_at": dt.datetime.now(dt.timezone.utc)}
        try:
            self.rows.replace_one({"_id": ROSTER_ID}, row, upsert=True)
        except PyMongoError as exc:
            raise Unavailable("sessions") from exc

    def officials(self) -> list[Official]:
        try:
            row = self.rows.find_one({"_id": ROSTER_ID})
        except PyMongoError as exc:
            raise Unavailable("sessions") from exc
        return [Official(**p) for p in (row or {}).get("people", [])]
