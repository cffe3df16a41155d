"""Registrations in MongoDB, designed around single-document atomic writes and ``_id``
lookups (the only queries FerretDB's SQLite backend answers without a scan; MongoDB
answers them best too).

Longer than 300 lines on purpose: it is the one adapter of one port, and its claims, its
lookup keys and the relay's repair all read and write one document layout (``_doc``,
``_holds``, ``_write_lookups``); apart, each part would reach into the others' private
layout.

- A registration's ``_id`` is its claim, ``<register>:<year>:<number>:<seq>``: the
  insert succeeds for exactly one registration, and the number exists only with it.
- ``counters`` hold a hint (the highest number known taken, raised with ``$max`` after
  each insert); a hint that lags after a crash only costs a retry, never a gap.
- ``registry_keys`` map index, scan hash and e-portal submission to the claim. They are
  written after the claim; the outbox pointers, written *before* the claim (and before
  the scans are uploaded, whose keys they list), let the relay timer complete them and
  publish if the process dies in between, or delete the objects if the claim never came.
- ``journal`` holds one document per register and UTC day, ``_id = <register>|<yyyy-mm-dd>``,
  whose ``entries`` list that day's completed registrations (small: no personal data but the
  sender's name). The incoming journal reads a day by ``_id`` (FerretDB scans any range or
  ``$in``: measured, bench/journal.py); written with ``$addToSet`` when a registration completes
  (the relay's repair too), so writing it again changes nothing. ``journal_words`` holds one
  digest per register and UTC month (``<register>|<yyyy-mm>``): each folded word with the days
  it occurs on, so a search for words reads only the days that have them. ``journal_year_words``
  holds the same per register and UTC year (``<register>|<yyyy>``), each word's days per month
  as bits (``w.<word>.m<mm>``, bit d-1 for day d so it stays a 32-bit integer, raised with
  ``$bit`` ``or``: idempotent too), so a search over
  a year reads one digest per register, not thirteen.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Callable, Iterable, Optional, Sequence

from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField
from pymongo.errors import BulkWriteError, DuplicateKeyError

from servicekit.concurrently import Concurrently, in_turn
from servicekit.mongo import Lease, unavailable_when_down, upsert
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, outbox_fields, push_update
from servicekit.outbox import OutboxMessage

from ..domain.commands import RegisterDocument
from ..domain.registration import Registration, Scan
from ..domain.terms import DueDate
from ..service_layer.ports import IndexTaken, JournalEntry, SubmissionTaken, journal_words
from ..service_layer.claims import CLAIM_WINDOW

ALIAS = "registry"


class RegistrationDoc(Document, OutboxFields):
    meta = {"collection": "registrations", "db_alias": ALIAS,
            "indexes": ["index", "registration_id", "case_index",  # used by MongoDB; FerretDB never filters by them
                        {"fields": ["submission"], "unique": True, "sparse": True},  # enforced by both
                        {"fields": ["request_key"], "unique": True, "sparse": True}]}
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
    submission = StringField()  # e-portal submission id, only on e-portal registrations
    request_key = StringField()  # a clerk's Idempotency-Key with the clerk's id, only where given
    responsible_unit = StringField()  # an application's competent unit (catalogue), only where known
    code_version = IntField()  # how many times the case's access code was reissued (absent: never)
    code_history = ListField(DictField())  # each reissue: version, at, by, reason, requested_for


class AuditDoc(Document):
    meta = {"collection": "audit_log", "db_alias": ALIAS, "indexes": ["target"]}
    id = StringField(primary_key=True)  # register:<claim> for registrations (written once), else random
    at = DateTimeField(required=True)
    actor = StringField(required=True)
    action = StringField(required=True)
    target = StringField(required=True)
    detail = DictField()


def _insert_new(collection, docs: list[dict]) -> list:
    """Insert in one round trip; documents whose ``_id`` exists are left as they are.
    Returns those ``_id``s."""
    if not docs:
        return []
    try:
        collection.insert_many(docs, ordered=False)
        return []
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        return [e["op"]["_id"] for e in errors]


def _journal_entry(d: dict) -> dict:
    """A registration document's entry in its day of the journal (field order fixed, so
    ``$addToSet`` finds it equal when it is written again)."""
    c = d["command"]
    return {"registered_at": d["registered_at"], "index": d["index"], "register_code": d["register_code"],
            "year": d["year"], "number": d["number"], "seq": d["seq"], "kind": c["kind"], "channel": c["channel"],
            "sender_name": c["sender"]["name"], "subject": c["subject"],
            "words": journal_words(c["sender"]["name"], c["subject"])}


def _to_domain(d: dict) -> Registration:
    due = None
    if d.get("due"):
        due = DueDate(**{**d["due"], **{k: dt.date.fromisoformat(d["due"][k]) for k in ("due_date", "start", "raw_end")}})
    return Registration(
        uuid.UUID(d["registration_id"]), d["register_code"], d["year"], d["number"], d["seq"], d["index"],
        d["case_index"], d["registered_at"].replace(tzinfo=dt.timezone.utc),
        RegisterDocument.model_validate(d["command"], context={"stored": True}), d["access_code_hash"], d["registered_by"], due,
        d.get("service_version"), [Scan(**s) for s in d.get("scans", [])], d.get("request_key"),
        d.get("responsible_unit"))


@unavailable_when_down
class MongoRegistrationRepository:
    """``concurrently`` overlaps independent writes; ``drop_objects(keys)`` deletes
    uploaded scans of a registration that announced them but never claimed its number."""

    def __init__(self, concurrently: Concurrently = in_turn,
                 drop_objects: Callable[[list[str]], None] = lambda keys: None,
                 move_objects: Callable[[list[tuple[str, str]]], None] = lambda pairs: None):
        self.concurrently, self.drop_objects, self.move_objects = concurrently, drop_objects, move_objects
        # grace: twice the registry's claim window, so no in-flight registration is swept
        self.outbox = MongoOutboxStore(RegistrationDoc, repair=self._repair, abandon=self._abandoned,
                                       leftovers=self._abandoned,
                                       resolve=self._resolve, grace_s=2 * CLAIM_WINDOW.total_seconds())

    @property
    def _regs(self):
        return RegistrationDoc._get_collection()

    @property
    def _keys(self):
        return self._regs.database["registry_keys"]

    @property
    def _journal(self):
        return self._regs.database["journal"]

    @property
    def _journal_words(self):
        return self._regs.database["journal_words"]

    @property
    def _journal_year_words(self):
        return self._regs.database["journal_year_words"]

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

    def announce(self, r: Registration, event_ids: Iterable[uuid.UUID]) -> None:
        self.outbox.point_ids(event_ids, f"rid:{r.id}", scans=[s.staging_key for s in r.scans])

    def withdraw(self, r: Registration, event_ids: Iterable[uuid.UUID]) -> None:
        self.outbox.withdraw(event_ids)

    def link(self, *registrations: Registration) -> None:
        self._write_lookups(*[{"_id": r.claim_key, "registration_id": str(r.id), "index": r.index,
                               "scans": [s.__dict__ for s in r.scans], "request_key": r.request_key,
                               "command": {"eportal_submission_id": r.command.eportal_submission_id}}
                              for r in registrations])

    def claim(self, r: Registration, events: Iterable[OutboxMessage]) -> None:
        try:
            self._regs.insert_one(self._doc(r, r.claim_key, self._case_key(r), list(events)))
        except DuplicateKeyError:
            raise self._taken(r)

    def claim_many(self, claims: Sequence[tuple[Registration, Iterable[OutboxMessage]]]) -> tuple[int, Optional[Exception]]:
        """One ordered insert: each document its own commit, stopping at the first refused."""
        docs = [self._doc(r, r.claim_key, self._case_key(r), list(events)) for r, events in claims]
        try:
            self._regs.insert_many(docs, ordered=True)
            return len(docs), None
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            added = exc.details.get("nInserted", 0)
            if not errors or errors[0].get("index") != added:
                raise
            if errors[0].get("code") != 11000:  # those before it are claimed all the same
                return added, exc
            return added, self._taken(claims[added][0])

    def _taken(self, r: Registration) -> Exception:
        """Which unique key refused ``r``: its claim (_id) or its submission / request key.
        The error does not say which (FerretDB's does not); a claim, once made, is never removed."""
        if self._regs.find_one({"_id": r.claim_key}, {"_id": 1}) is None:
            return SubmissionTaken(r.command.eportal_submission_id or r.request_key)
        self._raise(self._counter(r.register_code, r.year, r.seq, self._case_key(r)), r.seq or r.number)  # past it
        return IndexTaken(r.claim_key)

    def code_version(self, case: Registration) -> int:
        doc = self._regs.find_one({"_id": case.claim_key}, {"code_version": 1}) or {}
        return doc.get("code_version") or 0

    def replace_access_code(self, case: Registration, code_hash: str, version: int, record: dict,
                            event: OutboxMessage) -> bool:
        """Compare-and-set under a short lease on the case's code (a filter on anything but
        ``_id`` makes FerretDB scan the collection)."""
        lease = Lease(self._regs.database["leases"], ttl_s=30)
        if not lease.acquire(f"code:{case.claim_key}"):
            return False
        try:
            if self.code_version(case) != version - 1:
                return False
            # the relay sends it without repairing the (long complete) registration
            self.outbox.point([event], case.claim_key, no_repair=True)
            at = record["at"].astimezone(dt.timezone.utc).replace(tzinfo=None)
            self._regs.update_one(
                {"_id": case.claim_key},
                {"$set": {"access_code_hash": code_hash, "code_version": version, **push_update([event])["$set"]},
                 "$push": {"code_history": {**record, "at": at}}})
            return True
        finally:
            lease.release(f"code:{case.claim_key}")

    def complete(self, registrations: Sequence[Registration]) -> None:
        self._complete_docs([self._doc(r, r.claim_key, self._case_key(r), []) for r in registrations])

    def _complete_docs(self, docs: list[dict]) -> None:
        """Idempotent post-claim steps for a batch: one raise per number hint, and the
        registrations' audit entries in one insert."""
        hints: dict[str, int] = {}
        for d in docs:
            counter = self._counter(d["register_code"], d["year"], d["seq"], d["case_key"])
            hints[counter] = max(hints.get(counter, 0), d["seq"] or d["number"])
        entries = [{"_id": f"register:{d['_id']}", "at": d["registered_at"], "actor": d["registered_by"],
                    "action": "register", "target": d["index"],
                    "detail": {"scans": len(d.get("scans", [])), "kind": d["command"]["kind"]}} for d in docs]
        days: dict[str, list[dict]] = {}
        months: dict[str, dict[str, set]] = {}  # the month's digest: word -> days it occurs on
        years: dict[str, dict[str, int]] = {}  # the year's digest: word and month -> days it occurs on, as bits
        for d in docs:
            entry, at = _journal_entry(d), d["registered_at"]
            days.setdefault(f"{d['register_code']}|{at.date().isoformat()}", []).append(entry)
            digest = months.setdefault(f"{d['register_code']}|{at:%Y-%m}", {})
            year = years.setdefault(f"{d['register_code']}|{at:%Y}", {})
            for word in entry["words"].split():
                digest.setdefault(f"w.{word}", set()).add(at.day)
                year[f"w.{word}.m{at:%m}"] = year.get(f"w.{word}.m{at:%m}", 0) | 1 << (at.day - 1)  # int32
        self.concurrently(*[lambda c=c, v=v: self._raise(c, v) for c, v in hints.items()],
                          *[lambda k=k, e=e: upsert(self._journal, {"_id": k}, {"$addToSet": {"entries": {"$each": e}}})
                            for k, e in days.items()],
                          *[lambda k=k, w=w: upsert(self._journal_words, {"_id": k},
                                                    {"$addToSet": {f: {"$each": sorted(v)} for f, v in w.items()}})
                            for k, w in months.items()],
                          *[lambda k=k, w=w: upsert(self._journal_year_words, {"_id": k},
                                                    {"$bit": {f: {"or": bits} for f, bits in w.items()}})
                            for k, w in years.items()],
                          lambda: _insert_new(AuditDoc._get_collection(), entries))

    def backfill_journal(self, batch: int = 200, progress: Callable[[int], None] = lambda n: None) -> int:
        """Write every registration's journal entry, word digest, audit entry and number hint
        again, a batch at a time (``_complete_docs``: idempotent, so safe to repeat or to stop
        half-way): the journal of registrations made before it existed. One pass over the
        collection in its natural order; returns how many were written."""
        done, docs = 0, []
        for doc in self._regs.find({}, batch_size=batch):
            docs.append(doc)
            if len(docs) == batch:
                self._complete_docs(docs)
                done, docs = done + len(docs), []
                progress(done)
        if docs:
            self._complete_docs(docs)
            done += len(docs)
            progress(done)
        return done

    def backfill_year_words(self) -> int:
        """Each year word digest from the month digests (idempotent ``$bit`` ``or``): for a
        journal whose month digests were written before the year digests existed; reads the
        month digests once (one per register and month). Returns how many were read."""
        done = 0
        for month in self._journal_words.find({}):
            code, year_month = month["_id"].rsplit("|", 1)
            year, mm = year_month.split("-")
            bits = {f"w.{w}.m{mm}": sum(1 << (d - 1) for d in set(days)) for w, days in month.get("w", {}).items()}
            if bits:
                upsert(self._journal_year_words, {"_id": f"{code}|{year}"}, {"$bit": {f: {"or": b} for f, b in bits.items()}})
            done += 1
        return done

    def _repair(self, doc: dict) -> None:
        """The relay's catch-up for a registration whose process died after the claim."""
        pairs = [(s["staging_key"], s["object_key"]) for s in doc.get("scans", []) if s.get("staging_key")]
        self.concurrently(lambda: self._write_lookups(doc), lambda: self._complete_docs([doc]),
                          lambda: self.move_objects(pairs))

    def _resolve(self, doc_id: str) -> Optional[str]:
        """A pointer's aggregate: ``rid:<registration id>`` leads to the claim, if any."""
        if not doc_id.startswith("rid:"):
            return doc_id
        key = self._key_of("rid", doc_id[4:])
        if key is not None:
            return key
        found = self._regs.find_one({"registration_id": doc_id[4:]}, {"_id": 1})  # died before link: rare, scans
        return found["_id"] if found else None

    def _case_key(self, r: Registration) -> str:
        return r.claim_key if not r.seq else f"{r.register_code}:{r.year}:{r.number}:0"

    @staticmethod
    def _counter(register_code: str, year: int, seq: int, case_key: str) -> str:
        """A register's number hint, or (for a follow-up) its case's sequence hint."""
        return f"case:{case_key}" if seq else f"{register_code}:{year}"

    def _raise(self, counter: str, last: int) -> None:
        upsert(self._counters, {"_id": counter}, {"$max": {"last": last}})

    def _doc(self, r: Registration, key: str, case_key: str, events) -> dict:
        return {"_id": key, "registration_id": str(r.id), "register_code": r.register_code, "year": r.year,
                "number": r.number, "seq": r.seq, "index": r.index, "case_index": r.case_index, "case_key": case_key,
                "registered_at": r.registered_at.astimezone(dt.timezone.utc).replace(tzinfo=None),
                "command": r.command.model_dump(mode="json"), "access_code_hash": r.access_code_hash,
                "registered_by": r.registered_by, "due": r.due.explanation() if r.due else {},
                "service_version": r.service_version, "scans": [s.__dict__ for s in r.scans],
                # present only for e-portal submissions: a unique index on it (absent values
                # do not collide; null ones would on FerretDB) makes the claim unique per submission
                **({"submission": r.command.eportal_submission_id} if r.command.eportal_submission_id else {}),
                **({"request_key": r.request_key} if r.request_key else {}),
                **({"responsible_unit": r.responsible_unit} if r.responsible_unit else {}),
                **outbox_fields(events)}

    def _write_lookups(self, *docs: dict) -> None:
        """Lookup keys of one or more registrations, in one round trip: index, scan
        hashes, e-portal id -> claim key.

        Written right after the claim (and again by the relay after a crash). Readers
        still check that the claim a key leads to is really its holder (``_by_key``):
        the index key is the same for whoever claims that number, so a taken one is
        already right; a scan or e-portal key held by a registration that does not have
        that scan or submission (e.g. written by an earlier version) is taken over.
        """
        wanted: dict[str, str] = {}
        for doc in docs:
            names = [("index", doc["index"]), ("rid", doc["registration_id"])]
            names += [("scan", s["sha256"]) for s in doc.get("scans", [])]
            if doc["command"].get("eportal_submission_id"):
                names.append(("eportal-key", doc["command"]["eportal_submission_id"]))
            if doc.get("request_key"):
                names.append(("request", doc["request_key"]))
            for kind, value in names:  # within a batch, the first registration of a scan keeps it
                wanted.setdefault(f"{kind}:{value}", doc["_id"])
        for name in _insert_new(self._keys, [{"_id": k, "key": v} for k, v in wanted.items()]):
            self._take_over(name, wanted[name])

    def _take_over(self, name: str, key: str) -> None:
        """Point a scan or e-portal lookup at ``key`` unless it leads to its true holder
        (the first registration of a scan wins; rare: duplicates and lost claims)."""
        if name.startswith("index:"):
            return
        found = self._keys.find_one({"_id": name})
        if found is None or found.get("key") == key:
            return
        kind, value = name.split(":", 1)
        if self._holds(self._regs.find_one({"_id": found.get("key")}), kind, value):
            return
        self._keys.update_one({"_id": name}, {"$set": {"key": key}})

    @staticmethod
    def _holds(doc: Optional[dict], kind: str, value: str) -> bool:
        """Does this registration document really have that index, scan or submission?"""
        if doc is None:
            return False
        if kind == "index":
            return doc["index"] == value
        if kind == "scan":
            return any(s.get("sha256") == value for s in doc.get("scans", []))
        if kind == "rid":
            return doc["registration_id"] == value
        if kind == "request":
            return doc.get("request_key") == value
        return doc["command"].get("eportal_submission_id") == value

    def _abandoned(self, pointer: dict, doc: Optional[dict]) -> None:
        """Delete the objects a pointer announced that no registration keeps (a claim that
        never came, or an attempt of a repeated request that lost to another)."""
        kept = {s.get(k) for s in (doc or {}).get("scans", []) for k in ("object_key", "staging_key")}
        orphans = [key for key in pointer.get("scans", []) if key not in kept]
        if orphans:
            self.drop_objects(orphans)

    def by_registration_id(self, registration_id) -> Optional[Registration]:
        """By its ``rid:`` lookup key; crash recovery only (a redelivered portal submission
        whose first attempt died before its lookup keys were written) scans, and writes the
        lookups so the next reader need not."""
        found = self._by_key("rid", str(registration_id))
        if found is not None:
            return found
        doc = self._regs.find_one({"registration_id": str(registration_id)})
        if doc is None:
            return None
        self._write_lookups(doc)
        return _to_domain(doc)

    # -- reading ----------------------------------------------------------------------
    def _key_of(self, kind: str, value: str) -> Optional[str]:
        found = self._keys.find_one({"_id": f"{kind}:{value}"})
        return found.get("key") if found else None

    def _by_key(self, kind: str, value: str) -> Optional[Registration]:
        key = self._key_of(kind, value)
        doc = self._regs.find_one({"_id": key}) if key else None
        return _to_domain(doc) if self._holds(doc, kind, value) else None

    def by_index(self, index: str) -> Optional[Registration]:
        return self._by_key("index", index)

    def by_claim(self, register_code: str, year: int, number: int, seq: int) -> Optional[Registration]:
        doc = self._regs.find_one({"_id": f"{register_code}:{year}:{number}:{seq}"})
        return _to_domain(doc) if doc else None

    journal_row = by_claim

    def by_scan_hash(self, sha256: str) -> Optional[Registration]:
        return self._by_key("scan", sha256)

    def by_submission(self, submission_id: str) -> Optional[Registration]:
        return self._by_key("eportal-key", submission_id)

    def by_request(self, request_key: str) -> Optional[Registration]:
        return self._by_key("request", request_key)

    def journal_words(self, register_code: str, year: int, month: int) -> dict[str, list[int]]:
        found = self._journal_words.find_one({"_id": f"{register_code}|{year:04d}-{month:02d}"}) or {}
        return found.get("w", {})

    def journal_year_words(self, register_code: str, year: int) -> Optional[dict[str, dict[int, int]]]:
        found = self._journal_year_words.find_one({"_id": f"{register_code}|{year:04d}"})
        if found is None:
            return None
        return {w: {int(m[1:]): bits << 1 for m, bits in months.items()} for w, months in found.get("w", {}).items()}

    def journal_day(self, register_code: str, day: dt.date) -> list[JournalEntry]:
        found = self._journal.find_one({"_id": f"{register_code}|{day.isoformat()}"}) or {}
        return [JournalEntry(**{**e, "registered_at": e["registered_at"].replace(tzinfo=dt.timezone.utc)})
                for e in found.get("entries", [])]

    def events_of(self, registration: Registration) -> list[OutboxMessage]:
        doc = self._regs.find_one({"_id": registration.claim_key}, {"outbox": 1}) or {}
        return [OutboxMessage.from_doc(m) for m in (doc.get("outbox") or {}).values()]

    def audit(self, actor: str, action: str, target: str, detail: Optional[dict] = None) -> None:
        AuditDoc._get_collection().insert_one({"_id": uuid.uuid4().hex, "at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                                               "actor": actor, "action": action, "target": target,
                                               "detail": detail or {}})
