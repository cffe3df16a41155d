"""`python -m bench.desk [--quick]`: the desk's pages with 20 concurrent signed-in users over
a journal of 100,000 registrations, and registering a letter through the desk against
registering it through the registry's API, in the same run (issue 13, "Speed"). The stack
must be up (`make up`); results go to bench/results/desk.json (``--quick``: 10,000 and fewer
rounds, to bench/results/desk-quick.json, not committed) with the machine's core count and its
1-minute load before and after; `make bench` runs it with everything else.

Where the 100,000 come from. bench/journal.py loads them, through the registry's own claim
and completion, into a database of their own (``delovod_bench_journal_100000``, loaded once,
in about 4 minutes on 2 cores, and reused by both benchmarks; ``--quick`` uses its 10,000
one; `python -m bench.journal` or this module loads it, dropping the database removes it). The stack's registry cannot be
pointed at it (its database is a setting read at start, and the other tiers use the stack),
and loading them into the stack's registry database was rejected: their index numbers would
collide with the stack's own counters, status would never have their cases, and taking them
out again means editing the journal's day documents by hand. Their cases are status's:
bench/status_cases.py writes one per loaded registration (same index, time, kind and
subject; stages by age, 40 officials among them stoyan and elena, due dates by the kind's
term, about 3 % late in December 2026) into a status database of its own
(``delovod_bench_status_100000``; ``_10000`` for ``--quick``), in bulk in the stored form of
status's repository, then runs ``python -m status.stage_index_backfill`` over it; loaded once
and reused (reloaded when the stored form's code changes, backfilled again when the
backfill's does); the load's and the backfill's seconds are in the result (``status_cases``).
So the run starts three processes beside the stack (bench/desk_servers.py): the registry's
own journal and document reads over that journal on :18011, status's reads over those cases
on :18012 (HTTP reads only, both: their consumers, relays, completer and deadline watch would
act on the stack), and the desk as deployed on :18015, pointed at both, with its sessions in a
database of its own (dropped at the end). Notifications, the catalogue and the directory are
the stack's; the stack's own desk keeps the stack's status. The loaded registrations span
2025-12-02 to 2026-12-01, so the "one day" page asks for that last day, not the desk's default
of today; the lists count from today (as the desk does), so run much later than December 2026
"due this week" thins out and the overdue list grows (``list_rows_first_page`` says how many
rows each list had).

The users. The desk throttles only failed sign-ins (per username and client, per username,
per client), so 20 successful sign-ins as the demo accounts are never throttled; the local
slapd is seeded offline and has no manager password, so the benchmark could not add users
without changing deploy/local/ldap/seed.ldif (and the demo directory) — and needs none.
Each of the 20 users signs in over the desk's real LDAP sign-in (GET /signin for the form's
CSRF token, POST /signin: a bind and a group search in slapd), as the officials stoyan and
elena and the admin maria (every page measured is theirs), and keeps its own session cookie
and CSRF token. Each browses in a loop, starting at a different page: the journal's first
page (the last day; a month; a month with a sender typed in Latin, "Petrova"; a year by a rare
street name), the journal by stage (a month, a year: "in progress") and its overdue filter (a
month), a case of the journal (its registration read from the 100,000, its stages from the
benchmark's status), the register form (the catalogue's services in its type-ahead), and the
officials' lists: "my cases", due this week and the overdue list (each asked with its defaults:
its first page). On the stack's own desk the same users open a case with a stage history
(registered in this run through the API, assigned to elena and put in progress through
status). The desk's trivial ``/health`` at the same concurrency, in the same rounds, is the raw
figure; the registry's journal API and status's API behind the stage filters and the lists,
asked directly by 20 clients at once, the second (the desk's share is the rest; each list
once per client a round: before status's lists were indexed they scanned every case). FerretDB's
own read of a registration by ``_id`` at the same concurrency is the store's floor, in the
same rounds, with the load average at each round. Two loads: saturating (each user asks the
next page as soon as one has come) and paced (a page every 5 s each, as people who read what
they asked for: 4 pages a second in all). A page the desk could not show (a 503 when the
registry or status took longer than the desk's ``service_timeout_s``) is counted under
``failed`` with its status, not timed.

One at a time, cold (``one_at_a_time_cold``, before the 20 users): each journal filter's and
each list's first page asked by one signed-in official (stoyan), page after page, 20 passes
(5 with ``--quick``), with FerretDB's raw read of a registration by ``_id`` once a pass and the
load average at each. The caches do not help: the registry beside the stack is started for
this round with ``DELOVOD_REGISTRY_JOURNAL_CACHE_S=0`` (its journal cache off; the same queries
are asked every pass, so only the cache could have answered them from memory), and neither
status nor the desk keeps these pages. A page refused three times is not asked again. The
headline's ``first_pages_under_300_ms`` says, per load (saturating, paced, one at a time), which
first pages are under 300 ms at p50 and p95 (issue 13's target), with the load average then.

Registering: a letter with one 200 KB PDF scan, by 10 clerks at once (the registry's paper
benchmark's concurrency), through the stack's desk form (POST /documents with the session's
CSRF token: the desk sends it on to the registry's API with the clerk's own token) and
through the registry's POST /api/v1/documents with the clerk token of .local/tokens, in
interleaved rounds (the order alternates). The rates, their ratio and each way's p50/p95.

The client runs in this process (green threads, one kept-alive connection per user, as a
browser), on the same 2 cores as the servers: figures are for this machine as it was."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402

# run alone (python -m bench.desk), the services' packages are not on the path yet
sys.path[:0] = [str(Path(__file__).resolve().parents[1] / p) for p in ("proto", "libs", "services")
                if str(Path(__file__).resolve().parents[1] / p) not in sys.path]

from bench import desk_register, desk_servers  # noqa: E402
from bench.measure import concurrent  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "desk.json"
OUT_QUICK = ROOT / "bench" / "results" / "desk-quick.json"  # not committed: development runs
DESK, STATUS = "http://127.0.0.1:8005", "http://127.0.0.1:8002"
BENCH_REGISTRY_PORT, BENCH_STATUS_PORT, BENCH_DESK_PORT = 18011, 18012, 18015
BENCH_DESK = f"http://127.0.0.1:{BENCH_DESK_PORT}"
USERS = 20
CLERKS = 10
PAGE_ACCOUNTS = ("stoyan", "elena", "maria")  # officials and the admin: overdue and "my cases" are theirs
CLERK = "ivana"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# How the users browse: the next page as soon as one has come, or one every 5 s (reading it):
# 20 people then ask 4 pages a second.
LOADS = {"saturating": 0.0, "paced_a_page_every_5_s": 5.0}


def password(username: str) -> str:
    return f"{username}-demo-2026"  # deploy/local/ldap/seed.ldif, documented in the README


def token(role: str) -> str:
    return (ROOT / ".local" / "tokens" / f"{role}.jwt").read_text().strip()


def stats(samples: list[float]) -> dict:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "p50_ms": round(pick(0.50) * 1000, 1), "p95_ms": round(pick(0.95) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


class User:
    """One person at a browser: a session cookie and a CSRF token of their own, one connection."""

    def __init__(self, base: str, username: str):
        self.base, self.username = base, username
        self.http = requests.Session()
        self.csrf = ""

    def sign_in(self) -> float:
        started = time.perf_counter()
        form = self.http.get(f"{self.base}/signin", timeout=60)
        answer = self.http.post(f"{self.base}/signin", allow_redirects=False, timeout=60,
                                data={"csrf": CSRF.search(form.text).group(1), "username": self.username,
                                      "password": password(self.username)})
        took = time.perf_counter() - started
        if answer.status_code != 303:
            raise RuntimeError(f"{self.username} not signed in at {self.base}: {answer.status_code}")
        self.csrf = CSRF.search(self.get("/").text).group(1)  # the signed-in session's own token
        return took

    def get(self, path: str) -> requests.Response:
        answer = self.http.get(self.base + path, timeout=120)
        if answer.status_code != 200:
            raise RuntimeError(f"{self.base}{path}: {answer.status_code} {answer.text[:300]}")
        return answer

    def close(self) -> None:
        self.http.close()


def sign_in_all(base: str, usernames: list[str]) -> tuple[list[User], dict]:
    """Everyone at once (a morning at the office); their sign-in times."""
    users = [User(base, name) for name in usernames]
    times = list(eventlet.GreenPool(len(users)).imap(lambda u: u.sign_in(), users))
    return users, stats(times)


# --- what the pages show ----------------------------------------------------------------

def journal_indexes(day: dt.date, n: int) -> list[str]:
    """``n`` registrations of the loaded journal's ``day`` (the cases the users open)."""
    answer = requests.get(f"http://127.0.0.1:{BENCH_REGISTRY_PORT}/api/v1/documents", timeout=60,
                          params={"from": day.isoformat(), "limit": n},
                          headers={"Authorization": f"Bearer {token('clerk')}"})
    answer.raise_for_status()
    return [row["registration_index"] for row in answer.json()["items"]]


