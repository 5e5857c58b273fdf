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


class _System:
    """Pickles as a call to os.system: what a hostile checkpoint does."""

    def __reduce__(self):
        import os

        return (os.system, ("echo should-never-run",))


def test_refused_pickle_says_what_was_refused_and_never_suggests_unsafe_loading(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": _tiny().state_dict(), "x": _System()}, path)
    with pytest.raises(WeightsError) as e:
        load_weights(_tiny(), path)
    msg = str(e.value)
    assert "refused" in msg and "unsupported GLOBAL posix.system" in msg
    assert "weights_only=False" not in msg and "weights_only` set to `False" not in msg


def test_garbage_message_has_no_unsafe_advice(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"\x80\x02garbage")
    with pytest.raises(WeightsError) as e:
        load_weights(_tiny(), bad)
    assert "cannot be read as a PyTorch checkpoint" in str(e.value)
    assert "False" not in str(e.value)


def test_a_checkpoint_that_does_not_fit_is_refused_unless_allow_partial(tmp_path):
    model = Wrapped()
    own = model.state_dict()
    keep = next(k for k in own if k.endswith("weight"))
    path = tmp_path / "almost-empty.pth"
    torch.save({keep: own[keep]}, path)  # 1 key of the model's
    with pytest.raises(WeightsError, match=r"does not fit this model: \d+ of \d+ model keys "
                                           r"missing.*allowance: \d+ keys.*--allow-partial"):
        load_weights(Wrapped(), path)
    info = load_weights(Wrapped(), path, allow_partial=True)
    assert info["allow_partial"] is True and len(info["missing"]) == len(own) - 1


def test_another_architectures_weights_are_refused_and_renames_are_reported(tmp_path):
    other = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.Conv2d(4, 3, 1), nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1))
    path = tmp_path / "other.pth"
    torch.save({f"backbone.{k}": v for k, v in other.state_dict().items()}, path)
    with pytest.raises(WeightsError, match=r"does not fit.*renamed keys: stripped 'backbone\.'"):
        load_weights(_tiny(), path)


def test_batchnorm_counters_and_aux_heads_are_tolerated_and_listed(tmp_path):
    sd = _tiny().state_dict()
    sd.pop("1.num_batches_tracked")
    sd.update({f"aux_classifier.{i}.weight": torch.zeros(1) for i in range(5)})
    path = tmp_path / "w.pth"
    torch.save(sd, path)
    info = load_weights(_tiny(), path)
    assert info["missing"] == ["1.num_batches_tracked"]
    assert len(info["unexpected"]) == 5
