"""`bench list` and `bench run --help` start-up as a ratio against `catalog --help` (goal <= 1.5).

    .venv/bin/python benchmarks/startup_ratio.py [--repeat 9] [--json benchmarks/startup_ratio.json]

Each command runs as a fresh process, the three interleaved `--repeat` times; for each the
median wall time and the median CPU time (user + system of the child, from wait4), and the
ratios of those medians to `catalog --help`'s. On a shared machine the CPU ratio is the one
to read: wall time includes waiting for cores other jobs hold. `bench list` is timed warm (its
claim counts cached under the catalog's sha256, bench/claim_counts.py) and, once, cold.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CMDS = {"catalog --help": ["-m", "catalog", "--help"],
        "bench list": ["-m", "bench", "list"],
        "bench run --help": ["-m", "bench", "run", "--help"]}


def timed(args: list[str], env: dict) -> tuple[float, float]:
    """(wall s, CPU s) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "startup_ratio.json")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": cache}
        cold = timed(CMDS["bench list"], env)  # fills the claim-count cache
        got: dict[str, list[tuple[float, float]]] = {k: [] for k in CMDS}
        for _ in range(a.repeat):
            for name, args in CMDS.items():
                got[name].append(timed(args, env))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in got.items()}
    base = med["catalog --help"]
    out = {"repeat": a.repeat, "python": sys.version.split()[0],
           "cold_bench_list": {"wall_s": round(cold[0], 3), "cpu_s": round(cold[1], 3)},
           "commands": {k: {"wall_s": round(w, 3), "cpu_s": round(c, 3),
                            "wall_ratio": round(w / base[0], 2), "cpu_ratio": round(c / base[1], 2)}
                        for k, (w, c) in med.items()}}
    print(f"{'command':<18} {'wall s':>7} {'CPU s':>7} {'wall x':>7} {'CPU x':>7}   "
          f"(medians of {a.repeat}; x = ratio to catalog --help)")
    for k, r in out["commands"].items():
        print(f"{k:<18} {r['wall_s']:>7.3f} {r['cpu_s']:>7.3f} {r['wall_ratio']:>7.2f} {r['cpu_ratio']:>7.2f}")
    print(f"bench list cold (claim counts not cached): {cold[0]:.3f} s wall, {cold[1]:.3f} s CPU")
    a.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