def cases_with_history(n: int) -> list[str]:
    """``n`` letters registered through the API, assigned to elena and put in progress
    through status (as the desk's forms do), once status has opened their cases."""
    with requests.Session() as http:
        indexes = [desk_register.register_api(http, token("clerk")) for _ in range(n)]
        official = {"Authorization": f"Bearer {token('official')}"}
        deadline = time.monotonic() + 120
        for index in indexes:
            while http.get(f"{STATUS}/api/v1/cases/by-index", params={"index": index}, headers=official,
                           timeout=30).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"status did not open {index} in 120 s")
                time.sleep(0.3)
            assignment = {"case_index": index, "reason": "Бенчмарк",
                          "official": {"username": "elena", "name": "Елена Маринова",
                                       "unit": "Дирекция „Строителство и благоустройство“"}}
            http.post(f"{STATUS}/api/v1/cases/assign", json=assignment, headers=official, timeout=30).raise_for_status()
            http.post(f"{STATUS}/api/v1/cases/stage", json={"case_index": index, "stage": "in_progress"},
                      headers=official, timeout=30).raise_for_status()
    return indexes


def journal_filters(last_day: dt.date) -> dict[str, str]:
    """The journal pages' filters (query strings), by name."""
    month = f"from={(last_day - dt.timedelta(days=30)).isoformat()}&to={last_day.isoformat()}"
    from bench.journal import FIRST_DAY, RARE

    return {"journal: one day, all registers (first page of 50)": f"from={last_day.isoformat()}",
            "journal: a month, all registers": month,
            "journal: a month, sender typed in Latin (Petrova)": f"{month}&q=Petrova",
            "journal: a year, all registers, a rare street name (30 of 100,000)":
                f"from={FIRST_DAY.isoformat()}&to={last_day.isoformat()}&q={RARE}"}


