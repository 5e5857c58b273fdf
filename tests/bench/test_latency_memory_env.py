"""Latency statistics, precision rules, memory and environment records."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bench.measure.env import collect_env
from bench.measure.latency import (
    LatencyConfigError,
    Protocol,
    measure_latency,
    median_ci,
    summarize,
    time_blocks,
)
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


def test_median_ci_order_statistics():
    # the textbook ranks: n=20 -> 6th and 15th (coverage 95.86 %); n=6 -> the range (96.9 %)
    assert median_ci(list(range(1, 21))) == (6, 15, pytest.approx(0.958611, abs=1e-6))
    assert median_ci([5, 1, 4, 2, 6, 3]) == (1, 6, pytest.approx(0.96875))
    lo, hi, level = median_ci([1.0, 2.0, 3.0])  # too few for 95 %: the range, at its level
    assert (lo, hi, level) == (1.0, 3.0, 0.75)


def test_summarize_spread_and_ci():
    s = summarize([10.0, 20.0, 30.0, 40.0, 50.0], batch=1)
    assert s["ci_ms"] == [10.0, 50.0] and s["ci_level"] == 0.9375
    assert s["rel_ci"] == pytest.approx(20 / 30, abs=1e-4)
    assert s["spread"] == pytest.approx(46 / 30, abs=1e-4)


def _clock(values):
    it = iter(values)
    return lambda: next(it)


def test_blocks_settle_on_steady_timings():
    # probe 500 ms -> blocks of 4 (2 s each); two equal blocks settle at once
    r = time_blocks(_clock([500.0] + [100.0] * 50), warmup=1, protocol=Protocol(block_s=2.0))
    assert r["unstable"] is False and r["blocks"] == 2 and r["block_iters"] == 4
    assert r["samples_used"] == 8 and r["median_ms"] == 100.0 and r["ci_ms"] == [100.0, 100.0]
    assert r["protocol"]["max_spread"] == 1.25


def test_noisy_timings_then_quiet_settle_on_the_recent_blocks():
    noisy = [100.0, 300.0] * 4             # two blocks of 4 with p90/median 3
    quiet = [100.0, 101.0, 102.0, 100.0] * 2
    r = time_blocks(_clock([500.0] + noisy + quiet), warmup=1, protocol=Protocol(block_s=2.0))
    assert r["unstable"] is False and r["blocks"] == 4 and r["iters"] == 16
    assert r["samples_used"] == 8 and r["median_ms"] == 100.5  # the two quiet blocks


def test_never_settling_is_unstable_over_all_timings():
    r = time_blocks(_clock([500.0] + [100.0, 400.0] * 30), warmup=1,
                    protocol=Protocol(block_s=2.0, max_samples=12))
    assert r["unstable"] is True and r["iters"] == 12 and r["samples_used"] == 12
    assert r["median_ms"] == 250.0 and r["spread"] == pytest.approx(1.6)


def test_fixed_iters_are_judged_too(tiny):
    r = measure_latency(tiny, (16, 16), warmup=1, iters=3)
    assert r["blocks"] == 1 and r["unstable"] is True  # 3 timings cannot give a 95 % CI
    assert r["threads"] == torch.get_num_threads()


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
