"""bench.weights.load_weights: safe loading, key mapping, sha256, reporting."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn
from torchvision.models.segmentation import lraspp_mobilenet_v3_large

from bench.weights import WeightsError, load_weights, match_keys


class Wrapped(nn.Module):
    """An adapter that keeps the torchvision model as `self.net` (keys gain 'net.')."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.net = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None,
                                             num_classes=num_classes)

    def forward(self, x):
        return self.net(x)["out"]


def _tiny(num_classes: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Conv2d(4, num_classes, 1))


@pytest.fixture
def tv_checkpoint(tmp_path):
    torch.manual_seed(0)
    src = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=5).eval()
    path = tmp_path / "lraspp.pth"
    torch.save(src.state_dict(), path)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        want = src(x)["out"]
    return path, x, want


def test_torchvision_checkpoint_into_wrapping_adapter(tv_checkpoint):
    path, x, want = tv_checkpoint
    torch.manual_seed(1)
    model = Wrapped().eval()
    info = load_weights(model, path)
    assert info["missing"] == [] and info["unexpected"] == []
    assert info["path"] == str(path)
    assert info["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info["note"] == "renamed keys: added 'net.'"
    with torch.no_grad():
        assert torch.equal(model(x), want)


def test_reverse_prefix_and_containers(tmp_path):
    torch.manual_seed(0)
    src = _tiny()
    # DataParallel-wrapped, with a 'net.' prefix, inside {'state_dict': ...} with metadata
    sd = OrderedDict((f"module.net.{k}", v) for k, v in src.state_dict().items())
    path = tmp_path / "ckpt.pt"
    torch.save({"state_dict": sd, "epoch": 3, "meta": {"lr": 0.1}}, path)
    dst = _tiny()
    info = load_weights(dst, path)
    assert info["missing"] == [] and info["unexpected"] == []
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v), k


def test_missing_and_unexpected_reported(tmp_path):
    src = _tiny()
    sd = src.state_dict()
    sd.pop("3.bias")
    sd["aux.weight"] = torch.zeros(2)
    path = tmp_path / "partial.pth"
    torch.save({"model": sd}, path)
    info = load_weights(_tiny(), path)
    assert info["missing"] == ["3.bias"]
    assert info["unexpected"] == ["aux.weight"]


def test_safetensors(tmp_path):
    from safetensors.torch import save_file

    src = _tiny()
    path = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in src.state_dict().items()}, str(path))
    dst = _tiny()
    info = load_weights(dst, path)
    assert info["missing"] == [] and info["unexpected"] == []
    assert torch.equal(dst[0].weight, src[0].weight)


def test_sha256_checked(tmp_path):
    path = tmp_path / "w.pth"
    torch.save(_tiny().state_dict(), path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_weights(_tiny(), path, sha256=digest.upper())["sha256"] == digest
    assert load_weights(_tiny(), path, sha256=digest[:8])["sha256"] == digest  # torchvision-style
    with pytest.raises(WeightsError,
                       match=f"sha256 mismatch: expected {'0' * 64}, file has {digest}"):
        load_weights(_tiny(), path, sha256="0" * 64)


class NotATensor:
    def __init__(self):
        self.x = 1


def test_unsafe_pickle_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": _tiny().state_dict(), "obj": NotATensor()}, path)
    with pytest.raises(WeightsError, match=r"refused: .*weights_only=True"):
        load_weights(_tiny(), path)


def test_shape_mismatch_and_no_overlap(tmp_path):
    path = tmp_path / "w.pth"
    torch.save(_tiny(num_classes=21).state_dict(), path)
    with pytest.raises(WeightsError,
                       match=r"3.weight: checkpoint \(21, 4, 1, 1\) vs model \(19, 4, 1, 1\)"):
        load_weights(_tiny(num_classes=19), path)
    torch.save({"foo.bar": torch.zeros(1)}, path)
    with pytest.raises(WeightsError, match="none of the 1 checkpoint keys match"):
        load_weights(_tiny(), path)


def test_missing_file_and_garbage(tmp_path):
    with pytest.raises(WeightsError, match="weights file not found"):
        load_weights(_tiny(), tmp_path / "nope.pth")
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"garbage")
    with pytest.raises(WeightsError, match="cannot be read as a PyTorch checkpoint"):
        load_weights(_tiny(), bad)


def test_match_keys_prefers_identity():
    sd = {"a.w": torch.zeros(1), "b.w": torch.zeros(1)}
    assert match_keys(sd, ["a.w", "b.w"]) == (sd, "")
    renamed, note = match_keys({"backbone.a.w": torch.zeros(1)}, ["a.w", "b.w"])
    assert list(renamed) == ["a.w"] and note == "renamed keys: stripped 'backbone.'"
