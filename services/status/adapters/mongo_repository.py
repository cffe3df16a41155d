"""Cases in MongoDB: one document per case, changed by compare-and-set on ``version``."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from mongoengine import BooleanField, DateTimeField, Document, IntField, ListField, DictField, StringField
from pymongo.errors import DuplicateKeyError

from delovod_proto.vocabulary import CaseStage
from servicekit.concurrently import Concurrently, in_turn
from servicekit.mongo import Lease, unavailable_when_down, upsert
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, outbox_fields, push_update
from servicekit.outbox import OutboxMessage

from ..domain import lists
from ..domain.case import Actor, Case, HistoryEntry, Official, stage_key, stage_member
from ..domain.stage_sets import StageSetRef

ALIAS = "status"
UTC = dt.timezone.utc


class CaseDoc(Document, OutboxFields):
    # not strict: a field that a later version adds, or an earlier one left, does not make a case unreadable
    meta = {"collection": "cases", "db_alias": ALIAS, "strict": False}
    id = StringField(primary_key=True)
    subject = StringField(required=True)
    kind = StringField(required=True)
    registered_at = DateTimeField(required=True)
    due_date = StringField()
    access_code_hash = StringField(required=True)
    stage = StringField(required=True)
    history = ListField(DictField())
    version = IntField(default=1)
    code_version = IntField(default=0)
    term_unit = StringField()
    suspended_on = StringField()
    overdue_for = StringField()
    overdue_announced = BooleanField()  # overdue_for == due_date, kept so the watch can ask for the others
    term_end = StringField()
    official = DictField(null=True)
    stage_set = DictField(null=True)  # {"key", "version"}: bound at registration; missing on older cases (v1)


def _fields(case: Case) -> dict:
    return {"subject": case.subject, "kind": case.kind, "registered_at": case.registered_at.replace(tzinfo=None),
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "access_code_hash": case.access_code_hash, "stage": case.stage.value,
            "history": [_step(h) for h in case.history], "official": _official_doc(case.official),
            "code_version": case.code_version, "term_unit": case.term_unit,
            "suspended_on": case.suspended_on.isoformat() if case.suspended_on else None,
            "overdue_for": case.overdue_for.isoformat() if case.overdue_for else None,
            "overdue_announced": case.overdue_for is not None and case.overdue_for == case.due_date,
            "term_end": case.term_end.isoformat() if case.term_end else None,
            "stage_set": {"key": case.stage_set.key, "version": case.stage_set.version} if case.stage_set else None}


def _step(h: HistoryEntry) -> dict:
    step = {"stage": h.stage.value, "at": h.at.astimezone(UTC).replace(tzinfo=None), "reason": h.reason}
    if h.due_date:
        step["due_date"] = h.due_date.isoformat()
    if h.previous_due_date:
        step["previous_due_date"] = h.previous_due_date.isoformat()
    if h.by:
        step["by"] = {"username": h.by.username, "name": h.by.name}
    if h.official:
        step["official"] = _official_doc(h.official)
    return step


def _official_doc(official: Optional[Official]) -> Optional[dict]:
    return {k: v for k, v in vars(official).items() if v is not None} if official else None


def _official(doc: Optional[dict]) -> Optional[Official]:
    return Official(**doc) if doc else None


def _history(h: dict) -> HistoryEntry:
    by = h.get("by")
    return HistoryEntry(CaseStage(h["stage"]), h["at"].replace(tzinfo=UTC), h.get("reason"), _date(h.get("due_date")),
                        _date(h.get("previous_due_date")), Actor(by["username"], by["name"]) if by else None,
                        _official(h.get("official")))


def _date(value: Optional[str]) -> Optional[dt.date]:
    return dt.date.fromisoformat(value) if value else None


def _to_domain(d: CaseDoc) -> Case:
    return Case(d.id, d.subject, d.kind, d.registered_at.replace(tzinfo=UTC), _date(d.due_date), d.access_code_hash,
                CaseStage(d.stage), [_history(h) for h in d.history],
                d.code_version or 0, d.term_unit, _date(d.suspended_on), _date(d.overdue_for), _date(d.term_end),
                _official(d.official),
                StageSetRef(d.stage_set["key"], d.stage_set["version"]) if d.stage_set else None)


def _entries(doc: dict) -> set[tuple[str, str]]:
    """The list entries of a stored case (its stage, due date and official as written)."""
    return lists.entries(doc["_id"], CaseStage(doc["stage"]), _date(doc.get("due_date")),
                         (doc.get("official") or {}).get("username"))


@unavailable_when_down
class MongoCaseRepository:
    """Cases by ``_id`` only; each write announces its events through an outbox pointer first."""

    def __init__(self, concurrently: Concurrently = in_turn):
        """``concurrently`` overlaps the reads of a journal page's cases (one by ``_id`` each)."""
        self.outbox, self.concurrently = MongoOutboxStore(CaseDoc), concurrently
        self._months_known: set[str] = set()  # months this process has written to the months document

    @property
    def _held(self):
        return CaseDoc._get_collection().database["held_codes"]

    @property
    def _stage_index(self):
        return CaseDoc._get_collection().database["stage_index"]

    def _index_add(self, stage: str, case_index: str, registered_at: dt.datetime) -> None:
        upsert(self._stage_index, {"_id": stage_key(stage, registered_at)},
               {"$addToSet": {"cases": stage_member(case_index, registered_at)}})

    @property
    def _list_index(self):
        return CaseDoc._get_collection().database["list_index"]

    def _lists_add(self, pairs: set[tuple[str, str]]) -> None:
        """Add each member to its entry (and a due entry's month to the months document), overlapped."""
        months = {key.partition("|")[2] for key, _ in pairs if key.startswith("due|")} - self._months_known
        calls = [lambda k=k, m=m: upsert(self._list_index, {"_id": k}, {"$addToSet": {"cases": m}}) for k, m in pairs]
        if months:
            calls.append(lambda: upsert(self._list_index, {"_id": lists.MONTHS},
                                        {"$addToSet": {"months": {"$each": sorted(months)}}}))
        self.concurrently(*calls)
        self._months_known |= months  # never removed: a month without running cases reads as an empty entry

    def _lists_remove(self, pairs: set[tuple[str, str]]) -> None:
        self.concurrently(*[lambda k=k, m=m: self._list_index.update_one({"_id": k}, {"$pull": {"cases": m}})
                            for k, m in pairs])

    def staged(self, keys: list[str]) -> set[str]:
        """The members (``<registered_at>|<index>``) the stage index holds under ``keys``, each
        entry read by ``_id``, the reads overlapped. A superset of the truth: verify each case."""
        return self._members(self._stage_index, keys)

    def listed(self, keys: list[str]) -> set[str]:
        """The members (``<due date>|<index>``) the list index holds under ``keys`` (``official|<username>``,
        ``due|<yyyy-mm>``), each entry read by ``_id``, overlapped. A superset: verify each case."""
        return self._members(self._list_index, keys)

    def due_months(self) -> set[str]:
        """The months (``yyyy-mm``) that may hold due entries."""
        doc = self._list_index.find_one({"_id": lists.MONTHS})
        return set(doc.get("months", [])) if doc else set()

    def _members(self, collection, keys: list[str]) -> set[str]:
        found = self.concurrently(*[lambda k=k: collection.find_one({"_id": k}) for k in dict.fromkeys(keys)])
        return {i for doc in found if doc for i in doc.get("cases", [])}

    def backfill_indexes(self, progress=lambda n: None, batch: int = 5000) -> int:
        """Put every case into its stage's entry and its list entries (idempotent; reads the whole
        collection once: an operator's one-off, ``python -m status.stage_index_backfill``).

        The members of ``batch`` cases go to each entry in one ``$addToSet`` with ``$each``:
        FerretDB rewrites an entry on every update, so one update per case grew with the square
        of a month's cases (4,609 of 100,000 in 298 s, the desk benchmark's loader)."""
        done = 0
        stage: dict[str, list[str]] = {}
        listed: dict[str, list[str]] = {}

        def flush() -> None:
            self.concurrently(*[lambda k=k, m=m: upsert(self._stage_index, {"_id": k},
                                                        {"$addToSet": {"cases": {"$each": m}}})
                                for k, m in stage.items()])
            # every month, whatever this process remembers writing: a backfill mends a lost index
            months = {key.partition("|")[2] for key in listed if key.startswith("due|")}
            calls = [lambda k=k, m=m: upsert(self._list_index, {"_id": k}, {"$addToSet": {"cases": {"$each": m}}})
                     for k, m in listed.items()]
            if months:
                calls.append(lambda: upsert(self._list_index, {"_id": lists.MONTHS},
                                            {"$addToSet": {"months": {"$each": sorted(months)}}}))
            self.concurrently(*calls)
            self._months_known |= months
            stage.clear()
            listed.clear()

        fields = {"stage": 1, "registered_at": 1, "due_date": 1, "official.username": 1}
        for doc in CaseDoc._get_collection().find({}, fields):
            stage.setdefault(stage_key(doc["stage"], doc["registered_at"]), []).append(
                stage_member(doc["_id"], doc["registered_at"]))
            for key, member in _entries(doc):
                listed.setdefault(key, []).append(member)
            done += 1
            if done % batch == 0:
                flush()
                progress(done)
        flush()
        return done

    def hold_code(self, case_index: str, code_hash: str, version: int) -> None:
        """Keep a reissued code for a case not open yet (the highest version wins): each
        version's hash, and the highest version, in one update by ``_id``."""
        upsert(self._held, {"_id": case_index}, {"$max": {"version": version}, "$set": {f"codes.{version}": code_hash}})

    def held_code(self, case_index: str) -> Optional[tuple[str, int]]:
        doc = self._held.find_one({"_id": case_index})
        if not doc:
            return None
        return doc["codes"][str(doc["version"])], doc["version"]

    def drop_held_code(self, case_index: str) -> None:
        self._held.delete_one({"_id": case_index})

    def get_many(self, case_indexes: list[str]) -> list[Case]:
        """Each by ``_id``, the reads overlapped: FerretDB's SQLite backend answers an ``_id``
        ``$in`` by scanning every case (280 ms for 50 of 1,400 cases, bench/journal_profile.py;
        ~1 ms a case by ``_id``)."""
        found = self.concurrently(*[lambda i=i: CaseDoc.objects(id=i).first() for i in dict.fromkeys(case_indexes)])
        return [_to_domain(d) for d in found if d is not None]

    def get(self, case_index: str) -> Optional[tuple[Case, int]]:
        doc = CaseDoc.objects(id=case_index).first()
        return (_to_domain(doc), doc.version) if doc else None

    def create(self, case: Case, events: Iterable[OutboxMessage]) -> bool:
        events = list(events)
        self.outbox.point(events, case.case_index)
        self.concurrently(lambda: self._index_add(case.stage.value, case.case_index, case.registered_at),
                          lambda: self._lists_add(lists.entries_of(case)))  # before the case: a superset
        try:
            CaseDoc(id=case.case_index, version=1, **_fields(case), **outbox_fields(events)).save(force_insert=True)
            return True
        except DuplicateKeyError:
            return False
        except Exception as exc:
            if type(exc).__name__ == "NotUniqueError":
                return False
            raise

    def save(self, case: Case, version: int, events: Iterable[OutboxMessage]) -> bool:
        """Compare-and-set under a short lease on the case (FerretDB answers only
        ``{_id}`` filters without a scan, so the version is checked after locking)."""
        coll = CaseDoc._get_collection()
        lease = Lease(coll.database["leases"], ttl_s=30)
        if not lease.acquire(case.case_index):
            return False
        try:
            current = coll.find_one({"_id": case.case_index}, {"version": 1, "stage": 1, "registered_at": 1,
                                                                "due_date": 1, "official.username": 1})
            if not current or current.get("version") != version:
                return False
            events = list(events)
            self.outbox.point(events, case.case_index)
            moved = current.get("stage") != case.stage.value
            was, now = _entries(current), lists.entries_of(case)
            # the new entries first, the old ones' removal after the write: always a superset
            self.concurrently(*([lambda: self._index_add(case.stage.value, case.case_index, current["registered_at"])]
                                if moved else []), lambda: self._lists_add(now - was))
            update = push_update(events)
            update["$set"].update({**_fields(case), "version": version + 1})
            coll.update_one({"_id": case.case_index}, update)
            self.concurrently(*([lambda: self._stage_index.update_one(
                {"_id": stage_key(current["stage"], current["registered_at"])},
                {"$pull": {"cases": stage_member(case.case_index, current["registered_at"])}})]
                if moved and current.get("stage") else []), lambda: self._lists_remove(was - now))
            return True
        finally:
            lease.release(case.case_index)
