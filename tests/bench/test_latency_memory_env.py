"""Latency statistics, precision rules, memory and environment records."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bench.measure.env import collect_env
from bench.measure.latency import LatencyConfigError, measure_latency, summarize
from bench.measure.memory import peak_memory


def test_summarize_known_values():
    s = summarize([10.0, 20.0, 30.0, 40.0, 50.0], batch=4)
    assert s["median_ms"] == 30.0
    assert s["mean_ms"] == 30.0
    assert s["std_ms"] == pytest.approx(15.8114, abs=1e-4)
    assert s["p90_ms"] == 46.0  # inclusive quantiles: 40 + 0.6 * 10
    assert s["throughput_ips"] == pytest.approx(4 * 1000 / 30.0, abs=1e-4)


def test_measure_latency_counts(tiny):
    r = measure_latency(tiny, (16, 16), batch=2, warmup=1, iters=4)
    assert r["iters"] == 4 and len(r["times_ms"]) == 4
    assert r["timer"] == "perf_counter"
    assert min(r["times_ms"]) == r["min_ms"] > 0
    assert r["throughput_ips"] == pytest.approx(2000 / r["median_ms"], rel=1e-3)


def test_budgeted_iters(tiny):
    r = measure_latency(tiny, (16, 16), warmup=1, iters=None, budget_s=0.5, max_iters=6)
    assert r["iters"] == 6  # tiny model: the budget allows more than max_iters


def test_fp16_on_cpu_refused(tiny):
    with pytest.raises(LatencyConfigError, match="fp16 on CPU is not supported"):
        measure_latency(tiny, (16, 16), precision="fp16")


def test_bf16_and_channels_last_on_cpu(tiny):
    r = measure_latency(tiny, (16, 16), precision="bf16", channels_last=True, warmup=0, iters=2)
    assert r["precision"] == "bf16" and r["channels_last"] is True and r["iters"] == 2


def test_cpu_peak_memory_sees_allocation():
    with peak_memory("cpu") as small:
        pass
    with peak_memory("cpu") as big:
        x = torch.ones(64 * 1024 * 1024 // 4 * 4)  # 256 MiB of float32, touched
        del x
    assert big["kind"] == small["kind"]
    if big["kind"] == "cpu_rss_peak":  # resettable peak: the block's own allocation shows
        assert big["peak_mb"] - small["peak_mb"] > 200


def test_env_record():
    e = collect_env("cpu")
    assert e["torch"] == torch.__version__
    assert e["threads"] == torch.get_num_threads()
    assert e["cuda"] is None and e["driver"] is None
    assert e["device_name"] == e["cpu"]
    lines = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    names = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")]
    if names:  # Linux without py-cpuinfo: the first "model name" line
        assert e["cpu"] == names[0]