def stage_filters(last_day: dt.date) -> dict[str, str]:
    """The journal's filters by what status knows (its stage index names the cases, the
    registry gives their rows), by name."""
    from bench.journal import FIRST_DAY

    month = f"from={(last_day - dt.timedelta(days=30)).isoformat()}&to={last_day.isoformat()}"
    year = f"from={FIRST_DAY.isoformat()}&to={last_day.isoformat()}"
    return {"journal by stage: a month, in progress": f"{month}&stage=in_progress",
            "journal by stage: a year, in progress": f"{year}&stage=in_progress",
            "journal by stage: a month, overdue only": f"{month}&overdue=1"}


def lists() -> dict[str, str]:
    """The officials' lists (status's), by name: each asked with its defaults (its first page)."""
    return {"my cases": "/my", "due this week": "/my?list=week", "overdue list": "/overdue"}


def pages(last_day: dt.date, journal_cases: list[str], history_cases: list[str]) -> list[tuple]:
    """(name, on the stack's desk?, path for user w, what the page must show)."""
    journal = [(name, False, lambda w, q=query: f"/journal?{q}", 'id="journal"')
               for name, query in {**journal_filters(last_day), **stage_filters(last_day)}.items()]
    return journal + [
        ("case page: a case of the loaded journal (its stages from the benchmark's status)", False,
         lambda w: f"/cases?index={journal_cases[w % len(journal_cases)]}", 'id="personal-number"'),
        ("case page: a case with its stage history (stack's desk)", True,
         lambda w: f"/cases?index={history_cases[w % len(history_cases)]}", 'id="history"'),
        ("register form (the catalogue's services listed)", False, lambda w: "/documents/new", 'name="idempotency_key"'),
    ] + [(name, False, lambda w, p=path: p, "<h1") for name, path in lists().items()]


