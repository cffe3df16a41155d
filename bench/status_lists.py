"""`python -m bench.status_lists [--cases N]`: the officials' lists (an official's open cases, the
cases due this week, the overdue list) over N cases in FerretDB (the stack must be up), the
scan they were and the list index they are now, timed in the same interleaved rounds; written
to bench/results/status-lists.json. A one-off measurement of docs/decisions.md, "The officials'
lists by index", kept so it can be run again; not part of `make bench`.

The cases go in through the repository's own ``create`` and ``save`` (so the stage and list
indexes are written as status writes them), into a database of their own
(``delovod_bench_status_lists``, loaded once and reused): 20 officials, due dates spread over
the 120 days around today, a fifth of them answered or closed. Each list's page is read 20
times per way, the two ways alternating; p50 and p95 are reported with the load average.
"The scan" is the code before the index: the same ``find`` queries (``official.username``,
``due_date``, ``stage``) FerretDB's SQLite backend answers by reading every case."""
import eventlet

if __name__ == "__main__":  # the reads overlap on green threads, as in the service
    eventlet.monkey_patch()

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / p) for p in ("proto", "libs", "services")]

from delovod_proto.vocabulary import CaseStage  # noqa: E402
from servicekit import mongo  # noqa: E402
from servicekit.concurrently import green  # noqa: E402
from status.adapters.mongo_repository import ALIAS, CaseDoc, MongoCaseRepository, _to_domain  # noqa: E402
from status.domain.case import TERM_RUNS, Actor, Case, HistoryEntry, Official  # noqa: E402
from status.service_layer.case_lists import CaseLists  # noqa: E402

URI = "mongodb://127.0.0.1:27017/delovod_bench_status_lists"
UTC = dt.timezone.utc
OFFICIALS = [Official(f"official{n}", f"Служител {n}", "Дирекция") for n in range(20)]
ROUNDS, PAGE = 20, 50
OUT = Path(__file__).resolve().parent / "results" / "status-lists.json"


def made(i: int, today: dt.date) -> Case:
    """The i-th case: registered every 7 minutes from 90 days ago, due within 60 days of today,
    nine in ten assigned (20 officials), a fifth of those answered, half of those closed."""
    registered = dt.datetime.combine(today - dt.timedelta(days=90), dt.time(8), UTC) + dt.timedelta(minutes=i * 7)
    due = today + dt.timedelta(days=random.Random(i).randint(-60, 60))
    case = Case(f"Б-{i}/2026", "Тема", "complaint", registered, due, "h", CaseStage.REGISTERED,
                [HistoryEntry(CaseStage.REGISTERED, registered)])
    if i % 10:
        case.assign(OFFICIALS[i % len(OFFICIALS)], registered, Actor("clerk", "Деловодител"))
        if i % 5 == 0:
            case.move_to(CaseStage.ANSWERED, registered, None)
            if i % 10 == 5:
                case.move_to(CaseStage.CLOSED, registered, None)
    return case


