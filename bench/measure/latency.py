"""Latency of a model's forward pass: warm-up, then timed blocks until the timings settle.

CPU: `time.perf_counter` around each forward. CUDA: a pair of CUDA events around each
forward, read after `torch.cuda.synchronize()` (host timers would measure kernel launches,
not kernels). Statistics are over per-iteration times of one batch; throughput is
images/s = batch * 1000 / median_ms.

The protocol for noisy machines (`Protocol`; a 2-core machine shared by other jobs gives
timings that range over 4x): after the warm-up, timings come in blocks of about `block_s`
seconds. After each block the most recent blocks (at least 2 blocks and `min_samples`
timings) are judged: they have settled when the 95% confidence interval of their median is
within +-`max_rel_ci` of it and p90/median is at most `max_spread`. The interval is the
distribution-free one from order statistics (ranks of a Binomial(n, 1/2); 6 timings are the
fewest that give 95%), so no assumption about the shape of the noise is made. Timing stops
when they settle (the statistics are those blocks'), or when `budget_s` is spent: then the
run is `unstable` and its statistics are over all its timings. At least `min_samples`
timings are always taken, so a heavy model is not marked unstable only for being slow.
A fixed `iters` is one block of that many timings, judged the same way.

Precision: fp32 runs as is; fp16/bf16 run under `torch.autocast` (CUDA), bf16 also under CPU
autocast. fp16 on CPU is refused: CPU autocast does not support it as a speed setting and
timing it would describe nothing anyone deploys.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import nn

PRECISIONS = ("fp32", "fp16", "bf16")
_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


class LatencyConfigError(ValueError):
    """An impossible combination of options (e.g. fp16 on CPU)."""


def autocast_context(device: torch.device, precision: str):
    if precision not in PRECISIONS:
        raise LatencyConfigError(f"precision '{precision}' is not one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return nullcontext()
    if device.type == "cpu" and precision == "fp16":
        raise LatencyConfigError("fp16 on CPU is not supported: use --precision bf16 or fp32 "
                                 "on CPU, or --device cuda for fp16")
    return torch.autocast(device_type=device.type, dtype=_DTYPES[precision])


def prepare(model: nn.Module, device: torch.device, channels_last: bool = False,
            compile: bool = False) -> nn.Module:
    """Eval mode on `device`, optionally channels_last and torch.compile'd."""
    model = model.eval().to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if compile:
        model = torch.compile(model)
    return model


def make_input(batch: int, input_size: tuple[int, int], device: torch.device,
               channels_last: bool = False) -> torch.Tensor:
    x = torch.randn(batch, 3, *input_size, device=device)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


@dataclass(frozen=True)
class Protocol:
    """When timings count as settled, and how long to try (see the module docstring)."""

    max_rel_ci: float = 0.05   # half-width of the 95% CI of the median, relative to it
    max_spread: float = 1.25   # p90 / median
    budget_s: float = 60.0     # time for timing (warm-up excluded) before giving up
    min_samples: int = 6       # the fewest timings judged (and always taken)
    block_s: float = 2.0       # target length of a block
    max_block: int = 10        # timings per block at most
    max_samples: int = 300     # a tiny model stops here even if it never settles

    def describe(self) -> dict:
        return {"max_rel_ci": self.max_rel_ci, "max_spread": self.max_spread,
                "budget_s": self.budget_s, "min_samples": self.min_samples,
                "confidence": CONFIDENCE}


CONFIDENCE = 0.95
DEFAULT_PROTOCOL = Protocol()


def _p90(xs: list[float]) -> float:
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=10, method="inclusive")[-1]


