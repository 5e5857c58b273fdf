"""EfficientViT-B0..B3/L1/L2 segmentation (bench.models.efficientvit): exact parameter counts and
MACs for both datasets' networks, against the official README, and the backbone against timm's.

Published: mit-han-lab/efficientvit applications/efficientvit_seg/README.md @ de7d773, tables
"Cityscapes" (1024x2048, 19 classes) and "ADE20K" (512x512, 150 classes), columns Params and
MACs, i.e. the catalog's `efficientvit` efficiency claims. The two datasets' networks differ in
the head (efficientvit/models/efficientvit/seg.py), so each is counted on its own build.

The README does not name its counter (torchprofile is in requirements.txt, but nothing in the
repository calls it). Its MACs are the multiply-adds of convolutions and matrix products, i.e.
FlopCounterMode / 2: all eleven figures are our count at the printed precision, while adding one
MAC per batch-norm output (torchprofile's affine-norm rule) would print L1 Cityscapes as 283 G
and B0 as 4.5 G. Neither counts the bicubic upsampling of the head nor the resize to the input.
Counts are on the meta device (shapes only).
"""

from __future__ import annotations

import functools
import math

import pytest
import timm
import torch
from torch.utils.flop_counter import FlopCounterMode

from bench.measure.flops import _meta_state, flopcounter
from bench.measure.params import count_params
from bench.models.efficientvit import BACKBONES, HEADS, EfficientViTSeg, LiteMLA
from bench.models.registry import get_spec

from .conftest import check_counts

aten = torch.ops.aten
KEYS = [f"efficientvit-seg-{v}" for v in BACKBONES]
SIZES = {"cityscapes": ((1024, 2048), 19), "ade20k": ((512, 512), 150)}


@functools.cache
def _meta(variant: str, dataset: str) -> EfficientViTSeg:
    with torch.device("meta"):
        return EfficientViTSeg(variant, SIZES[dataset][1], dataset=dataset).eval()


# The registered (Cityscapes, 19-class) builds: exact counts, the README's Params rounding.
COUNTS = {  # key: (without aux, aux, README Cityscapes M)
    "efficientvit-seg-b0": (706_691, 0, 0.7),
    "efficientvit-seg-b1": (4_803_443, 0, 4.8),
    "efficientvit-seg-b2": (15_323_779, 0, 15),
    "efficientvit-seg-b3": (39_603_155, 0, 40),
    "efficientvit-seg-l1": (40_242_227, 0, 40),
    "efficientvit-seg-l2": (52_607_923, 0, 53),
}


@pytest.mark.parametrize("key", list(COUNTS))
def test_params(key):
    check_counts(key, *COUNTS[key])


# (variant, dataset) -> (parameters, README Params in M, FlopCounterMode GMACs, README MACs in G)
TABLE = {
    ("b0", "cityscapes"): (706_691, 0.7, 4.391, 4.4),
    ("b1", "cityscapes"): (4_803_443, 4.8, 25.105, 25),
    ("b2", "cityscapes"): (15_323_779, 15, 73.641, 74),
    ("b3", "cityscapes"): (39_603_155, 40, 179.228, 179),
    ("l1", "cityscapes"): (40_242_227, 40, 282.480, 282),
    ("l2", "cityscapes"): (52_607_923, 53, 396.123, 396),
    ("b1", "ade20k"): (4_791_414, 4.8, 3.090, 3.1),
    ("b2", "ade20k"): (15_293_382, 15, 9.083, 9.1),
    ("b3", "ade20k"): (39_546_198, 39, 22.174, 22),   # 39.55 M: the README prints 39
    ("l1", "ade20k"): (40_409_526, 40, 36.339, 36),
    ("l2", "ade20k"): (51_462_454, 51, 45.175, 45),
}


def _printed(value: float, published: float) -> float:
    decimals = 0 if float(published).is_integer() else 1
    return round(value, decimals)


@pytest.mark.parametrize("variant,dataset", list(TABLE))
def test_params_per_dataset_vs_readme(variant, dataset):
    ours, published, _, _ = TABLE[(variant, dataset)]
    assert count_params(_meta(variant, dataset))["total"] == ours
    if (variant, dataset) == ("b3", "ade20k"):
        # a finding, not tuned: 39.546 M rounds to 40 (the Cityscapes build, 39.603 M, is
        # printed 40); 0.55 M off the printed 39, outside its rounding (0.5 M) and 1%
        assert _printed(ours / 1e6, published) == 40
    else:
        assert _printed(ours / 1e6, published) == published


