"""CPU time per operation of each process on this machine (from /proc), so the benchmark
file says where a registration's work goes, not only how fast it was."""
from __future__ import annotations

import os
from pathlib import Path

# process name -> a part of its command line (the processes `make up` starts)
PROCESSES = {"registry": "-m registry", "ferretdb": "bin/ferretdb", "seaweedfs": "weed ", "kafka": "kafka.Kafka",
             "status": "-m status", "notifications": "-m notifications"}
HZ = os.sysconf("SC_CLK_TCK")


def ticks() -> dict[str, int]:
    """Clock ticks (user + system) used so far by each named process, and by this one."""
    out = {name: 0 for name in PROCESSES}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for name, marker in PROCESSES.items():
            if marker in cmdline + " ":
                out[name] += int(fields[11]) + int(fields[12])
    t = os.times()
    out["benchmark_client"] = round((t.user + t.system) * HZ)
    return out


def per_operation(before: dict[str, int], after: dict[str, int], n: int) -> dict[str, float]:
    """Milliseconds of CPU per operation, by process (those that used any)."""
    used = {name: (after[name] - before.get(name, 0)) * 1000 / HZ / n for name in after}
    return {name: round(ms, 2) for name, ms in sorted(used.items(), key=lambda kv: -kv[1]) if ms > 0}