def browse(bench_users: list[User], stack_users: list[User], page_list: list[tuple], passes: int,
           every_s: float = 0.0) -> dict:
    """Every user at once, each going through the pages ``passes`` times from a page of its
    own: the next page as soon as one has come (``every_s`` 0), or a page every ``every_s``
    seconds (a person reads it first), starts spread over the first interval; each page's
    latencies."""
    took: dict[str, list[float]] = {name: [] for name, *_ in page_list}
    failed: dict[str, dict[str, int]] = {name: {} for name, *_ in page_list}

    def user(w: int) -> None:
        eventlet.sleep(random.uniform(0, every_s))
        for i in range(passes * len(page_list)):
            name, on_stack, path, marker = page_list[(w + i) % len(page_list)]
            who = (stack_users if on_stack else bench_users)[w]
            started = time.perf_counter()
            answer = who.http.get(who.base + path(w), timeout=120)
            if answer.status_code == 200 and marker not in answer.text:
                raise RuntimeError(f"{path(w)} as {who.username}: {marker!r} missing")
            if answer.status_code == 200:
                took[name].append(time.perf_counter() - started)
            else:  # e.g. 503: the desk waited service_timeout_s for the registry and said so
                failed[name][str(answer.status_code)] = failed[name].get(str(answer.status_code), 0) + 1
            eventlet.sleep(max(0.0, every_s - (time.perf_counter() - started)))

    list(eventlet.GreenPool(len(bench_users)).imap(user, range(len(bench_users))))
    return took, failed


def health(users: list[User], n: int) -> list[float]:
    took: list[float] = []

    def once(i: int) -> None:
        started = time.perf_counter()
        users[i % len(users)].get("/health")
        took.append(time.perf_counter() - started)

    concurrent(n, len(users), once)
    return took


def raw_ferretdb(n: int, database: str) -> list[float]:
    """FerretDB's own read of one registration by ``_id`` (what the journal's reads are made
    of), by USERS green threads at once: the store's floor in the same round."""
    from pymongo import MongoClient

    took: list[float] = []
    with MongoClient("mongodb://127.0.0.1:27017/", maxPoolSize=USERS) as client:
        regs = client[database]["registrations"]
        ids = [d["_id"] for d in regs.find({}, {"_id": 1}).limit(200)]

        def once(i: int) -> None:
            started = time.perf_counter()
            regs.find_one({"_id": ids[i % len(ids)]})
            took.append(time.perf_counter() - started)

        concurrent(n, USERS, once)
    return took


