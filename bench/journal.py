"""`python -m bench.journal [--quick]`: the incoming journal's first page with 100,000
registrations in FerretDB (the stack must be up: `make up`), written to
bench/results/journal.json.

The registrations go in through the repository's own claim, link and completion
(``claim_many``; ``link``: the lookup keys that find one by its index, for the desk's case
page; ``complete``: it writes the journal's day documents), spread over one year and
the six default registers, into a database of its own (``delovod_bench_journal``, loaded once
and reused). Then each filter's first page (50 rows, the registry's query, timed in process:
the HTTP layer adds a constant) is read 20 times (a year's range 5 times); p50 and max are
reported, with a read through an ``_id`` range for comparison (FerretDB's SQLite backend scans
it: the reason the journal reads days and month digests by ``_id`` instead)."""
import eventlet

if __name__ == "__main__":  # run alone: the reads overlap on green threads, as in the service
    eventlet.monkey_patch()

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / p) for p in ("proto", "libs", "services")]

from registry.adapters.memory import InMemoryScanStore  # noqa: E402
from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc  # noqa: E402
from registry.domain.commands import RegisterDocument  # noqa: E402
from registry.domain.index import DEFAULT_REGISTERS  # noqa: E402
from registry.domain.registration import Registration  # noqa: E402
from registry.service_layer.queries import JournalFilter, Queries  # noqa: E402
from servicekit import mongo  # noqa: E402
from servicekit.concurrently import green  # noqa: E402

URI = "mongodb://127.0.0.1:27017/delovod_bench_journal"
TZ = ZoneInfo("Europe/Sofia")
FIRST_DAY = dt.date(2025, 12, 2)
DAYS = 365
SUBJECTS = ["Неработещо улично осветление", "Ремонт на тротоар", "Шум от заведение", "Сметосъбиране в квартала",
            "Издаване на удостоверение", "Паркиране върху зелена площ", "Опасно дърво", "Дупки по пътя"]
NAMES = ["Мария Петрова", "Иван Георгиев", "Петър Димитров", "Елена Стоянова", "Георги Иванов", "Анна Николова"]
CHANNELS = ["counter", "post", "email", "eportal"]
RARE = "Гладстон"  # in 30 subjects of the 100,000


def registrations(n: int):
    rnd = random.Random(2026)
    kinds = [k for k in DEFAULT_REGISTERS if k.value != "service_application"]
    numbers: dict[str, int] = {}
    start = dt.datetime.combine(FIRST_DAY, dt.time(7), TZ).astimezone(dt.timezone.utc)
    step = dt.timedelta(days=DAYS) / n
    rare = set(rnd.sample(range(n), 30))
    for i in range(n):
        kind = rnd.choice(kinds)
        register = DEFAULT_REGISTERS[kind]
        at = start + step * i
        year = at.astimezone(TZ).year
        numbers[f"{register.code}{year}"] = number = numbers.get(f"{register.code}{year}", 0) + 1
        subject = rnd.choice(SUBJECTS) + (f" на ул. „{RARE}“" if i in rare else "")
        command = RegisterDocument.model_validate({
            "kind": kind.value, "channel": rnd.choice(CHANNELS), "subject": subject,
            "sender": {"name": rnd.choice(NAMES), "email": "x@example.bg", "preferred_channel": "email"}})
        index = register.format(number, at.astimezone(TZ).date())
        yield Registration(uuid.uuid4(), register.code, year, number, 0, index, index, at, command, "h", "bench")


def _register(repo, batch: list) -> None:
    """As the registrar does (claim, link, complete): the journal and the lookup keys that
    find a registration by its index (the desk's case page)."""
    repo.claim_many([(x, []) for x in batch])
    repo.link(*batch)
    repo.complete(batch)


def load(repo, n: int) -> float:
    started = time.perf_counter()
    batch = []
    for r in registrations(n):
        batch.append(r)
        if len(batch) == 1000:
            _register(repo, batch)
            batch = []
    if batch:
        _register(repo, batch)
    return time.perf_counter() - started


def link_loaded(repo) -> float:
    """The lookup keys of a database loaded before ``load`` wrote them, from its registrations."""
    from registry.adapters.mongo_repository import _to_domain

    started = time.perf_counter()
    batch = []
    for doc in RegistrationDoc._get_collection().find({}):
        batch.append(_to_domain(doc))
        if len(batch) == 1000:
            repo.link(*batch)
            batch = []
    if batch:
        repo.link(*batch)
    return time.perf_counter() - started


def database_uri(n: int) -> str:
    """The benchmark's own database of ``n`` registrations (``delovod_bench_journal_<n>``)."""
    return URI.replace("journal", f"journal_{n}")


def ensure_loaded(n: int):
    """Connect the registry's repository to the database of ``n`` registrations, loading them
    the first time; (repository, seconds the load took, or None when it was there already)."""
    mongo.connect(ALIAS, database_uri(n), operation_timeout_ms=600_000)
    mongo.ensure_indexes(RegistrationDoc, AuditDoc)
    repo = MongoRegistrationRepository(concurrently=green)
    regs = RegistrationDoc._get_collection()
    if regs.estimated_document_count() < n:
        return repo, round(load(repo, n), 1)
    last = regs.find_one({}, sort=[("_id", -1)])
    if repo.by_index(last["index"]) is None:  # loaded by an earlier version, without the lookup keys
        return repo, round(link_loaded(repo), 1)
    db = regs.database
    if db["journal_year_words"].estimated_document_count() == 0 and db["journal_words"].estimated_document_count():
        # loaded before the year word digests existed: derived as an operator would
        # (`python -m registry.journal_backfill --year-digests`), else a year's search reads month digests
        started = time.perf_counter()
        repo.backfill_year_words()
        return repo, round(time.perf_counter() - started, 1)
    return repo, None


