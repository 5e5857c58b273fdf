"""Parameter counts: exact, against torchvision's published `num_params`."""

from __future__ import annotations

import pytest
from torch import nn

from bench.measure.params import SCOPE, count_params

from .conftest import TV_MODELS, tv_meta, tv_model


@pytest.mark.parametrize("name", list(TV_MODELS))
def test_torchvision_num_params_exact(name):
    model = tv_model(name)
    full = count_params(model, exclude=frozenset())
    assert full["total"] == tv_meta(name)["num_params"]  # meta counts the aux head too
    default = count_params(model)
    head = getattr(model, "aux_classifier", None)  # LR-ASPP has none
    aux = sum(p.numel() for p in head.parameters()) if head is not None else 0
    assert default["total"] == full["total"] - aux
    assert default["excluded"] == aux
    assert default["scope"] == SCOPE


def test_fcn_resnet50_without_aux():
    # 35,322,218 (meta) - aux head (1024*256*9 conv + BN 2*256 + 256*21 + 21 classifier)
    aux = 1024 * 256 * 9 + 2 * 256 + 256 * 21 + 21
    assert count_params(tv_model("fcn_resnet50"))["total"] == 35_322_218 - aux == 32_957_013


def test_trainable_frozen_and_shared(tiny):
    for p in tiny.body[0].parameters():
        p.requires_grad_(False)
    tiny.shared = tiny.body[2]  # the same module twice: its parameters count once
    c = count_params(tiny)
    assert c["total"] == (3 * 8 * 9 + 8) + (8 * 4 + 4) == 260
    assert c["trainable"] == 8 * 4 + 4 == 36
    assert c["excluded"] == 8 * 4 + 4  # aux_classifier


def test_buffers_not_counted():
    bn = nn.BatchNorm2d(16)  # 32 affine params, 33 buffer elements (mean, var, num_batches)
    assert count_params(bn)["total"] == 32
