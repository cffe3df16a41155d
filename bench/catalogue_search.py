"""`python -m bench.catalogue_search [--quick]`: only the catalogue search benchmark (the
stack must be up: `make up`), printed and written to bench/results/catalogue-search.json
with the machine's load; `make bench` runs it with everything else."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.delovod import search  # noqa: E402


def main() -> int:
    n = 200 if "--quick" in sys.argv else 1000
    load_before = os.getloadavg()[0]
    result = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "load_1min_before": round(load_before, 2)},
              "catalogue_search_1000_services": search(n, 50)}
    result["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    (Path(__file__).resolve().parent / "results" / "catalogue-search.json").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
