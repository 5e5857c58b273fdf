"""Harness overhead: `bench.measure.latency` vs a bare perf_counter loop, in one process.

    .venv/bin/python benchmarks/latency_vs_bare.py [MODEL] [--input HxW] [--iters N] [--warmup N]

Both time the same model object on the same input, alternating harness and bare runs (so
drift in CPU frequency or load hits both), and print both medians and their ratio. A ratio
near 1.0 means the harness adds nothing measurable. Default: tv-lraspp-mobilenet-v3-large at
its 520x520 (quick on a laptop CPU); any bench key works, e.g. `fcn8s --input 224x224`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from bench.measure.env import collect_env
from bench.measure.latency import measure_latency
from bench.models.registry import get_spec


def bare(model, x, warmup: int, iters: int) -> float:
    """The simplest honest loop: no autocast, no stats, median of per-iteration times."""
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="tv-lraspp-mobilenet-v3-large")
    ap.add_argument("--input", default=None, help="HxW [default: the model's input size]")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="alternating harness/bare rounds")
    args = ap.parse_args()

    spec = get_spec(args.model)
    h, w = (int(v) for v in args.input.lower().split("x")) if args.input else spec.input_size
    torch.manual_seed(0)
    model = spec.build(num_classes=spec.num_classes).eval()
    x = torch.randn(1, 3, h, w)
    env = collect_env("cpu")
    print(f"{spec.key} at {h}x{w}, batch 1, fp32 on {env['device_name']} "
          f"({env['threads']} threads), torch {env['torch']}")

    harness, plain = [], []
    for r in range(args.rounds):
        lat = measure_latency(model, (h, w), warmup=args.warmup, iters=args.iters)
        harness.append(lat["median_ms"])
        plain.append(bare(model, x, args.warmup, args.iters))
        print(f"round {r + 1}: harness {harness[-1]:.2f} ms, bare {plain[-1]:.2f} ms")
    hm, bm = statistics.median(harness), statistics.median(plain)
    print(f"median of rounds: harness {hm:.2f} ms, bare loop {bm:.2f} ms, ratio {hm / bm:.3f}")
    # on a shared machine the medians wander with other load; the best round is steadier
    print(f"best round:       harness {min(harness):.2f} ms, bare loop {min(plain):.2f} ms, "
          f"ratio {min(harness) / min(plain):.3f}")


if __name__ == "__main__":
    main()
