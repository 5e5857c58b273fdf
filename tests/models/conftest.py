"""Shared helpers for the model tests."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from bench.measure.flops import _meta_state


def mmcv_gmacs(model: nn.Module, size: tuple[int, int], activations: tuple[type, ...] = ()) -> float:
    """GMACs by mmcv 1.x `get_model_complexity_info`'s rules (mmcv/cnn/utils/flops_counter.py),
    as forward hooks on the meta device: Conv2d k*k*cin/groups*cout per output position (+cout
    with a bias), BatchNorm2d 2 per input element (affine), ReLU/ReLU6 and `activations` 1 per
    output element; functional ops (matmul, interpolate, adaptive pooling, mul) count nothing.
    The mmseg-based repositories print this figure as "FLOPs"."""
    total = 0

    def conv(m, inputs, out):
        nonlocal total
        positions = out.numel() // out.shape[1]
        total += positions * (math.prod(m.kernel_size) * m.in_channels * m.out_channels // m.groups
                              + (m.out_channels if m.bias is not None else 0))

    def norm(m, inputs, out):
        nonlocal total
        total += 2 * inputs[0].numel()

    def activation(m, inputs, out):
        nonlocal total
        total += out.numel()

    hooks = {nn.Conv2d: conv, nn.BatchNorm2d: norm, nn.ReLU: activation, nn.ReLU6: activation,
             **dict.fromkeys(activations, activation)}
    handles = [m.register_forward_hook(hooks[type(m)]) for m in model.modules() if type(m) in hooks]
    try:
        with torch.no_grad():
            x = torch.randn(1, 3, *size, device="meta")
            torch.func.functional_call(model, _meta_state(model), (x,))
    finally:
        for h in handles:
            h.remove()
    return total / 1e9


@pytest.fixture
def mmcv_counter():
    return mmcv_gmacs


def check_counts(key: str, total: int, aux: int, published_m: float | None = None) -> None:
    """The registered model `key`, built on the meta device, has exactly `total` parameters at
    inference and `aux` in its training-only auxiliary head; their sum rounds to the published
    figure in millions (as printed: 0 or 1 decimal) when one is given."""
    from bench.measure.params import count_params
    from bench.models.registry import get_spec

    with torch.device("meta"):
        c = count_params(get_spec(key).build())
    assert (c["total"], c["excluded"]) == (total, aux)
    if published_m is not None:
        decimals = 0 if float(published_m).is_integer() else 1
        assert round((total + aux) / 1e6, decimals) == published_m