def registry_journal(queries: dict[str, str], n: int) -> dict[str, list[float]]:
    """The registry's own journal API (what the desk's journal page asks first), each filter
    ``n`` times by USERS clients at once, each with its connection: the desk's part is the rest."""
    sessions = [requests.Session() for _ in range(USERS)]
    auth = {"Authorization": f"Bearer {token('official')}"}
    took: dict[str, list[float]] = {}
    try:
        for name, query in queries.items():
            took[name] = []

            def once(i: int, query=query, samples=took[name]) -> None:
                started = time.perf_counter()
                sessions[i % USERS].get(f"http://127.0.0.1:{BENCH_REGISTRY_PORT}/api/v1/documents?{query}&limit=50",
                                        headers=auth, timeout=120).raise_for_status()
                samples.append(time.perf_counter() - started)

            concurrent(n, USERS, once)
    finally:
        for s in sessions:
            s.close()
    return took


def status_api(queries: dict[str, str], n: int) -> tuple[dict[str, list[float]], dict[str, dict[str, int]]]:
    """Status's own API beside the stack (what the desk's stage filters and lists ask first),
    each ``n`` times by USERS clients at once: the desk's and the registry's part is the rest.
    (Latencies, refusals by status code) by query."""
    sessions = [requests.Session() for _ in range(USERS)]
    auth = {"Authorization": f"Bearer {token('official')}"}
    took: dict[str, list[float]] = {}
    failed: dict[str, dict[str, int]] = {}
    try:
        for name, path in queries.items():
            took[name] = []

            def once(i: int, name=name, path=path, samples=took[name]) -> None:
                started = time.perf_counter()
                try:
                    code = sessions[i % USERS].get(f"http://127.0.0.1:{BENCH_STATUS_PORT}{path}", headers=auth,
                                                   timeout=600).status_code
                except requests.RequestException as exc:
                    code = type(exc).__name__
                if code == 200:
                    samples.append(time.perf_counter() - started)
                else:  # e.g. 503: status's read of FerretDB ran past its operation timeout
                    failed.setdefault(name, {})
                    failed[name][str(code)] = failed[name].get(str(code), 0) + 1

            concurrent(n if name.startswith("staged") else USERS, USERS, once)  # the lists: once each (they scan)
    finally:
        for s in sessions:
            s.close()
    return took, failed


def status_queries(last_day: dt.date, today: dt.date) -> dict[str, str]:
    """Status's API behind each stage filter's first page and each list (with its defaults)."""
    from bench.journal import FIRST_DAY

    month, year = (last_day - dt.timedelta(days=30)).isoformat(), FIRST_DAY.isoformat()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    return {"staged: a month, in progress": f"/api/v1/cases/staged?stage=in_progress&from={month}&to={last_day}&limit=51",
            "staged: a year, in progress": f"/api/v1/cases/staged?stage=in_progress&from={year}&to={last_day}&limit=51",
            "staged: a month, overdue only": f"/api/v1/cases/staged?overdue=true&from={month}&to={last_day}&limit=51",
            "assigned to stoyan (my cases)": "/api/v1/cases/assigned?official=stoyan",
            "due this week": f"/api/v1/cases/due?until={week_end.isoformat()}",
            "overdue": "/api/v1/cases/overdue"}


def list_sizes(last_day: dt.date, today: dt.date) -> dict[str, int | str]:
    """How many rows status's lists answered (their first page, with its defaults), or why not."""
    auth = {"Authorization": f"Bearer {token('official')}"}
    out = {}
    for name, path in status_queries(last_day, today).items():
        if not name.startswith("staged"):
            answer = requests.get(f"http://127.0.0.1:{BENCH_STATUS_PORT}{path}", headers=auth, timeout=300)
            out[name] = len(answer.json()["items"]) if answer.status_code == 200 else f"refused: {answer.status_code}"
    return out


