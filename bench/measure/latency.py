"""Latency of a model's forward pass: warm-up, then timed iterations.

CPU: `time.perf_counter` around each forward. CUDA: a pair of CUDA events around each
forward, read after `torch.cuda.synchronize()` (host timers would measure kernel launches,
not kernels). Statistics are over per-iteration times of one batch; throughput is
images/s = batch * 1000 / median_ms.

Precision: fp32 runs as is; fp16/bf16 run under `torch.autocast` (CUDA), bf16 also under CPU
autocast. fp16 on CPU is refused: CPU autocast does not support it as a speed setting and
timing it would describe nothing anyone deploys.
"""

from __future__ import annotations

import statistics
import time
from contextlib import nullcontext

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


def _p90(xs: list[float]) -> float:
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=10, method="inclusive")[-1]


def summarize(times_ms: list[float], batch: int) -> dict:
    med = statistics.median(times_ms)
    return {
        "median_ms": round(med, 4),
        "p90_ms": round(_p90(times_ms), 4),
        "mean_ms": round(statistics.fmean(times_ms), 4),
        "std_ms": round(statistics.stdev(times_ms), 4) if len(times_ms) > 1 else 0.0,
        "min_ms": round(min(times_ms), 4),
        "throughput_ips": round(batch * 1000.0 / med, 4),
    }


def measure_latency(model: nn.Module, input_size: tuple[int, int], *, batch: int = 1,
                    device: str | torch.device = "cpu", precision: str = "fp32",
                    channels_last: bool = False, compile: bool = False, warmup: int = 3,
                    iters: int | None = 10, budget_s: float | None = None,
                    max_iters: int = 10) -> dict:
    """Time `model` on random input of (batch, 3, H, W).

    `iters=None` picks the count from a time budget: as many iterations as fit in `budget_s`
    (judged from the last warm-up iteration), at least 3 and at most `max_iters`. This keeps
    heavy models (FCN-8s on 2 CPU cores) inside a couple of minutes while small ones get
    `max_iters` samples.
    """
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

    t_start = time.perf_counter()
    with torch.inference_mode(), amp:
        last = None
        for _ in range(warmup):
            last = once()
        if iters is None:
            probe = last if last is not None else once()
            budget_ms = (budget_s or 20.0) * 1000.0
            iters = int(min(max_iters, max(3, budget_ms // max(probe, 1e-3))))
        times = [once() for _ in range(iters)]
    out = summarize(times, batch)
    out.update(warmup=warmup, iters=iters, batch=batch, input_size=list(input_size),
               precision=precision, channels_last=channels_last, compile=compile,
               timer="cuda_event" if cuda else "perf_counter",
               times_ms=[round(t, 4) for t in times],
               wall_s=round(time.perf_counter() - t_start, 3))
    return out
