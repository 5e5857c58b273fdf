"""FLOP counters: exact on a tiny model, and equal to torchvision's `_ops` metadata.

torchvision's `_ops` (its docs call them GFLOPS) is the convolutions' multiply-add count at
520x520, the evaluation resize of its segmentation weights: measured here, all six models
agree to the 3 printed decimals.
"""

from __future__ import annotations

import pytest
import torch

from bench.measure.flops import count_flops, flopcounter

from .conftest import TV_MODELS, tv_meta, tv_model


def test_tiny_exact(tiny):
    r = count_flops(tiny, (8, 8))
    macs = 64 * (3 * 8 * 9 + 8 * 4)  # 15,872
    assert r["gmacs"] == pytest.approx(macs / 1e9, abs=1e-12)
    assert r["gflops"] == pytest.approx(2 * macs / 1e9, abs=1e-12)
    assert r["conv_gmacs"] == r["gmacs"]
    assert r["fvcore_gmacs"] == pytest.approx(macs / 1e9, abs=1e-12)  # no norm/pool here
    assert r["input_size"] == [8, 8]
    assert "aten.relu" in r["skipped"]["flopcounter"]
    assert r["skipped"]["fvcore"] == []  # fvcore treats relu as free, not unsupported


def test_fvcore_failure_is_recorded(tiny, monkeypatch):
    import bench.measure.flops as F

    def boom(model, x):
        raise RuntimeError("trace failed")

    monkeypatch.setattr(F, "fvcore_count", boom)
    r = count_flops(tiny, (8, 8))
    assert r["fvcore_gmacs"] is None
    assert r["fvcore_error"] == "RuntimeError: trace failed"
    assert r["gmacs"] == pytest.approx(64 * 248 / 1e9)


@pytest.mark.parametrize("name", list(TV_MODELS))
def test_torchvision_ops_ground_truth(name):
    x = torch.randn(1, 3, 520, 520, device="meta")  # shapes are all FlopCounterMode needs
    conv_macs = flopcounter(tv_model(name), x)["conv_flops"] / 2 / 1e9
    assert round(conv_macs, 3) == tv_meta(name)["_ops"]


def test_meta_count_equals_real_count():
    """count_flops counts on meta tensors; a real forward gives the same figures."""
    model = tv_model("lraspp_mobilenet_v3_large", "cpu")
    r = count_flops(model, (520, 520), fvcore=False)
    assert r["counted_on"] == "meta"
    real = flopcounter(model, torch.randn(1, 3, 520, 520))
    assert r["gflops"] == round(real["flops"] / 1e9, 9)
    assert round(r["conv_gmacs"], 3) == 2.086
    assert set(r["skipped"]["flopcounter"]) == set(real["skipped"])


def test_fvcore_conv_matches_ops():
    """fvcore's `conv` entry equals the same ground truth (small model only: tracing is slow)."""
    from bench.measure.flops import fvcore_count

    fv = fvcore_count(tv_model("lraspp_mobilenet_v3_large", "cpu"), torch.randn(1, 3, 520, 520))
    assert round(fv["by_op"]["conv"] / 1e9, 3) == 2.086
    assert "aten::hardswish_" in fv["skipped"]
