"""`python -m bench.journal_profile [--quick]`: where a desk journal page's time goes, step by
step, one request at a time (no other load from this process), over the journal of 100,000
registrations (bench/journal.py loads it; the stack must be up). Written to
bench/results/journal-profile.json.

A desk journal page is: the session's read (and its idle clock's write) in the desk's
database; a staff token signed for the person; the registry's journal API (its reads by
``_id``: day documents, month word digests, then each row's registration by claim); status's
stages of the page's cases (``POST /api/v1/cases/stages``); the Jinja2 page. Each step is
timed alone here, next to the whole page and the desk's ``/health`` in the same rounds, and
the registry's reads are counted (how many, how many in sequence) in this process with the
registry's own ``Queries`` over a counting repository."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402

from bench import desk, desk_servers, journal  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "journal-profile.json"


def timed(fn, runs: int) -> dict:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1), "max_ms": round(max(times), 1)}


class Counting:
    """The registry's repository, counting and timing its journal reads."""

    def __init__(self, repo):
        self.repo, self.calls = repo, {}

    def __getattr__(self, name):
        fn = getattr(self.repo, name)
        if name not in ("journal_day", "journal_words", "journal_year_words", "journal_row"):
            return fn

        def counted(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                n, total = self.calls.get(name, (0, 0.0))
                self.calls[name] = (n + 1, total + time.perf_counter() - started)
        return counted


def registry_reads(repo, last_day: dt.date) -> dict:
    """Per filter: how many reads of each kind one first page makes, and the page's time."""
    from registry.adapters.memory import InMemoryScanStore
    from registry.domain.index import DEFAULT_REGISTERS
    from registry.service_layer.queries import JournalFilter, Queries
    from servicekit.concurrently import green

    counting = Counting(repo)
    queries = Queries(counting, InMemoryScanStore(), DEFAULT_REGISTERS, journal.TZ, green)
    month = (last_day - dt.timedelta(days=30), last_day)
    year = (journal.FIRST_DAY, last_day)
    filters = {"one day": JournalFilter(last_day, last_day), "a month": JournalFilter(*month),
               "a month, Petrova": JournalFilter(*month, words="Petrova"),
               "a year, rare word": JournalFilter(*year, words=journal.RARE)}
    out = {}
    for name, f in filters.items():
        queries.journal(f)  # warm
        counting.calls = {}
        started = time.perf_counter()
        queries.journal(f)
        took = (time.perf_counter() - started) * 1000
        out[name] = {"page_ms": round(took, 1),
                     **{k: {"reads": n, "sum_of_read_ms": round(s * 1000, 1)} for k, (n, s) in counting.calls.items()}}
    return out


def main() -> int:
    quick = "--quick" in sys.argv
    n, runs = (10_000, 5) if quick else (100_000, 15)
    repo, _ = journal.ensure_loaded(n)
    last_day = journal.FIRST_DAY + dt.timedelta(days=journal.DAYS - 1)
    result = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "load_1min_before": round(os.getloadavg()[0], 2)},
              "registrations": n, "runs_each": runs}
    result["registry_reads_in_process"] = registry_reads(repo, last_day)
    regs = repo._regs
    jdoc = regs.database["journal"]
    some_day = f"complaints|{last_day.isoformat()}"
    result["ferretdb_raw"] = {
        "journal day document by _id (~16 KB)": timed(lambda: jdoc.find_one({"_id": some_day}), runs),
        "registration by _id": timed(lambda: regs.find_one({"_id": "complaints:2026:1:0"}), runs)}
    status_cases = regs.database.client["status"]["cases"]
    ids = [d["_id"] for d in status_cases.find({}, {"_id": 1}).limit(50)]
    from servicekit.concurrently import green

    result["status_cases_of_a_page_50"] = {
        "cases in status": status_cases.estimated_document_count(),
        "$in on _id (before: FerretDB scans every case)": timed(lambda: list(status_cases.find({"_id": {"$in": ids}})),
                                                                 3),
        "each by _id, overlapped (now)": timed(lambda: green(*[lambda i=i: status_cases.find_one({"_id": i}) for i in ids]),
                                               runs)}
    from servicekit.auth import issue_token

    result["staff_token_signing"] = timed(lambda: issue_token(b"x" * 32, "elena", "Елена", "official", 120), runs)
    auth = {"Authorization": f"Bearer {desk.token('official')}"}
    with desk_servers.running(journal.database_uri(n), desk.BENCH_REGISTRY_PORT, desk.BENCH_DESK_PORT):
        user = desk.User(desk.BENCH_DESK, "elena")
        user.sign_in()
        http = requests.Session()
        steps = {}
        for name, query in desk.journal_filters(last_day).items():
            api = f"http://127.0.0.1:{desk.BENCH_REGISTRY_PORT}/api/v1/documents?{query}&limit=50"
            answer = http.get(api, headers=auth, timeout=60)
            cases = list(dict.fromkeys(r.get("case_index") or r["registration_index"] for r in answer.json()["items"]))
            page = user.get(f"/journal?{query}")
            steps[name] = {
                "desk page (whole)": timed(lambda q=query: user.get(f"/journal?{q}"), runs),
                "desk /health": timed(lambda: user.get("/health"), runs),
                "registry journal API (HTTP)": timed(lambda a=api: http.get(a, headers=auth, timeout=60), runs),
                "status stages of the page's cases (HTTP)": timed(
                    lambda c=cases: http.post(f"{desk.STATUS}/api/v1/cases/stages", json={"indexes": c}, headers=auth,
                                              timeout=60), runs),
                "registry JSON bytes": len(answer.content), "page HTML bytes": len(page.content)}
        month = list(desk.journal_filters(last_day).values())[1]
        result["desk_stage_filter_bounded_scan"] = {
            "what": "a month, stage 'in progress': the desk reads registry pages of 200 and status's stages of their "
                    "cases until 50 match or 2,000 rows were read (none match here: the loaded cases are not in status)",
            "desk page (whole)": timed(lambda: user.get(f"/journal?{month}&stage=in_progress"), 3)}
        result["desk_journal_page_steps"] = steps
        user.close()
        http.close()
    result["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
