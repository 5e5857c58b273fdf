"""Load a checkpoint into a bench model, safely and verbosely.

- `.safetensors` through safetensors; anything else (.pth, .pt, .bin) through
  `torch.load(weights_only=True)`: a pickle that needs arbitrary Python objects is refused.
- Common containers are unwrapped ('state_dict', 'model', 'model_state', 'net', ...) and a
  DataParallel 'module.' prefix is stripped.
- Key layouts that differ by one common prefix (a checkpoint of the bare torchvision model
  loaded into an adapter that wraps it as `self.net`, or the reverse) are matched generically.
- A sha256 given by the caller (or the catalog) is checked before anything is unpickled.
- Loading is `strict=False`; missing and unexpected keys are returned for the caller to print.
  A key present on both sides with a different shape is an error (e.g. a 21-class head loaded
  into a 19-class model).
"""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path

import torch
import torch.nn as nn

_CONTAINERS = ("state_dict", "model", "model_state", "model_state_dict", "net", "network",
               "params", "weights")


class WeightsError(Exception):
    """A checkpoint that cannot be used (missing, wrong hash, unsafe pickle, shape mismatch)."""


def sha256sum(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The flat tensor dict stored in `path` (containers unwrapped, 'module.' stripped)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            obj = load_file(str(path))
        except Exception as exc:
            raise WeightsError(f"{path}: not a readable safetensors file ({exc})") from exc
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            msg = str(exc)
            detail = re.search(r"WeightsUnpickler error:\s*(.+?)(?:\. Please use|\n\n|$)", msg,
                               re.S)
            detail = " ".join(detail.group(1).split()) if detail else msg.splitlines()[0]
            if "Unsupported global" not in msg:
                raise WeightsError(f"{path}: cannot be read as a PyTorch checkpoint "
                                   f"({detail})") from exc
            raise WeightsError(
                f"{path}: refused: the pickle needs Python objects beyond tensors ({detail}), "
                f"which torch.load(weights_only=True) does not execute. Re-save only the "
                f"tensors, e.g. torch.save(model.state_dict(), 'clean.pth'), or convert to "
                f".safetensors.") from exc
        except Exception as exc:
            raise WeightsError(f"{path}: cannot be read as a PyTorch checkpoint ({exc})") from exc
    return _unwrap(obj, path)


def _unwrap(obj, path: Path) -> dict[str, torch.Tensor]:
    # Descend into known containers until the dict holds tensors.
    for _ in range(3):
        if isinstance(obj, dict) and not any(isinstance(v, torch.Tensor) for v in obj.values()):
            key = next((k for k in _CONTAINERS if isinstance(obj.get(k), dict)), None)
            if key is None:
                break
            obj = obj[key]
    if not isinstance(obj, dict) or not obj:
        raise WeightsError(f"{path}: no state dict found (top-level type {type(obj).__name__})")
    sd = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not sd:
        raise WeightsError(f"{path}: no tensors found; keys: {list(obj)[:8]}")
    if all(k.startswith("module.") for k in sd):
        sd = {k[len("module."):]: v for k, v in sd.items()}
    return sd


def _prefixes(keys, depth: int = 2) -> set[str]:
    out = set()
    for k in keys:
        parts = k.split(".")
        for d in range(1, min(depth, len(parts) - 1) + 1):
            out.add(".".join(parts[:d]) + ".")
    return out


def match_keys(sd: dict[str, torch.Tensor], target_keys) -> tuple[dict[str, torch.Tensor], str]:
    """Rename `sd` keys by stripping and/or adding one prefix if that matches `target_keys` better.

    Returns the renamed dict and a note describing the rename ('' when none).
    """
    target = set(target_keys)
    best, best_hits, note = sd, len(target & set(sd)), ""
    if best_hits == len(sd):
        return sd, ""
    # prefixes worth stripping are shared by most checkpoint keys; any target prefix may be added
    strips = [""] + sorted(p for p in _prefixes(sd)
                           if sum(k.startswith(p) for k in sd) > len(sd) // 2)
    adds = [""] + sorted(_prefixes(target, depth=2))
    for s in strips:
        stripped = {(k[len(s):] if s and k.startswith(s) else k): v for k, v in sd.items()}
        for a in adds:
            cand = {a + k: v for k, v in stripped.items()}
            hits = len(target & set(cand))
            if hits > best_hits:
                best, best_hits = cand, hits
                note = f"renamed keys: stripped '{s}', added '{a}'".replace(
                    "stripped '', ", "").replace(", added ''", "")
    return best, note


def load_weights(model: nn.Module, path: str | Path, sha256: str | None = None) -> dict:
    """Load `path` into `model` (in place). Returns {path, sha256, missing, unexpected}.

    Raises WeightsError on a missing file, a sha256 mismatch, an unsafe pickle, or a shape
    mismatch of a key present on both sides.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    digest = sha256sum(path)
    if sha256 is not None:
        want = sha256.lower().strip()
        # torchvision-style file names carry a hash prefix; accept a prefix as the catalog may
        ok = digest == want if len(want) == 64 else (len(want) >= 8 and digest.startswith(want))
        if not ok:
            raise WeightsError(f"{path}: sha256 mismatch: expected {want}, file has {digest}; "
                               "the file is corrupt or not the checkpoint the catalog names")
    sd = read_state_dict(path)
    own = model.state_dict()
    sd, note = match_keys(sd, own.keys())
    bad = [f"{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}"
           for k, v in sd.items() if k in own and tuple(v.shape) != tuple(own[k].shape)]
    if bad:
        raise WeightsError(f"{path}: {len(bad)} tensor(s) have the wrong shape for this model "
                           f"(different num_classes or architecture?): " + "; ".join(bad[:5]))
    if not set(sd) & set(own):
        raise WeightsError(f"{path}: none of the {len(sd)} checkpoint keys match the model "
                           f"(checkpoint e.g. {list(sd)[:3]}, model e.g. {list(own)[:3]})")
    result = model.load_state_dict(sd, strict=False)
    out = {"path": str(path), "sha256": digest, "missing": list(result.missing_keys),
           "unexpected": list(result.unexpected_keys)}
    if note:
        out["note"] = note
    return out
