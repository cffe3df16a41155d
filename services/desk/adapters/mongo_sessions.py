"""Sessions in the desk's own database (pymongo): one document per session, keyed by the hash
of its cookie; a replica or a restart keeps everyone signed in. Expired ones are removed by
the desk's sweep timer (FerretDB has no TTL index)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import pymongo
from pymongo.errors import PyMongoError

from ..domain.people import Person
from ..domain.session import Session, storage_key
from ..service_layer.ports import Unavailable


class MongoSessions:
    def __init__(self, uri: str, timeout_ms: int = 5000, **tls):
        """``tls``: pymongo's TLS options from the settings (``KitSettings.mongo_tls_options``)."""
        self.client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, socketTimeoutMS=timeout_ms,
                                          connectTimeoutMS=timeout_ms, tz_aware=True, **tls)
        self.rows = self.client.get_default_database().sessions

    def get(self, session_id: str) -> Optional[Session]:
        row = self._call(self.rows.find_one, {"_id": storage_key(session_id)})
        if row is None:
            return None
        person = Person(**row["person"]) if row.get("person") else None
        return Session(session_id, row["csrf"], row["last_seen"], person, row.get("once") or {})

    def put(self, session: Session) -> None:
        row = {"csrf": session.csrf, "last_seen": session.last_seen, "once": session.once,
               "person": vars(session.person) if session.person else None}
        self._call(self.rows.replace_one, {"_id": storage_key(session.id)}, row, upsert=True)

    def delete(self, session_id: str) -> None:
        self._call(self.rows.delete_one, {"_id": storage_key(session_id)})

    def sweep(self, idle: dt.timedelta) -> int:
        before = dt.datetime.now(dt.timezone.utc) - idle
        return self._call(self.rows.delete_many, {"last_seen": {"$lt": before}}).deleted_count

    def close(self) -> None:
        self.client.close()

    @staticmethod
    def _call(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PyMongoError as exc:
            raise Unavailable("sessions") from exc