def one_at_a_time(user: User, page_list: list[tuple], samples: int, database: str) -> tuple[dict, dict, list, list]:
    """Each page asked by one user, one request at a time, ``samples`` times in interleaved
    passes (page after page, then again), with FerretDB's raw read of a registration by
    ``_id`` once per pass: (latencies by page, failures by page, raw latencies, load at each
    pass). A page refused 3 times is not asked again (each refusal costs the desk's
    ``service_timeout_s``)."""
    from pymongo import MongoClient

    took: dict[str, list[float]] = {name: [] for name, *_ in page_list}
    failed: dict[str, dict[str, int]] = {}
    raw: list[float] = []
    loads: list[float] = []
    with MongoClient("mongodb://127.0.0.1:27017/") as client:
        regs = client[database]["registrations"]
        ids = [d["_id"] for d in regs.find({}, {"_id": 1}).limit(samples)]
        for i in range(samples):
            loads.append(round(os.getloadavg()[0], 2))
            for name, _, path, marker in page_list:
                if sum(failed.get(name, {}).values()) >= 3:
                    continue
                started = time.perf_counter()
                answer = user.http.get(user.base + path(i), timeout=120)
                if answer.status_code == 200 and marker not in answer.text:
                    raise RuntimeError(f"{path(i)} as {user.username}: {marker!r} missing")
                if answer.status_code == 200:
                    took[name].append(time.perf_counter() - started)
                else:
                    failed.setdefault(name, {})
                    failed[name][str(answer.status_code)] = failed[name].get(str(answer.status_code), 0) + 1
            started = time.perf_counter()
            regs.find_one({"_id": ids[i % len(ids)]})
            raw.append(time.perf_counter() - started)
    return took, failed, raw, loads


def cold_round(n: int, last_day: dt.date, samples: int) -> dict:
    """Every journal filter's and list's first page, one user, one at a time, with the
    registry's journal cache off (a bench registry of its own started with
    DELOVOD_REGISTRY_JOURNAL_CACHE_S=0; status and the desk keep no cache of these pages)."""
    from bench import journal, status_cases

    page_list = [(name, False, lambda w, q=query: f"/journal?{q}", 'id="journal"')
                 for name, query in {**journal_filters(last_day), **stage_filters(last_day)}.items()]
    page_list += [(name, False, lambda w, p=path: p, "<h1") for name, path in lists().items()]
    with desk_servers.running(journal.database_uri(n), BENCH_REGISTRY_PORT, BENCH_DESK_PORT,
                              status_uri=status_cases.database_uri(n), status_port=BENCH_STATUS_PORT,
                              journal_cache_s=0):
        users, _ = sign_in_all(BENCH_DESK, ["stoyan"])
        try:
            took, failed, raw, loads = one_at_a_time(users[0], page_list, samples,
                                                     journal.database_uri(n).rsplit("/", 1)[1])
        finally:
            users[0].close()
    return {"registry_journal_cache_s": 0, "samples_per_page": samples, "load_1min_at_each_pass": loads,
            "pages": {name: {**stats(t), **({"failed": failed[name]} if name in failed else {})}
                      for name, t in took.items()},
            "FerretDB: a registration by _id (raw, one at a time)": stats(raw)}


# --- the run ------------------------------------------------------------------------------

