"""The bench's own costs: start-up, harness overhead, FLOP-counting time per model.

    .venv/bin/python benchmarks/bench_harness.py [--models A,B,...] [--pairs 10] [--fvcore]
                                                 [--startup-repeat 5]
                                                 [--json benchmarks/bench_harness.json]

1. Start-up: `python -m bench --help`, `python -m bench run fcn8s --iters 0` (an option error)
   and `python -m catalog --help` as processes, interleaved, median of `--startup-repeat`.
2. Harness overhead (benchmarks/latency_vs_bare.py): the real `bench run` timing path vs a
   bare perf_counter loop, as paired ratios with alternating order.
3. FLOP counting per model: seconds of `count_flops` (FlopCounterMode, on the meta device when
   the model allows) at the model's default size, and with `--fvcore` also fvcore's traced
   forward (its failures listed, not hidden). Model build time is excluded and shown apart.

Results are printed as tables and written as JSON. Not a test: it asserts nothing and takes
minutes on 2 cores (all models; `--models` for a subset).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def startup(repeat: int) -> dict:
    cmds = {"bench --help": [sys.executable, "-m", "bench", "--help"],
            "bench option error": [sys.executable, "-m", "bench", "run", "fcn8s", "--iters", "0"],
            "catalog --help": [sys.executable, "-m", "catalog", "--help"]}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():  # interleaved: load drift hits every command alike
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
            times[name].append(time.perf_counter() - t0)
    return {k: {"median_s": round(statistics.median(v), 3), "runs_s": [round(x, 3) for x in v]}
            for k, v in times.items()}


def flop_times(keys: list[str], fvcore: bool, say=print) -> list[dict]:
    import torch

    from bench.measure.flops import count_flops
    from bench.models.registry import all_specs

    specs = all_specs()
    rows = []
    for key in keys:
        spec = specs[key]
        row = {"model": key, "input_size": list(spec.input_size)}
        try:
            t0 = time.perf_counter()
            torch.manual_seed(0)
            model = spec.build(num_classes=spec.num_classes).eval()
            row["build_s"] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            f = count_flops(model, spec.input_size, "cpu", fvcore=False)
            row["flopcounter_s"] = round(time.perf_counter() - t0, 3)
            row["counted_on"] = f.get("counted_on")
            row["gmacs"] = f["gmacs"]
            if fvcore:
                t0 = time.perf_counter()
                f = count_flops(model, spec.input_size, "cpu", fvcore=True)
                row["with_fvcore_s"] = round(time.perf_counter() - t0, 3)
                row["fvcore_gmacs"] = f.get("fvcore_gmacs")
                row["fvcore_error"] = f.get("fvcore_error")
        except Exception as e:  # noqa: BLE001 - a benchmark reports, it does not stop
            row["error"] = f"{type(e).__name__}: {e}"[:200]
        rows.append(row)
        say(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in row.items()
                                     if k.endswith("_s") or k == "error"))
        del model
    return rows


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=None, help="comma-separated bench keys [default: all]")
    ap.add_argument("--overhead-model", default="tv-lraspp-mobilenet-v3-large")
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--fvcore", action="store_true", help="also time fvcore's count")
    ap.add_argument("--startup-repeat", type=int, default=5)
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "bench_harness.json")
    args = ap.parse_args()

    from latency_vs_bare import overhead

    result: dict = {"python": platform.python_version(), "machine": platform.machine()}
    print("start-up (processes, interleaved):")
    result["startup"] = startup(args.startup_repeat)
    print(table(["command", "median s"],
                [[k, v["median_s"]] for k, v in result["startup"].items()]))
    print()
    result["overhead"] = overhead(args.overhead_model, None, 1, args.iters, args.pairs)
    o = result["overhead"]
    print(table(["measure", "value"], [
        ["median harness/bare (paired)", o["median_ratio"]],
        ["interquartile range", f"{o['iqr'][0]}-{o['iqr'][1]}"],
        *[[f"median ratio, {k} first", v] for k, v in o["median_ratio_by_first"].items()]]))
    print()
    from bench.models.registry import all_specs

    keys = args.models.split(",") if args.models else list(all_specs())
    print(f"FLOP counting at each model's default size ({len(keys)} models):")
    result["flops"] = flop_times(keys, args.fvcore)
    cols = ["model", "input", "build s", "FlopCounterMode s", "on"] + (
        ["with fvcore s", "fvcore"] if args.fvcore else [])
    print(table(cols, [[r["model"], "x".join(map(str, r["input_size"])), r.get("build_s"),
                        r.get("flopcounter_s"), r.get("counted_on") or r.get("error")]
                       + ([r.get("with_fvcore_s"),
                           "failed: " + r["fvcore_error"][:60] if r.get("fvcore_error") else "ok"]
                          if args.fvcore else []) for r in result["flops"]]))
    ok = [r["flopcounter_s"] for r in result["flops"] if "flopcounter_s" in r]
    if ok:
        print(f"FlopCounterMode: total {sum(ok):.1f} s, median {statistics.median(ok):.3f} s "
              f"per model")
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