def load(repo: MongoCaseRepository, n: int, today: dt.date, bulk: bool) -> None:
    """N cases through the repository's create (the stage and list entries written as status
    writes them), 10 at a time; ``bulk``: the rest at once, the same documents and entries
    written by insert_many and one ``$addToSet`` per entry (on a loaded machine the first way
    took ~100 ms a case)."""
    have = CaseDoc._get_collection().estimated_document_count()
    if have >= n:
        print(f"{have} cases there already", file=sys.stderr)
        return
    if bulk:
        return _bulk(repo, range(have, n), today)
    pool = eventlet.GreenPool(10)
    started = time.perf_counter()
    for i in range(have, n):
        pool.spawn_n(lambda i=i: repo.create(made(i, today), []))
        if i % 2000 == 0:
            print(f"{i} cases ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    pool.waitall()


def _insert(coll, batch: list) -> None:
    from pymongo.errors import BulkWriteError

    try:
        if batch:
            coll.insert_many(batch, ordered=False)
    except BulkWriteError as exc:  # a case the first way wrote already
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


def _bulk(repo: MongoCaseRepository, numbers, today: dt.date) -> None:
    from status.adapters.mongo_repository import _fields
    from status.domain import lists
    from status.domain.case import stage_key, stage_member

    coll = CaseDoc._get_collection()
    entries: dict = {}
    batch = []
    for i in numbers:
        case = made(i, today)
        batch.append({"_id": case.case_index, "version": 1, **CaseDoc(**_fields(case)).to_mongo().to_dict()})
        entries.setdefault((repo._stage_index, stage_key(case.stage.value, case.registered_at)), set()).add(
            stage_member(case.case_index, case.registered_at))
        for key, member in lists.entries_of(case):
            entries.setdefault((repo._list_index, key), set()).add(member)
        if len(batch) == 200:
            _insert(coll, batch)
            batch = []
    _insert(coll, batch)
    for (collection, key), members in entries.items():
        collection.update_one({"_id": key}, {"$addToSet": {"cases": {"$each": sorted(members)}}}, upsert=True)
    months = {key.partition("|")[2] for (c, key) in entries if key.startswith("due|")}
    repo._list_index.update_one({"_id": lists.MONTHS}, {"$addToSet": {"months": {"$each": sorted(months)}}},
                                upsert=True)


def scanned(today: dt.date) -> dict:
    """The lists as they were read before the index (tracker and repository of the last commit)."""
    docs = CaseDoc.objects
    running = [s.value for s in TERM_RUNS]
    return {
        "my cases": lambda: sorted((_to_domain(d) for d in docs(__raw__={
            "official.username": "official3", "stage": {"$ne": CaseStage.CLOSED.value}}).limit(500)),
            key=lambda c: (c.due_date is None, c.due_date or dt.date.max, c.case_index)),
        "due this week": lambda: [_to_domain(d) for d in docs(__raw__={
            "due_date": {"$gte": today.isoformat(), "$lte": (today + dt.timedelta(days=6)).isoformat()},
            "stage": {"$in": running}}).order_by("due_date").limit(500)],
        "overdue": lambda: [CaseDoc.objects(id=d["_id"]).first() for d in CaseDoc._get_collection().find(
            {"due_date": {"$lt": today.isoformat(), "$ne": None}, "stage": {"$in": running}},
            {"due_date": 1, "overdue_for": 1}).sort("due_date", 1).limit(500)],
    }


def indexed(lists: CaseLists, today: dt.date, limit: int) -> dict:
    return {"my cases": lambda: lists.assigned("official3", limit=limit),
            "due this week": lambda: lists.due(today, today + dt.timedelta(days=6), limit=limit),
            "overdue": lambda: lists.overdue(today, limit=limit)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--bulk", action="store_true", help="write the cases (and their entries) in bulk")
    args = parser.parse_args()
    mongo.connect(ALIAS, URI, operation_timeout_ms=300_000)
    mongo.ensure_indexes(CaseDoc)
    repo = MongoCaseRepository(concurrently=green)
    today = dt.date.today()
    load(repo, args.cases, today, args.bulk)
    ways = {"scan (before)": scanned(today), f"index, page of {PAGE}": indexed(CaseLists(repo), today, PAGE),
            "index, page of 200": indexed(CaseLists(repo), today, 200)}
    times: dict = {w: {name: [] for name in ways[w]} for w in ways}
    counts: dict = {}
    loads = [os.getloadavg()[0]]
    for _ in range(ROUNDS):  # interleaved: each round reads every list every way
        for way, readers in ways.items():
            for name, read in readers.items():
                started = time.perf_counter()
                found = read()
                times[way][name].append((time.perf_counter() - started) * 1000)
                counts[(way, name)] = len(found[0] if isinstance(found, tuple) else found)
        loads.append(os.getloadavg()[0])
    result = {"cases": CaseDoc._get_collection().estimated_document_count(), "rounds": ROUNDS,
              "load_average_1m": [round(x, 1) for x in (min(loads), max(loads))], "lists": {}}
    for way in ways:
        for name, ms in times[way].items():
            ms.sort()
            result["lists"].setdefault(name, {})[way] = {
                "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 1),
                "cases_shown": counts[(way, name)]}
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