@pytest.mark.parametrize("variant,dataset", list(TABLE))
def test_gmacs_vs_readme(variant, dataset):
    _, _, ours, published = TABLE[(variant, dataset)]
    model = _meta(variant, dataset)
    size = SIZES[dataset][0]
    gmacs = flopcounter(model, torch.randn(1, 3, *size, device="meta"), _meta_state(model))["flops"] / 2e9
    assert round(gmacs, 3) == ours
    assert _printed(gmacs, published) == published


def _with_bn_gmacs(model, size) -> float:
    """FlopCounterMode plus one multiply-add per batch-norm output (torchprofile's norm rule)."""
    def per_output(*args, out_shape=None, **kwargs) -> int:
        return 2 * math.prod(out_shape[0])

    x = torch.randn(1, 3, *size, device="meta")
    rules = {aten._native_batch_norm_legit_no_training: per_output}
    with torch.no_grad(), FlopCounterMode(display=False, custom_mapping=rules) as fc:
        torch.func.functional_call(model, _meta_state(model), (x,))
    return fc.get_total_flops() / 2e9


def test_readme_macs_leave_batch_norm_out():
    for variant, published in (("b0", 4.4), ("l1", 282)):
        with_bn = _with_bn_gmacs(_meta(variant, "cityscapes"), SIZES["cityscapes"][0])
        assert _printed(with_bn, published) != published   # 4.486 -> 4.5, 282.796 -> 283


def test_heads_per_dataset():
    # the class count picks the official factory's dataset; B0 has only the Cityscapes head
    assert EfficientViTSeg("b1", 150).dataset == "ade20k"
    assert EfficientViTSeg("b0", 150).dataset == "cityscapes"
    assert EfficientViTSeg("l2", 21).dataset == "cityscapes"
    assert {d for _, d in HEADS} == {"cityscapes", "ade20k"}
    # L2: the Cityscapes head is wider and deeper (256 wide, 5 FusedMBConvs, expand 1) than the
    # ADE20K head (128 wide, 3 FusedMBConvs, expand 4, final expand 8), which L1 and L2 share
    heads = {(v, d): count_params(_meta(v, d).head)["total"] for v, d in HEADS if v[0] == "l"}
    assert heads[("l1", "ade20k")] == heads[("l2", "ade20k")] == 2_372_246
    assert heads[("l2", "cityscapes")] - heads[("l1", "cityscapes")] == 2 * (256 * 9 * 256 + 2 * 256 + 256 * 256 + 2 * 256)


@pytest.mark.parametrize("variant", ["b0", "l1"])
def test_backbone_equals_timm_efficientvit(variant):
    # timm's efficientvit_{b,l}* (MIT, a port of the same code) with our weights computes the
    # same stage features; the parameter counts of all six backbones match it
    torch.manual_seed(0)
    ours = EfficientViTSeg(variant).eval()
    ref = timm.create_model(f"efficientvit_{variant}", features_only=True, out_indices=(0, 1, 2, 3)).eval()
    for m in ref.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps = ours.backbone[0][0][1].eps
        elif type(m).__name__ == "LiteMLA":
            m.eps = 1e-15
    ref.load_state_dict(dict(zip(ref.state_dict(), ours.backbone.state_dict().values())))
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        a, b = ours.features(x)[1:], ref(x)
    for fa, fb in zip(a, b):
        torch.testing.assert_close(fa, fb)


def test_backbone_counts_equal_timm():
    for variant in BACKBONES:
        with torch.device("meta"):
            ref = timm.create_model(f"efficientvit_{variant}")
        timm_backbone = sum(p.numel() for k, p in ref.named_parameters() if not k.startswith("head"))
        assert count_params(_meta(variant, "cityscapes").backbone)["total"] == timm_backbone


def test_linear_and_quadratic_attention_agree():
    # LiteMLA takes the N x N form when H*W <= dim; both normalise over the keys the same way
    torch.manual_seed(0)
    att = LiteMLA(32, 16)
    q, k, v = torch.rand(3, 1, 2, 16, 24).unbind(0)  # (B, heads, dim, N)
    torch.testing.assert_close(att.linear(q, k, v), att.quadratic(q, k, v))


def test_forward_shapes():
    with torch.no_grad():
        y = EfficientViTSeg("b0").eval()(torch.randn(2, 3, 64, 128))   # 2x4 at 1/32: quadratic
        assert tuple(y.shape) == (2, 19, 64, 128) and torch.isfinite(y).all()
        y = EfficientViTSeg("l1", 150).eval()(torch.randn(1, 3, 96, 64))
        assert tuple(y.shape) == (1, 150, 96, 64) and torch.isfinite(y).all()


def test_registry_settings():
    for key in KEYS:
        spec = get_spec(key)
        assert (spec.paper, spec.num_classes, spec.input_size) == ("efficientvit", 19, (1024, 2048))
        assert "de7d7733cc0329f391b33f1f459271562ec27bd5" in spec.official_code
