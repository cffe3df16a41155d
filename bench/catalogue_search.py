"""`python -m bench.catalogue_search [--quick]`: only the catalogue search benchmark (the
stack must be up: `make up`), printed and written to bench/results/catalogue-search.json
with the machine's load; `make bench` runs it with everything else.

Two runs, each with the same service's trivial ``/health`` measured in the same run as the
floor: the service as deployed (answers to repeated queries kept), and with no answer kept,
so that every one of the 50 clients' searches runs the ranking."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from bench.delovod import CATALOGUE_PORT, CITIZEN_QUERIES, ROOT, _load, _wait_http, search, thousand_services  # noqa: E402
from bench.measure import percentiles  # noqa: E402


def _headline(run: dict) -> dict:
    paced = run["citizens_paced"]
    return {"saturating_p99_ms": run["p99_ms"], "health_same_run_p99_ms": run["trivial_endpoint_same_run"]["p99_ms"],
            "paced_p99_ms": paced["p99_ms"], "paced_health_same_run_p99_ms": paced["trivial_endpoint_same_run"]["p99_ms"],
            "target_p99_ms": paced["target_p99_ms"], "paced_meets_target": paced["meets_target"]}


def service_time(n: int = 300) -> dict:
    """One client, one kept-alive connection, one request at a time: the time the server
    spends on a search next to /health (the eventlet worker's own cost), with answers kept
    and with none kept, so the load of the machine's other processes matters least."""
    out = {}
    for label, no_cache in (("as_deployed", "0"), ("every_search_ranked", "1")):
        db = f"bench_catalogue_{uuid.uuid4().hex[:6]}"
        env = {**os.environ, "DELOVOD_CATALOGUE_MONGO_URI": f"mongodb://127.0.0.1:27017/{db}",
               "DELOVOD_CATALOGUE_HTTP_PORT": str(CATALOGUE_PORT), "OTEL_TRACES_EXPORTER": "none",
               "DELOVOD_LOG_LEVEL": "WARNING", "DELOVOD_BENCH_NO_RESULT_CACHE": no_cache}
        _load(env, thousand_services())
        proc = subprocess.Popen([sys.executable, "-m", "bench.catalogue_server"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{CATALOGUE_PORT}"
        try:
            _wait_http(f"{base}/health")
            with requests.Session() as session:
                session.get(f"{base}/api/v1/services", params={"q": "x"}).raise_for_status()  # builds the index
                timed = {"health": [], "search": []}
                for i in range(n):  # interleaved, so both see the same moments of the machine
                    for kind, call in (("health", lambda: session.get(f"{base}/health")),
                                       ("search", lambda: session.get(f"{base}/api/v1/services",
                                                                      params={"q": CITIZEN_QUERIES[i % len(CITIZEN_QUERIES)]}))):
                        start = time.perf_counter()
                        call().raise_for_status()
                        timed[kind].append(time.perf_counter() - start)
            out[label] = {kind: {"n": n, **percentiles(samples)} for kind, samples in timed.items()}
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            with MongoClient(env["DELOVOD_CATALOGUE_MONGO_URI"]) as client:
                client.drop_database(db)
    return out


def in_process(n: int = 1000) -> dict:
    """CPU per search inside one process, no HTTP: the index and the encoding of the answer,
    as the service did before (pydantic models and json.dumps per search, every search
    ranked), with each summary encoded once, and with answers kept as well."""
    import datetime as day
    import statistics

    from catalogue.adapters import tantivy_index
    from catalogue.adapters.memory_repository import InMemoryServiceRepository
    from catalogue.domain.model import ServiceContent, ServiceVersion
    from catalogue.entrypoints import views
    from catalogue.service_layer.catalogue import Catalogue
    from servicekit.http import json_response

    def catalogue(kept: int) -> Catalogue:
        tantivy_index.RESULTS_KEPT = kept
        repo = InMemoryServiceRepository()
        for row in thousand_services():
            repo.add(ServiceVersion(content=ServiceContent.model_validate(row), version=1,
                                    valid_from=day.date(2026, 1, 1)))
        built = Catalogue(repo, today=lambda: day.date(2026, 12, 2), index_ttl_s=3600)
        built.search("x")
        return built

    deployed = tantivy_index.RESULTS_KEPT
    ranked, kept = catalogue(0), catalogue(deployed)
    tantivy_index.RESULTS_KEPT = deployed

    def ms(answer) -> float:
        rounds = []
        for _ in range(3):
            start = time.perf_counter()
            for i in range(n):
                answer(CITIZEN_QUERIES[i % len(CITIZEN_QUERIES)])
            rounds.append((time.perf_counter() - start) / n * 1000)
        return round(statistics.median(rounds), 3)

    return {"n": n, "ms_per_search_median_of_3": {
        "before_pydantic_and_json_every_search_ranked": ms(lambda q: json_response(views.search(ranked.search(q)))),
        "summaries_encoded_once_every_search_ranked": ms(lambda q: views.search_response(ranked.search(q))),
        "summaries_encoded_once_answers_kept": ms(lambda q: views.search_response(kept.search(q)))}}


def main() -> int:
    n = 200 if "--quick" in sys.argv else 1000
    load_before = os.getloadavg()[0]
    result = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "load_1min_before": round(load_before, 2)}}
    result["catalogue_search_1000_services"] = search(n, 50)
    os.environ["DELOVOD_BENCH_NO_RESULT_CACHE"] = "1"  # read by bench.catalogue_server
    try:
        result["catalogue_search_1000_services_no_result_cache"] = search(n, 50)
    finally:
        del os.environ["DELOVOD_BENCH_NO_RESULT_CACHE"]
    result["one_client_service_time"] = service_time(100 if "--quick" in sys.argv else 300)
    result["in_process_cpu"] = in_process(200 if "--quick" in sys.argv else 1000)
    result["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    result["headline"] = {"as_deployed": _headline(result["catalogue_search_1000_services"]),
                          "every_search_ranked": _headline(result["catalogue_search_1000_services_no_result_cache"])}
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    (Path(__file__).resolve().parent / "results" / "catalogue-search.json").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