def measure(quick: bool) -> dict:
    from zoneinfo import ZoneInfo

    from bench import journal, status_cases

    n = 10_000 if quick else 100_000
    _, load_s = journal.ensure_loaded(n)
    load_before = round(os.getloadavg()[0], 2)
    cases = status_cases.ensure_loaded(n)
    cases["load_1min_before_loading"] = load_before
    last_day = journal.FIRST_DAY + dt.timedelta(days=journal.DAYS - 1)
    today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()  # the desk's lists count from it
    history_cases = cases_with_history(5)
    result: dict = {"journal_registrations": n, "journal_loaded_or_linked_now_s": load_s,
                    "status_cases": cases, "users": USERS, "accounts": list(PAGE_ACCOUNTS)}
    result["one_at_a_time_cold"] = cold_round(n, last_day, 5 if quick else 20)
    with desk_servers.running(journal.database_uri(n), BENCH_REGISTRY_PORT, BENCH_DESK_PORT,
                              status_uri=status_cases.database_uri(n), status_port=BENCH_STATUS_PORT):
        result["list_rows_first_page"] = {"today": today.isoformat(), **list_sizes(last_day, today)}
        journal_cases = journal_indexes(last_day, USERS)
        names = [PAGE_ACCOUNTS[w % len(PAGE_ACCOUNTS)] for w in range(USERS)]
        signed: dict = {}
        bench_users, signed["desk beside the stack"] = sign_in_all(BENCH_DESK, names)
        stack_users, signed["the stack's desk"] = sign_in_all(DESK, names)
        result["sign_in_20_at_once"] = signed
        clerks, _ = sign_in_all(DESK, [CLERK] * CLERKS)
        page_list = pages(last_day, journal_cases, history_cases)
        rounds, passes = (1, 1) if quick else (2, 2)
        took: dict[str, dict[str, list[float]]] = {load: {name: [] for name, *_ in page_list} for load in LOADS}
        floors: dict[str, list[float]] = {"desk /health (beside the stack)": [], "desk /health (the stack's)": [],
                                          "FerretDB: a registration by _id (raw)": []}
        result["load_1min_at_each_round"] = []
        raw: dict[str, list[float]] = {name: [] for name in journal_filters(last_day)}
        raw_status: dict[str, list[float]] = {name: [] for name in status_queries(last_day, today)}
        failures_status: dict[str, dict[str, int]] = {}
        failures: dict[str, dict[str, dict[str, int]]] = {load: {} for load in LOADS}  # load: page: status: count
        try:
            browse(bench_users, stack_users, page_list, 1)  # warm every connection and cache (not counted)
            for _ in range(rounds):
                result["load_1min_at_each_round"].append(round(os.getloadavg()[0], 2))
                for load, every_s in LOADS.items():
                    samples_by_page, failed = browse(bench_users, stack_users, page_list, passes, every_s)
                    for name, samples in samples_by_page.items():
                        took[load][name] += samples
                        for status, count in failed[name].items():
                            failures[load].setdefault(name, {})
                            failures[load][name][status] = failures[load][name].get(status, 0) + count
                per_floor = USERS * passes * len(page_list)
                floors["desk /health (beside the stack)"] += health(bench_users, per_floor)
                floors["desk /health (the stack's)"] += health(stack_users, per_floor)
                floors["FerretDB: a registration by _id (raw)"] += raw_ferretdb(per_floor, journal.database_uri(n).rsplit("/", 1)[1])
                for name, samples in registry_journal(journal_filters(last_day), USERS * passes).items():
                    raw[name] += samples
                status_took, status_failed = status_api(status_queries(last_day, today), USERS * passes)
                for name, samples in status_took.items():
                    raw_status[name] += samples
                for name, by_code in status_failed.items():
                    for code, count in by_code.items():
                        failures_status.setdefault(name, {})
                        failures_status[name][code] = failures_status[name].get(code, 0) + count
            result["pages_20_users"] = {load: {name: {**stats(samples), **({"failed": failures[load][name]}
                                                                             if name in failures[load] else {})}
                                               for name, samples in by_page.items()}
                                        for load, by_page in took.items()}
            result["health_same_run_20_at_once"] = {name: stats(samples) for name, samples in floors.items()}
            result["registry_journal_api_same_run_20_at_once"] = {name: stats(samples) for name, samples in raw.items()}
            result["status_api_same_run_20_at_once"] = {
                name: {**stats(samples), **({"failed": failures_status[name]} if name in failures_status else {})}
                for name, samples in raw_status.items()}
            result["registering_letter_with_200kb_scan"] = desk_register.compare(
                clerks, token("clerk"), 20 if quick else 60, 1 if quick else 3, stats)
        finally:
            for u in bench_users + stack_users + clerks:
                u.close()
    pages_by_load = result["pages_20_users"]
    p50_p95 = lambda table: {k: [v.get("p50_ms"), v.get("p95_ms")] for k, v in table.items()}  # noqa: E731
    result["headline"] = {
        "pages_p50_p95_ms": {load: p50_p95(table) for load, table in pages_by_load.items()},
        "health_p50_p95_ms": p50_p95(result["health_same_run_20_at_once"]),
        "load_1min_at_each_round": result["load_1min_at_each_round"],
        "registry_journal_api_p50_p95_ms": p50_p95(result["registry_journal_api_same_run_20_at_once"]),
        "status_api_p50_p95_ms": p50_p95(result["status_api_same_run_20_at_once"]),
        "first_pages_under_300_ms": first_pages_under_300_ms(result),
        "journal_first_page_p50_under_300_ms": {
            load: all(v.get("p50_ms", 1e9) < 300 and not v.get("failed") for k, v in table.items()
                      if k.startswith("journal"))
            for load, table in pages_by_load.items()},
        "journal_first_page_p95_under_300_ms": {
            load: all(v.get("p95_ms", 1e9) < 300 and not v.get("failed") for k, v in table.items()
                      if k.startswith("journal"))
            for load, table in pages_by_load.items()},
        "pages_not_shown": {load: {k: v["failed"] for k, v in table.items() if v.get("failed")}
                            for load, table in pages_by_load.items()},
        "registering_per_second": result["registering_letter_with_200kb_scan"]["per_second"],
        "registering_desk_over_api": result["registering_letter_with_200kb_scan"]["desk_over_api"]}
    return result


