"""`make bench`: the raw speed of each server (baseline) and of delovod on top of it,
measured on this machine with the client libraries the services use. Results go to
bench/results/latest.json with the machine's core count; ratios compare delovod to
the raw server measured in the same run. Loopback only, bounded counts."""
import eventlet

eventlet.monkey_patch()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from bench import baseline, delovod, desk, lookup, sms  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "latest.json"


def main() -> int:
    quick = "--quick" in sys.argv
    results = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()},
               "quick": quick}
    results["baseline"] = baseline.run_all(quick)
    results["delovod"] = delovod.run_all(quick, results["baseline"])
    results["delovod"]["citizen_lookup_200_clients"] = lookup.measure(n=400 if quick else 2000, rounds=1 if quick else 2)
    # also written to bench/results/desk.json (desk-quick.json when quick), with the load of the machine around it
    results["delovod"]["desk_20_users_and_registering"] = desk.run(quick)
    # event to SMS handed to Kannel and to email accepted by the relay, next to both raw (also bench/results/sms.json)
    results["delovod"]["notifications_100_events_per_second"] = sms.run(200 if quick else 1000)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
