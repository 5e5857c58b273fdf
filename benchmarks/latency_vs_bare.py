"""Harness overhead: the real `bench run` timing path vs a bare perf_counter loop, as paired
ratios with alternating order.

    .venv/bin/python benchmarks/latency_vs_bare.py [MODEL] [--input HxW] [--iters N]
                                                   [--warmup N] [--pairs N]

Each pair times the same model object on the same input size twice: once through
`bench.harness._time_and_memory` (what `bench run` / `measure_model` calls: peak-memory
tracking, autocast context, input creation, `measure_latency`) and once with a bare loop
(`model(x)` between two perf_counter calls, median of the iterations). One untimed pair runs
first (process warm-up). The order alternates from pair to pair, because whichever runs first in a pair is measurably slower on a busy CPU.
The overhead is the median over pairs of harness/bare (a ratio per pair, so drift in clock
speed or load between pairs cancels), with its interquartile range and the median ratio by
position (harness first / bare first) so an order effect is visible rather than hidden.

Part of `benchmarks/bench_harness.py` (the one documented command); runnable alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def bare(model, x, warmup: int, iters: int) -> float:
    """The simplest honest loop: no autocast, no stats, median of per-iteration times (ms)."""
    import torch

    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def quartiles(xs: list[float]) -> tuple[float, float]:
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def overhead(model_key: str = "tv-lraspp-mobilenet-v3-large", input_size: tuple[int, int] | None = None,
             warmup: int = 1, iters: int = 5, pairs: int = 10, say=print) -> dict:
    """Paired harness/bare ratios; returns a JSON-able dict."""
    import torch

    from bench.harness import RunOptions, _time_and_memory
    from bench.measure.env import collect_env
    from bench.models.registry import get_spec

    spec = get_spec(model_key)
    size = tuple(input_size or spec.input_size)
    torch.manual_seed(0)
    model = spec.build(num_classes=spec.num_classes).eval()
    x = torch.randn(1, 3, *size)
    dev = torch.device("cpu")
    opts = RunOptions(warmup=warmup, iters=iters)
    env = collect_env(dev)
    say(f"harness overhead: {spec.key} at {size[0]}x{size[1]}, batch 1, fp32 on "
        f"{env['device_name']} ({env['threads']} threads), {pairs} pairs of "
        f"{warmup} warm-up + {iters} timed")
    # one untimed pair first: the process's first forwards pay for allocator growth and
    # lazy initialisation, which is neither the harness's cost nor the loop's
    _time_and_memory(model, size, opts, dev, lambda m: None)
    bare(model, x, warmup, iters)
    rows = []
    for i in range(pairs):
        harness_first = i % 2 == 0
        got = {}
        for which in (("harness", "bare") if harness_first else ("bare", "harness")):
            if which == "harness":
                lat, _mem = _time_and_memory(model, size, opts, dev, lambda m: None)
                got["harness"] = lat["median_ms"]
            else:
                got["bare"] = bare(model, x, warmup, iters)
        ratio = got["harness"] / got["bare"]
        rows.append({"pair": i + 1, "first": "harness" if harness_first else "bare",
                     "harness_ms": round(got["harness"], 3), "bare_ms": round(got["bare"], 3),
                     "ratio": round(ratio, 4)})
        say(f"  pair {i + 1:2d} ({rows[-1]['first']} first): harness {got['harness']:.2f} ms, "
            f"bare {got['bare']:.2f} ms, ratio {ratio:.3f}")
    ratios = [r["ratio"] for r in rows]
    q1, q3 = quartiles(ratios)
    by_first = {f: statistics.median([r["ratio"] for r in rows if r["first"] == f])
                for f in ("harness", "bare") if any(r["first"] == f for r in rows)}
    return {"model": spec.key, "input_size": list(size), "warmup": warmup, "iters": iters,
            "pairs": rows, "median_ratio": round(statistics.median(ratios), 4),
            "iqr": [round(q1, 4), round(q3, 4)],
            "median_ratio_by_first": {k: round(v, 4) for k, v in by_first.items()},
            "env": {k: env[k] for k in ("device_name", "threads", "torch", "python")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="tv-lraspp-mobilenet-v3-large")
    ap.add_argument("--input", default=None, help="HxW [default: the model's input size]")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--pairs", type=int, default=10)
    args = ap.parse_args()
    size = tuple(int(v) for v in args.input.lower().split("x")) if args.input else None
    r = overhead(args.model, size, args.warmup, args.iters, args.pairs)
    print(f"harness / bare: median of {len(r['pairs'])} paired ratios {r['median_ratio']:.3f} "
          f"(IQR {r['iqr'][0]:.3f}-{r['iqr'][1]:.3f}); by position: "
          + ", ".join(f"{k} first {v:.3f}" for k, v in r["median_ratio_by_first"].items()))


if __name__ == "__main__":
    main()
