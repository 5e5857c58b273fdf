"""The mmseg heads on timm backbones (bench.models._timm_seg): parameter counts by the configs'
arithmetic, the auxiliary head built but not run, channels-last stage maps handled."""

from __future__ import annotations

import torch

from bench.measure.params import count_params
from bench.models._timm_seg import semantic_fpn, upernet


def _conv(cin, cout, k, bias=True):
    return cin * cout * k * k + (cout if bias else 0)


def test_semantic_fpn_is_the_fpn_r50_config_arithmetic():
    m = semantic_fpn("pvt_v2_b0", num_classes=150)
    backbone = sum(p.numel() for p in m.backbone.parameters())
    chans = [32, 64, 160, 256]   # PVTv2-B0 stage widths
    neck = sum(_conv(c, 256, 1) for c in chans) + 4 * _conv(256, 256, 3)
    block = lambda cin: _conv(cin, 128, 3, bias=False) + 2 * 128          # conv + BN affine
    head = (block(256) + block(256) + (block(256) + block(128))
            + (block(256) + 2 * block(128)) + _conv(128, 150, 1))
    assert sum(p.numel() for p in m.parameters()) == backbone + neck + head
    assert tuple(m(torch.randn(1, 3, 64, 64)).shape) == (1, 150, 64, 64)


def test_upernet_builds_the_auxiliary_head_and_leaves_it_out_of_inference():
    m = upernet("mambaout_femto", num_classes=150)       # channels-last stage maps
    aux = sum(p.numel() for p in m.auxiliary_head.parameters())
    # FCNHead: one 3x3 conv (stage-3 width -> 256) + BN, then a 1x1 classifier
    c3 = m.backbone.channels[2]
    assert aux == _conv(c3, 256, 3, bias=False) + 2 * 256 + _conv(256, 150, 1)
    counted = count_params(m)
    assert counted["excluded"] == aux
    calls = []
    m.auxiliary_head.register_forward_hook(lambda *a: calls.append(1))
    with torch.no_grad():
        assert tuple(m(torch.randn(1, 3, 64, 64)).shape) == (1, 150, 64, 64)
    assert calls == []