def first_pages_under_300_ms(result: dict) -> dict:
    """Each journal filter's and list's first page, per load (the two of 20 users, and one at a
    time with the journal cache off): p50 and p95, whether each is under 300 ms (a page the desk
    could not show, never), and the load average at that load's rounds."""
    first_pages = lambda table: {k: v for k, v in table.items() if k.startswith("journal") or k in lists()}  # noqa: E731
    cold = result["one_at_a_time_cold"]
    by_load = {**{load: (table, result["load_1min_at_each_round"]) for load, table in result["pages_20_users"].items()},
               "one_at_a_time_cold": (cold["pages"], cold["load_1min_at_each_pass"])}
    out = {}
    for load, (table, loads) in by_load.items():
        pages_ = {k: {"p50_ms": v.get("p50_ms"), "p95_ms": v.get("p95_ms"),
                      "p50_under_300": v.get("p50_ms", 1e9) < 300 and not v.get("failed"),
                      "p95_under_300": v.get("p95_ms", 1e9) < 300 and not v.get("failed"),
                      **({"failed": v["failed"]} if v.get("failed") else {})}
                  for k, v in first_pages(table).items()}
        out[load] = {"load_1min": [min(loads), max(loads)] if loads else None,
                     "under_300_p50_and_p95": [k for k, v in pages_.items() if v["p50_under_300"] and v["p95_under_300"]],
                     "under_300_p50_only": [k for k, v in pages_.items() if v["p50_under_300"] and not v["p95_under_300"]],
                     "over_300_p50": [k for k, v in pages_.items() if not v["p50_under_300"]],
                     "pages": pages_}
    return out


def run(quick: bool) -> dict:
    """Measure, write bench/results/desk.json, return what was written."""
    load_before = os.getloadavg()[0]
    measured = measure(quick)
    result = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "load_1min_before": round(load_before, 2),
                          "load_1min_after": round(os.getloadavg()[0], 2)},
              "quick": quick, "what": __doc__.split("\n\n")[0], **measured}
    (OUT_QUICK if quick else OUT).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def main() -> int:
    result = run("--quick" in sys.argv)
    print(json.dumps(result["headline"], indent=2, ensure_ascii=False))
    print(f"written to {OUT_QUICK if '--quick' in sys.argv else OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
