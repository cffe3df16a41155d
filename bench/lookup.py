"""`python -m bench.lookup [--quick]`: the citizens' lookup (index + access code) at 200
concurrent clients, next to the raw servers measured in the same run (issue 14, "Speed"):
status's trivial ``/health`` at the same concurrency (the HTTP server alone) and FerretDB
finding one case by ``_id`` (the lookup's one database read) at the same concurrency.

The stack must be up (`make up`). It registers its own cases through the registry, as a
clerk would, keeps the access code each answer shows once, waits until status has every
case, then measures. Each client has its own kept-alive connection (a browser). Two loads:
saturating (each client asks again as soon as it has its answer) and paced (each client
once a second: 200 people at once, an offered 200 lookups a second). Rounds interleave
the lookup with its raw figures, so all see the same machine. Run alone, it writes
bench/results/lookup.json; `make bench` puts the same figures into latest.json."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from bench.measure import concurrent, paced  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REGISTRY, STATUS = "http://127.0.0.1:8001", "http://127.0.0.1:8002"
MONGO = "mongodb://127.0.0.1:27017/"
OUT = ROOT / "bench" / "results" / "lookup.json"
CLIENTS = 200


def register_cases(n: int) -> list[tuple[str, str]]:
    """n paper letters registered as a clerk; (index, access code) of each."""
    token = (ROOT / ".local/tokens/clerk.jwt").read_text().strip()
    metadata = json.dumps({"kind": "letter", "channel": "post", "subject": "Бенчмарк: проверка на преписка",
                           "sender": {"name": "Бенчмарк Тестов", "preferred_channel": "none"}}, ensure_ascii=False)
    cases = []
    with requests.Session() as http:
        for _ in range(n):
            r = http.post(f"{REGISTRY}/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                          data={"metadata": metadata},
                          files=[("scan", ("s.pdf", b"%PDF-1.4\n" + os.urandom(4096), "application/pdf"))], timeout=30)
            r.raise_for_status()
            body = r.json()
            cases.append((body["registration_index"], body["access_code"]))
    return cases


def wait_for_status(cases: list[tuple[str, str]], timeout_s: float = 120) -> None:
    deadline, missing = time.monotonic() + timeout_s, {index for index, _ in cases}
    with MongoClient(MONGO, serverSelectionTimeoutMS=5000) as client:
        while missing and time.monotonic() < deadline:
            missing -= {d["_id"] for d in client.status.cases.find({"_id": {"$in": sorted(missing)}}, {"_id": 1})}
            time.sleep(0.5)
    if missing:
        raise RuntimeError(f"status did not get {len(missing)} cases in {timeout_s} s")


def measure(n: int, rounds: int) -> dict:
    cases = register_cases(CLIENTS)
    wait_for_status(cases)
    sessions = [requests.Session() for _ in range(CLIENTS)]
    mongo = MongoClient(MONGO, maxPoolSize=CLIENTS, serverSelectionTimeoutMS=5000)
    cases_db = mongo.status.cases

    def lookup(w, i=0):
        index, code = cases[w % len(cases)]
        r = sessions[w % CLIENTS].get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}, timeout=60)
        assert r.status_code == 200, (r.status_code, r.text[:200])

    def health(w, i=0):
        sessions[w % CLIENTS].get(f"{STATUS}/health", timeout=60).raise_for_status()

    def find(w, i=0):
        assert cases_db.find_one({"_id": cases[w % len(cases)][0]}) is not None

    ops = {"lookup": lookup, "status_health": health, "ferretdb_find_by_id": find}
    out: dict = {"saturating": {k: [] for k in ops}, "paced_1_per_s": {k: [] for k in ops}}
    try:
        for name, op in ops.items():  # warm every connection
            concurrent(CLIENTS, CLIENTS, lambda i, op=op: op(i))
        for _ in range(rounds):
            for name, op in ops.items():
                out["saturating"][name].append(concurrent(n, CLIENTS, lambda i, op=op: op(i)))
            for name, op in ops.items():
                out["paced_1_per_s"][name].append(paced(n, CLIENTS, 1.0, op))
    finally:
        for s in sessions:
            s.close()
        mongo.close()
    worst = lambda rs: max(rs, key=lambda r: r["p99_ms"])  # noqa: E731  (the headline is the worse round)
    headline = {load: {name: {k: worst(rs)[k] for k in ("p50_ms", "p99_ms", "per_second") if k in worst(rs)}
                       for name, rs in by_op.items()} for load, by_op in out.items()}
    return {"clients": CLIENTS, "cases": len(cases), "headline_worse_round": headline, "rounds": out}


def main() -> int:
    quick = "--quick" in sys.argv
    load_before = os.getloadavg()[0]
    result = measure(n=400 if quick else 2000, rounds=1 if quick else 2)
    result = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "load_1min_before": round(load_before, 2),
                          "load_1min_after": round(os.getloadavg()[0], 2)},
              "what": __doc__.split("\n\n")[0], **result}
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["headline_worse_round"], indent=2))
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