def timed(fn, runs: int = 20, warm: bool = True) -> dict:
    if warm:
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = fn()
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "max_ms": round(max(times), 1), "rows": rows}


def filters(last: dt.date) -> dict[str, dict]:
    """The filters measured: JournalFilter's arguments (and the HTTP API's query) by name."""
    month = (last - dt.timedelta(days=30), last)
    year = (FIRST_DAY, last)
    return {
        "one day, all registers (the default)": dict(first=last, last=last),
        "one day, one register": dict(first=last, last=last, register="ЖЛБ"),
        "a month, all registers": dict(first=month[0], last=month[1]),
        "a month, complaints by email": dict(first=month[0], last=month[1], register="ЖЛБ", channel="email"),
        "a month, sender 'Petrova' typed in Latin": dict(first=month[0], last=month[1], words="Petrova"),
        "a year, one register, a rare street name (30 of 100,000)": dict(first=year[0], last=year[1], register="ЖЛБ",
                                                                           words=RARE),
        "a year, all registers, a rare street name (6 year/month digests per register, then its 30 days)": dict(
            first=year[0], last=year[1], words=RARE),
    }


def api_query(f: dict) -> dict:
    names = {"first": "from", "last": "to", "register": "register", "channel": "channel", "kind": "kind", "words": "q"}
    return {names[k]: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in f.items()} | {"limit": 50}


def as_before(module, measure):
    """``measure()`` with the query as it was before this session's change (eight days read at
    once from the first, month digests only): the same run's comparison."""
    kept = module.FIRST_DAYS_AT_ONCE, module.YEAR_DIGEST_MONTHS
    module.FIRST_DAYS_AT_ONCE, module.YEAR_DIGEST_MONTHS = module.DAYS_AT_ONCE, 99
    try:
        return measure()
    finally:
        module.FIRST_DAYS_AT_ONCE, module.YEAR_DIGEST_MONTHS = kept


def in_process(repo, regs, last: dt.date, quick: bool) -> dict:
    """Each filter's first page in this process: without the cache (every read from FerretDB),
    with it (warm: the past days and digests kept), and FerretDB's raw read by ``_id`` of a day
    document and of a registration in the same round; the load average at each."""
    from registry.service_layer.journal_cache import JournalCache

    from registry.service_layer import queries as module

    cold = Queries(repo, InMemoryScanStore(), DEFAULT_REGISTERS, TZ, green)
    warm = Queries(JournalCache(repo, dt.timedelta(seconds=600), size=4096), InMemoryScanStore(), DEFAULT_REGISTERS,
                   TZ, green)
    day_id, claim = f"complaints|{last.isoformat()}", {"_id": "complaints:2026:1:0"}
    out = {}
    for name, f in filters(last).items():
        runs = 3 if quick else (5 if "year" in name else 20)
        out[name] = {"load_1min": round(os.getloadavg()[0], 2),
                     "as_before_no_cache": as_before(module, lambda f=f: timed(
                         lambda: len(cold.journal(JournalFilter(**f)).items), runs)),
                     "no_cache": timed(lambda f=f: len(cold.journal(JournalFilter(**f)).items), runs),
                     "cache_warm": timed(lambda f=f: len(warm.journal(JournalFilter(**f)).items), runs),
                     "raw_day_document_by_id": timed(lambda: regs.database["journal"].find_one({"_id": day_id}) and 1, runs),
                     "raw_registration_by_id": timed(lambda: regs.find_one(claim) and 1, runs)}
    return out


def over_http(n: int, last: dt.date, quick: bool) -> dict:
    """The registry's journal API (as deployed: its cache on) asked by one client at a time, next
    to its /health in the same round."""
    import requests

    from bench import desk, desk_servers

    auth = {"Authorization": f"Bearer {desk.token('official')}"}
    base = f"http://127.0.0.1:{desk.BENCH_REGISTRY_PORT}"
    out = {}
    with desk_servers.running(database_uri(n), desk.BENCH_REGISTRY_PORT, desk.BENCH_DESK_PORT), requests.Session() as http:
        def ask(q):
            answer = http.get(f"{base}/api/v1/documents", params=q, headers=auth, timeout=60)
            answer.raise_for_status()
            return len(answer.json()["items"])

        for name, f in filters(last).items():
            runs = 3 if quick else (5 if "year" in name else 20)
            out[name] = {"load_1min": round(os.getloadavg()[0], 2), "first_ask": timed(lambda f=f: ask(api_query(f)), 1, warm=False),
                         "api": timed(lambda f=f: ask(api_query(f)), runs),
                         "registry_health": timed(lambda: http.get(f"{base}/health", timeout=10).status_code, runs)}
    return out


def main() -> int:
    quick = "--quick" in sys.argv
    n = 10_000 if quick else 100_000
    result = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "load_1min_before": round(os.getloadavg()[0], 2)},
              "registrations": n, "store": "FerretDB 1.24 on SQLite (local stack)"}
    repo, load_s = ensure_loaded(n)
    if load_s is not None:
        result["load_s"] = load_s
    regs = RegistrationDoc._get_collection()
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    result["first_page_50_in_process"] = in_process(repo, regs, last, quick)
    result["first_page_50_over_http"] = over_http(n, last, quick)
    journal = regs.database["journal"]
    lo = f"complaints|{(last - dt.timedelta(days=30)).isoformat()}"
    result["for_comparison_id_range_on_ferretdb"] = timed(
        lambda: len(list(journal.find({"_id": {"$gte": lo, "$lt": "complaints|9"}}).sort("_id", 1).limit(2))), 1 if quick else 3)
    result["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    (Path(__file__).resolve().parent / "results" / ("journal-quick.json" if quick else "journal.json")).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
