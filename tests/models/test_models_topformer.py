"""TopFormer-T/S/B (bench.models.topformer): exact parameter counts against the README, the
parts counted from the configs' channels, output shapes, and FLOPs in two conventions.

Published figures: the official README (hustvl/TopFormer @ cc0f436, "Main results", ADE20K
table, columns Params(M) and FLOPs(G)), i.e. the catalog's `topformer` efficiency claims. The
repository counts FLOPs with mmcv `get_model_complexity_info` (tools/get_flops.py): module hooks
that count convolutions (with bias), BatchNorm (2 per element), ReLU/ReLU6 (1 per element) and
nothing for functional ops (matmul, interpolate, adaptive pooling); the README prints no input
size (the claims are therefore not judged). Counts are on the meta device (shapes only).
"""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

import bench.models.topformer  # noqa: F401  (registers the family)
from bench.measure.flops import _meta_state, flopcounter
from bench.models.registry import get_spec
from bench.models.topformer import CFGS, HSigmoid, TopFormer


@functools.cache
def _meta(variant: str, num_classes: int = 150) -> TopFormer:
    with torch.device("meta"):
        return TopFormer(variant, num_classes).eval()


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# Ours vs README Params(M): 1.4, 3.1, 5.1. T and B round to their figure. S is 3.03M, 2.1%
# below "3.1": a MISMATCH, not explained. The S config (local_configs/topformer/
# topformer_small.py) is built as written: 10 pyramid layers, channels [24, 48, 96, 128], SIM
# width 192, 6 heads, and a dense 1x1 fuse conv (the config does not set `is_dw`); the sub-module
# counts below follow from the config's channels. Neither a depth-wise fuse conv (-36,672) nor a
# SIM on the 1/4 tokens (+14,976) reaches 3.05M.
PARAMS = {"t": (1_389_654, 1.4), "s": (3_034_662, 3.1), "b": (5_062_646, 5.1)}


@pytest.mark.parametrize("variant", list(PARAMS))
def test_param_count(variant: str) -> None:
    assert _count(_meta(variant)) == PARAMS[variant][0]


def test_readme_params() -> None:
    rounded = {v: round(n / 1e6, 1) for v, (n, _) in PARAMS.items()}
    assert rounded == {"t": 1.4, "s": 3.0, "b": 5.1}  # README: 1.4, 3.1, 5.1


def _transformer_block(dim: int, heads: int, key_dim: int = 16) -> int:
    nh_kd, dh, hidden = key_dim * heads, 2 * key_dim * heads, 2 * dim
    attention = 2 * (dim * nh_kd + 2 * nh_kd) + (dim * dh + 2 * dh) + (dh * dim + 2 * dim)
    mlp = (dim * hidden + 2 * hidden) + (9 * hidden + hidden) + (hidden * dim + 2 * dim)
    return attention + mlp


@pytest.mark.parametrize("variant", list(CFGS))
def test_parts_counted_from_config_channels(variant: str) -> None:
    _, _, channels, width, heads, dw = CFGS[variant]
    model = _meta(variant)
    # 4 blocks over the concatenated pyramid (sum of the channels); every 1x1 conv without bias
    # + BN, the MLP's depth-wise 3x3 with bias
    assert _count(model.trans) == 4 * _transformer_block(sum(channels), heads)
    # InjectionMultiSum on the 1/8, 1/16, 1/32 tokens: three 1x1 conv + BN, channels[i] -> width
    assert _count(model.sim) == sum(3 * (c * width + 2 * width) for c in channels[1:])
    fuse = (width if dw else width * width) + 2 * width
    assert _count(model.linear_fuse) + _count(model.conv_seg) == fuse + width * 150 + 150


def test_forward_shapes() -> None:
    for variant in CFGS:
        model = TopFormer(variant, num_classes=19).eval()
        with torch.no_grad():
            y = model(torch.randn(1, 3, 96, 64))
        assert tuple(y.shape) == (1, 19, 96, 64) and torch.isfinite(y).all()


def test_registry_settings() -> None:
    for v in CFGS:
        spec = get_spec(f"topformer-{v}")
        assert (spec.paper, spec.num_classes, spec.input_size) == ("topformer", 150, (512, 512))
        assert "cc0f4369698bd813a0d8eefcdcf2d28d91080e21" in spec.official_code


# (variant, size) -> (README FLOPs(G), ours FlopCounterMode GMACs, ours with mmcv's rules)
FLOPS = {
    ("t", (512, 512)): (0.6, 0.534, 0.577),
    ("t", (448, 448)): (0.5, 0.408, 0.441),
    ("s", (512, 512)): (1.2, 1.112, 1.165),
    ("b", (512, 512)): (1.8, 1.752, 1.813),
}


@pytest.mark.parametrize("variant,size", list(FLOPS))
def test_gmacs_in_both_conventions(variant, size, mmcv_counter) -> None:
    published, ours, ours_mmcv = FLOPS[(variant, size)]
    model = _meta(variant)
    x = torch.randn(1, 3, *size, device="meta")
    assert round(flopcounter(model, x, _meta_state(model))["flops"] / 2e9, 3) == ours
    ours_mmcv_now = mmcv_counter(model, size, activations=(HSigmoid,))  # official h_sigmoid: a ReLU6
    assert round(ours_mmcv_now, 3) == ours_mmcv
    # At 512x512 mmcv's rules give each README figure; the 448x448 rows' "0.5" is above both
    # counts at 448x448 (the README gives no size; ADE20K's test images are resized to a short
    # side of 448, not cropped, so the counted input is not known).
    assert (round(ours_mmcv, 1) == published) == (size == (512, 512))
