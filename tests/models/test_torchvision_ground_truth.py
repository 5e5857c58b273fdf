"""Ground truth for the torchvision adapters: torchvision's own published meta.

- params: exactly ``Weights.DEFAULT.meta["num_params"]``.
- ``meta["_ops"]`` (documented as GFLOPS, in fact GMACs): equals FlopCounterMode's total / 2 at
  1x3x520x520 (the weights' eval resize), rounded to 3 decimals. Found by trying: 520x520 with
  the aux head run (as torchvision's eval forward does) matches all six; e.g. fcn_resnet50
  counts 305.433024 GFLOPs -> 152.716512 GMACs -> meta 152.717. Without the aux head it would
  be 142.726 (no match). Counted on the meta device: no memory, no arithmetic, well under 1 s.
"""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from bench.models.registry import build, get_spec
from bench.models.torchvision_zoo import TORCHVISION_MODELS, build_torchvision, published_weights

KEYS = sorted(TORCHVISION_MODELS)


@pytest.mark.parametrize("key", KEYS)
def test_params_equal_torchvision_meta(key):
    model = build(key)
    ours = sum(p.numel() for p in model.parameters())
    assert ours == published_weights(key).meta["num_params"]


@pytest.mark.parametrize("key", KEYS)
def test_flopcounter_half_equals_meta_ops(key):
    spec = get_spec(key)
    assert spec.input_size == (520, 520)
    with torch.device("meta"):
        model = build_torchvision(key).eval()
        x = torch.empty(1, 3, *spec.input_size)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = model(x)
    assert out.shape == (1, 21, 520, 520)
    gmacs = counter.get_total_flops() / 2 / 1e9
    assert round(gmacs, 3) == published_weights(key).meta["_ops"]


def test_expected_meta_values():
    # Pinned so a torchvision upgrade that changes the published figures is noticed.
    metas = {k: (published_weights(k).meta["num_params"], published_weights(k).meta["_ops"])
             for k in KEYS}
    assert metas == {
        "tv-deeplabv3-mobilenet-v3-large": (11029328, 10.452),
        "tv-deeplabv3-resnet101": (60996202, 258.743),
        "tv-deeplabv3-resnet50": (42004074, 178.722),
        "tv-fcn-resnet101": (54314346, 232.738),
        "tv-fcn-resnet50": (35322218, 152.717),
        "tv-lraspp-mobilenet-v3-large": (3221538, 2.086),
    }


def test_adapter_returns_tensor_and_keeps_torchvision_keys():
    model = build("tv-lraspp-mobilenet-v3-large")
    with torch.no_grad():
        y = model(torch.randn(1, 3, 64, 96))
    assert isinstance(y, torch.Tensor) and y.shape == (1, 21, 64, 96)
    assert sorted(model.state_dict())[:2] == ["backbone.0.0.weight", "backbone.0.1.bias"]
