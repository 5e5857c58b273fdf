"""Shared fixtures for the bench harness tests: tiny models and torchvision builders."""

from __future__ import annotations

import functools

import pytest
import torch
import torchvision
from torch import nn

# torchvision builder name -> bench key of the adapter (docs/dev/conventions.md)
TV_MODELS = {
    "fcn_resnet50": "tv-fcn-resnet50",
    "fcn_resnet101": "tv-fcn-resnet101",
    "deeplabv3_resnet50": "tv-deeplabv3-resnet50",
    "deeplabv3_resnet101": "tv-deeplabv3-resnet101",
    "deeplabv3_mobilenet_v3_large": "tv-deeplabv3-mobilenet-v3-large",
    "lraspp_mobilenet_v3_large": "tv-lraspp-mobilenet-v3-large",
}
SMALL_KEY = "tv-lraspp-mobilenet-v3-large"


@functools.cache
def tv_model(name: str, device: str = "meta") -> nn.Module:
    """torchvision's model exactly as its weights' metadata describes it (aux head on, when the
    published weights have one), eval mode. On the meta device by default: shapes only, so
    building and counting the ResNet-101 models takes well under a second."""
    kw = {} if name.startswith("lraspp") else {"aux_loss": True}
    torch.manual_seed(0)
    with torch.device(device):
        return torchvision.models.get_model(name, weights=None, weights_backbone=None,
                                            num_classes=21, **kw).eval()


def tv_meta(name: str) -> dict:
    return torchvision.models.get_model_weights(name).DEFAULT.meta


class Tiny(nn.Module):
    """conv 3->8 (3x3, pad 1) + ReLU + conv 8->4 (1x1): MACs per pixel 3*8*9 + 8*4 = 248."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 1))
        self.aux_classifier = nn.Conv2d(8, 4, 1)  # never called in forward: an aux head

    def forward(self, x):
        return self.body(x)


@pytest.fixture
def tiny() -> nn.Module:
    torch.manual_seed(0)
    return Tiny().eval()


def registered(key: str) -> bool:
    from bench.models.registry import all_specs

    return key in all_specs()


needs_small = pytest.mark.skipif(not registered(SMALL_KEY), reason=f"{SMALL_KEY} not registered")
