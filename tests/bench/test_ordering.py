"""bench.ordering: a smaller variant timed slower than a larger one is re-measured, and the
re-measured figures (with the first ones) are what the records carry."""

from __future__ import annotations

from bench.ordering import check_order, inverted
from bench.record import validate_run


def run(model: str, gmacs: float, median: float, **over):
    rec = {"model": model, "paper": "mobilevit", "catalog_model": model, "harness_version": "0.1.0",
           "timestamp": "2026-12-07T12:00:00+00:00", "run_id": "ab" * 16, "device": "cpu",
           "input_size": [512, 512], "batch": 1, "precision": "fp32", "channels_last": False,
           "compile": False, "num_classes": 21, "env": {},
           "flops": {"gmacs": gmacs, "gflops": 2 * gmacs, "input_size": [512, 512]},
           "latency": lat(median), **over}
    return validate_run(rec)


def lat(median: float) -> dict:
    return {"median_ms": median, "p90_ms": median, "mean_ms": median, "std_ms": 0.0,
            "throughput_ips": 1000 / median, "warmup": 1, "iters": 6, "timer": "perf_counter",
            "unstable": False, "ci_ms": [median, median]}


def test_inversion_needs_the_same_conditions():
    xxs, s = run("xxs", 14.2, 1528.6), run("s", 42.3, 1083.5)
    assert inverted(xxs, s) == (xxs, s) and inverted(s, xxs) == (xxs, s)
    assert inverted(run("xxs", 14.2, 900.0), s) is None
    assert inverted(xxs, run("s", 42.3, 1083.5, input_size=[256, 256])) is None
    assert inverted(xxs, run("s", 42.3, 1083.5, engine="onnxruntime")) is None


def test_remeasured_and_resolved():
    xxs, s = run("xxs", 14.2, 1528.6), run("s", 42.3, 1083.5)
    calls = []

    def again(key):
        calls.append(key)
        return lat({"xxs": 700.0, "s": 1100.0}[key])

    appended = check_order(xxs, [s], again)
    assert calls == ["xxs", "s"]
    assert xxs.latency.median_ms == 700.0 and appended[0].latency.median_ms == 1100.0
    (entry,) = xxs.latency.family_order
    assert (entry.smaller, entry.larger, entry.persists) == ("xxs", "s", False)
    assert (entry.first_smaller_ms, entry.first_larger_ms) == (1528.6, 1083.5)
    assert appended[0].latency.family_order == [entry] and appended[0].run_id != s.run_id


def test_a_persisting_inversion_is_noted():
    xs, s = run("xs", 30.0, 1200.0), run("s", 42.3, 1000.0)
    check_order(s, [xs], lambda key: lat({"xs": 1190.0, "s": 1010.0}[key]))
    assert s.latency.family_order[0].persists is True
    assert s.latency.median_ms == 1010.0


def test_no_inversion_no_remeasure():
    def never(key):
        raise AssertionError("re-measured without an inversion")

    a = run("xxs", 14.2, 500.0)
    assert check_order(a, [run("s", 42.3, 1000.0)], never) == [] and a.latency.family_order == []