def median_ci(xs: list[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(low, high, level): the order-statistic confidence interval of the median of `xs`.

    Ranks j and n+1-j (1-based, sorted) cover the median with probability
    1 - 2 P(B <= j-1), B ~ Binomial(n, 1/2); the largest j whose coverage is at least
    `confidence` is taken. With fewer than 6 values no interval reaches 95%: the whole range
    is returned with the level it has."""
    v = sorted(xs)
    n = len(v)
    if n == 0:
        raise ValueError("no timings")

    def coverage(j: int) -> float:
        return 1 - 2 * sum(math.comb(n, k) for k in range(j)) / 2.0 ** n

    j = 1
    while j < (n + 1) // 2 and coverage(j + 1) >= confidence:
        j += 1
    level = coverage(j)
    return v[j - 1], v[n - j], level


def summarize(times_ms: list[float], batch: int) -> dict:
    med = statistics.median(times_ms)
    lo, hi, level = median_ci(times_ms)
    return {
        "median_ms": round(med, 4),
        "p90_ms": round(_p90(times_ms), 4),
        "mean_ms": round(statistics.fmean(times_ms), 4),
        "std_ms": round(statistics.stdev(times_ms), 4) if len(times_ms) > 1 else 0.0,
        "min_ms": round(min(times_ms), 4),
        "throughput_ips": round(batch * 1000.0 / med, 4),
        "ci_ms": [round(lo, 4), round(hi, 4)],
        "ci_level": round(level, 4),
        "rel_ci": round((hi - lo) / 2 / med, 4) if med > 0 else 0.0,
        "spread": round(_p90(times_ms) / med, 4) if med > 0 else 1.0,
    }


def settled(stats: dict, n: int, protocol: Protocol) -> bool:
    return (n >= protocol.min_samples and stats["ci_level"] >= CONFIDENCE
            and stats["rel_ci"] <= protocol.max_rel_ci and stats["spread"] <= protocol.max_spread)


def _window(blocks: list[list[float]], min_samples: int) -> list[float]:
    """The most recent blocks holding at least 2 blocks and `min_samples` timings."""
    out: list[float] = []
    for i, b in enumerate(reversed(blocks)):
        out = b + out
        if i >= 1 and len(out) >= min_samples:
            break
    return out


def time_blocks(once: Callable[[], float], *, batch: int = 1, warmup: int = 3,
                iters: int | None = None, protocol: Protocol = DEFAULT_PROTOCOL) -> dict:
    """Warm up, then time `once()` (ms per call) in blocks until settled or out of budget.

    Any engine (eager PyTorch, ONNX Runtime) passes its own `once`. The result: the
    statistics (`summarize`) of the judged timings, `unstable`, the block counts, every
    timing in order (`times_ms`, of which the last `samples_used` were judged when settled)."""
    t_start = time.perf_counter()
    last = None
    for _ in range(warmup):
        last = once()
    blocks: list[list[float]] = []
    if iters is not None:
        blocks.append([once() for _ in range(iters)])
        used = blocks[0]
        ok = settled(summarize(used, batch), len(used), protocol)
    else:
        probe = last if last is not None else once()
        k = int(min(protocol.max_block, max(1, protocol.block_s * 1000.0 // max(probe, 1e-3))))
        t0 = time.perf_counter()
        ok, used = False, []
        while True:
            blocks.append([once() for _ in range(k)])
            n = sum(map(len, blocks))
            used = _window(blocks, protocol.min_samples)
            if len(blocks) >= 2 and settled(summarize(used, batch), len(used), protocol):
                ok = True
                break
            spent = time.perf_counter() - t0
            if n >= protocol.max_samples or (spent >= protocol.budget_s and n >= protocol.min_samples):
                break
        if not ok:
            used = [t for b in blocks for t in b]
    times = [t for b in blocks for t in b]
    out = summarize(used, batch)
    out.update(unstable=not ok, blocks=len(blocks), block_iters=len(blocks[0]),
               samples_used=len(used), iters=len(times), warmup=warmup, protocol=protocol.describe(),
               times_ms=[round(t, 4) for t in times],
               wall_s=round(time.perf_counter() - t_start, 3))
    return out


def measure_latency(model: nn.Module, input_size: tuple[int, int], *, batch: int = 1,
                    device: str | torch.device = "cpu", precision: str = "fp32",
                    channels_last: bool = False, compile: bool = False, warmup: int = 3,
                    iters: int | None = 10, protocol: Protocol = DEFAULT_PROTOCOL) -> dict:
    """Time eager `model` on random input of (batch, 3, H, W) with `time_blocks`.

    `iters=None` uses the block protocol (`protocol`); a number times exactly that many.
    Threads are torch's at the call (the harness pins them) and recorded."""
    dev = torch.device(device)
    if warmup < 0 or (iters is not None and iters < 1):
        raise LatencyConfigError("need warmup >= 0 and iters >= 1")
    amp = autocast_context(dev, precision)  # validates before any work
    model = prepare(model, dev, channels_last, compile)
    x = make_input(batch, tuple(input_size), dev, channels_last)
    cuda = dev.type == "cuda"

    def once() -> float:
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            model(x)
            end.record()
            torch.cuda.synchronize(dev)
            return start.elapsed_time(end)
        t0 = time.perf_counter()
        model(x)
        return (time.perf_counter() - t0) * 1000.0

    with torch.inference_mode(), amp:
        out = time_blocks(once, batch=batch, warmup=warmup, iters=iters, protocol=protocol)
    out.update(batch=batch, input_size=list(input_size), precision=precision,
               channels_last=channels_last, compile=compile,
               timer="cuda_event" if cuda else "perf_counter", threads=torch.get_num_threads())
    return out
