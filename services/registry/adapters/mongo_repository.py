"""Registrations in MongoDB, designed around single-document atomic writes and ``_id``
lookups (the only queries FerretDB's SQLite backend answers without a scan; MongoDB
answers them best too).

- A registration's ``_id`` is its claim, ``<register>:<year>:<number>:<seq>``: the
  insert succeeds for exactly one registration, and the number exists only with it.
- ``counters`` hold a hint (the highest number known taken, raised with ``$max`` after
  each insert); a hint that lags after a crash only costs a retry, never a gap.
- ``registry_keys`` map index, scan hash and e-portal submission to the claim. They are written after the claim; an outbox pointer written *before* the claim
  lets the relay timer finish them (and publish) if the process dies in between.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterable, Optional

from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField
from pymongo.errors import DuplicateKeyError

from servicekit.mongo import insert_once, upsert
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, outbox_fields
from servicekit.outbox import OutboxMessage

from ..domain.commands import RegisterDocument
from ..domain.registration import Registration, Scan
from ..domain.terms import DueDate
from ..service_layer.ports import IndexTaken

ALIAS = "registry"


class RegistrationDoc(Document, OutboxFields):
    meta = {"collection": "registrations", "db_alias": ALIAS,
            "indexes": ["index", "registration_id", "case_index"]}  # used by MongoDB; FerretDB/SQLite ignores them
    id = StringField(primary_key=True)
    registration_id = StringField(required=True)
    register_code = StringField(required=True)
    year = IntField(required=True)
    number = IntField(required=True)
    seq = IntField(required=True)
    index = StringField(required=True)
    case_index = StringField(required=True)
    case_key = StringField(required=True)
    registered_at = DateTimeField(required=True)
    command = DictField(required=True)
    access_code_hash = StringField(required=True)
    registered_by = StringField(required=True)
    due = DictField()
    service_version = IntField()
    scans = ListField(DictField())


class AuditDoc(Document):
    meta = {"collection": "audit_log", "db_alias": ALIAS, "indexes": ["target"]}
    at = DateTimeField(required=True)
    actor = StringField(required=True)
    action = StringField(required=True)
    target = StringField(required=True)
    detail = DictField()


def _to_domain(d: dict) -> Registration:
    due = None
    if d.get("due"):
        due = DueDate(**{**d["due"], **{k: dt.date.fromisoformat(d["due"][k]) for k in ("due_date", "start", "raw_end")}})
    return Registration(
        uuid.UUID(d["registration_id"]), d["register_code"], d["year"], d["number"], d["seq"], d["index"],
        d["case_index"], d["registered_at"].replace(tzinfo=dt.timezone.utc),
        RegisterDocument.model_validate(d["command"]), d["access_code_hash"], d["registered_by"], due,
        d.get("service_version"), [Scan(**s) for s in d.get("scans", [])])


class MongoRegistrationRepository:
    def __init__(self):
        self.outbox = MongoOutboxStore(RegistrationDoc, repair=self._write_lookups)

    @property
    def _regs(self):
        return RegistrationDoc._get_collection()

    @property
    def _keys(self):
        return self._regs.database["registry_keys"]

    @property
    def _counters(self):
        return self._regs.database["counters"]

    # -- claiming ---------------------------------------------------------------------
    def next_number(self, register_code: str, year: int) -> int:
        hint = self._counters.find_one({"_id": f"{register_code}:{year}"})
        return (hint["last"] if hint else 0) + 1

    def next_seq(self, case_index: str) -> int:
        hint = self._counters.find_one({"_id": f"case:{self._key_of('index', case_index)}"})
        return (hint["last"] if hint else 0) + 1

    def add(self, r: Registration, events: Iterable[OutboxMessage]) -> None:
        key = r.claim_key
        case_key = self._key_of("index", r.case_index) if r.seq else key
        events = list(events)
        self.outbox.point(events, key)  # before the claim: the relay finishes what a crash leaves
        try:
            self._regs.insert_one(self._doc(r, key, case_key, events))
        except DuplicateKeyError:
            self._raise_hint(r, case_key)  # someone holds it: move the hint past it
            raise IndexTaken(key)
        self._raise_hint(r, case_key)
        self._write_lookups({"_id": key, "registration_id": str(r.id), "index": r.index,
                             "scans": [s.__dict__ for s in r.scans], "command": r.command.model_dump(mode="json")})

    def _raise_hint(self, r: Registration, case_key: str) -> None:
        counter = f"case:{case_key}" if r.seq else f"{r.register_code}:{r.year}"
        upsert(self._counters, {"_id": counter}, {"$max": {"last": r.seq or r.number}})

    def _doc(self, r: Registration, key: str, case_key: str, events) -> dict:
        return {"_id": key, "registration_id": str(r.id), "register_code": r.register_code, "year": r.year,
                "number": r.number, "seq": r.seq, "index": r.index, "case_index": r.case_index, "case_key": case_key,
                "registered_at": r.registered_at.astimezone(dt.timezone.utc).replace(tzinfo=None),
                "command": r.command.model_dump(mode="json"), "access_code_hash": r.access_code_hash,
                "registered_by": r.registered_by, "due": r.due.explanation() if r.due else {},
                "service_version": r.service_version, "scans": [s.__dict__ for s in r.scans],
                **outbox_fields(events)}

    def _write_lookups(self, doc: dict) -> None:
        """Idempotent inserts (the first registration wins a scan hash): index, scan
        hashes, e-portal id. Insert-only, because updates cost FerretDB a scan."""
        names = [("index", doc["index"])]
        names += [("scan", s["sha256"]) for s in doc.get("scans", [])]
        if doc["command"].get("eportal_submission_id"):
            names.append(("eportal-key", doc["command"]["eportal_submission_id"]))
        for kind, value in names:
            insert_once(self._keys, {"_id": f"{kind}:{value}", "key": doc["_id"]})

    def _locate(self, registration_id: str) -> Optional[str]:
        """Crash recovery only (a redelivered portal submission whose first attempt died
        before its lookup keys were written): find the claim by scanning."""
        doc = self._regs.find_one({"registration_id": registration_id}, {"_id": 1})
        return doc["_id"] if doc else None

    # -- reading ----------------------------------------------------------------------
    def _key_of(self, kind: str, value: str) -> Optional[str]:
        found = self._keys.find_one({"_id": f"{kind}:{value}"})
        return found.get("key") if found else None

    def _by_key(self, key: Optional[str]) -> Optional[Registration]:
        doc = self._regs.find_one({"_id": key}) if key else None
        return _to_domain(doc) if doc else None

    def by_index(self, index: str) -> Optional[Registration]:
        return self._by_key(self._key_of("index", index))

    def by_scan_hash(self, sha256: str) -> Optional[Registration]:
        return self._by_key(self._key_of("scan", sha256))

    def by_submission(self, submission_id: str) -> Optional[Registration]:
        return self._by_key(self._key_of("eportal-key", submission_id))

    def reserve_submission(self, submission_id: str, registration_id: uuid.UUID) -> tuple[uuid.UUID, Optional[Registration]]:
        """Bind a portal submission to one registration id before anything is claimed.

        Returns the bound id and, on a redelivery, the registration it already has.
        """
        insert_once(self._keys, {"_id": f"eportal:{submission_id}", "registration_id": str(registration_id)})
        bound = uuid.UUID(self._keys.find_one({"_id": f"eportal:{submission_id}"})["registration_id"])
        if bound == registration_id:
            return bound, None  # first delivery: nothing can exist yet
        done = self.by_submission(submission_id)
        if done:
            return bound, done
        return bound, self._by_key(self._locate(str(bound)))  # redelivery after a crash: rare, may scan

    def audit(self, actor: str, action: str, target: str, detail: Optional[dict] = None) -> None:
        AuditDoc._get_collection().insert_one({"at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                                               "actor": actor, "action": action, "target": target,
                                               "detail": detail or {}})
