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

from bench.delovod import search  # noqa: E402


def _headline(run: dict) -> dict:
    paced = run["citizens_paced"]
    return {"saturating_p99_ms": run["p99_ms"], "health_same_run_p99_ms": run["trivial_endpoint_same_run"]["p99_ms"],
            "paced_p99_ms": paced["p99_ms"], "paced_health_same_run_p99_ms": paced["trivial_endpoint_same_run"]["p99_ms"],
            "target_p99_ms": paced["target_p99_ms"], "paced_meets_target": paced["meets_target"]}


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
    result["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    result["headline"] = {"as_deployed": _headline(result["catalogue_search_1000_services"]),
                          "every_search_ranked": _headline(result["catalogue_search_1000_services_no_result_cache"])}
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    (Path(__file__).resolve().parent / "results" / "catalogue-search.json").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
