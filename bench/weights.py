"""Load a checkpoint into a bench model, safely, and refuse one that does not fit.

- `.safetensors` through safetensors; anything else (.pth, .pt, .bin) through
  `torch.load(weights_only=True)`: a pickle that needs arbitrary Python objects is refused, and
  the message says what was refused (e.g. "unsupported GLOBAL posix.system").
- Common containers are unwrapped ('state_dict', 'model', 'model_state', 'net', ...) and a
  DataParallel 'module.' prefix is stripped.
- Key layouts that differ by one common prefix (a checkpoint of the bare torchvision model
  loaded into an adapter that wraps it as `self.net`, or the reverse) are matched, and the
  rename is always reported (`note`), never silent.
- A sha256 given by the caller (or the catalog) is checked before anything is unpickled.
- A checkpoint must fit: a key on both sides with a different shape is an error, and so are
  missing or unexpected keys beyond the allowance below, unless `allow_partial`:
  * always tolerated (listed): BatchNorm `num_batches_tracked` counters (unused in eval mode)
    and unexpected keys of training-only auxiliary heads (bench.measure.params.AUX_HEADS);
  * any other missing or unexpected keys: at most ALLOWANCE_KEYS, or ALLOWANCE_SHARE of the
    model's keys when that is more.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from pathlib import Path

import torch
import torch.nn as nn

ALLOWANCE_KEYS = 2
ALLOWANCE_SHARE = 0.01
# Decompression limits, checked on the zip archive's directory before torch.load inflates it:
# torch.save stores tensors uncompressed, so a member whose declared size is far above its
# stored size is a bomb, not a checkpoint; and a checkpoint holds the model's tensors plus at
# most an optimizer state (Adam: two more copies) and metadata.
MAX_MEMBER_RATIO = 8          # declared / stored bytes of one member (beyond 1 MB)
MODEL_SIZE_FACTOR = 4         # declared bytes of all members / bytes of the model's tensors
MODEL_SIZE_SLACK = 64 << 20
MAX_ARCHIVE_BYTES = 32 << 30  # without a model to compare with
# Top-level module names of training-only auxiliary heads (as bench.measure.params.AUX_HEADS;
# repeated here so reading a checkpoint does not import the measuring code).
_AUX = ("aux_classifier.", "aux_head.", "auxiliary_head.", "aux.")

_CONTAINERS = ("state_dict", "model", "model_state", "model_state_dict", "net", "network",
               "params", "weights")


class WeightsError(Exception):
    """A checkpoint that cannot be used (missing, wrong hash, unsafe pickle, shape mismatch)."""


def sha256sum(path: str | Path, chunk: int = 1 << 20) -> str:
    from catalog.safeio import UnsafeFile, open_regular

    h = hashlib.sha256()
    try:
        with open_regular(path, "checkpoint") as f:
            while block := f.read(chunk):
                h.update(block)
    except UnsafeFile as e:
        raise WeightsError(str(e)) from None
    return h.hexdigest()


def _require_regular(path: Path) -> None:
    """A missing file, or one that is a folder, device or FIFO (after links): WeightsError."""
    from catalog.safeio import UnsafeFile, check_regular

    if not os.path.lexists(path):
        raise WeightsError(f"weights file not found: {path}")
    try:
        check_regular(path, "checkpoint")
    except UnsafeFile as e:
        raise WeightsError(str(e)) from None


def model_bytes(model: nn.Module) -> int:
    """Bytes of the model's state dict tensors (what a checkpoint of it must mostly hold)."""
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


def check_archive(path: Path, expected_bytes: int | None = None) -> None:
    """Refuse a zip checkpoint whose members declare more than can be a checkpoint, from the
    archive's directory alone (nothing is inflated): one member declaring more than
    MAX_MEMBER_RATIO times what it stores, or all members more than MODEL_SIZE_FACTOR times the
    model's tensors (MAX_ARCHIVE_BYTES without a model). The zip reader inflates no member past
    its declared size, so the declared sizes bound the memory torch.load uses."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return  # legacy pickle format: tensors inline, bounded by the file's own size
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WeightsError(f"{path}: not a readable checkpoint archive ({exc})") from None
    for m in members:
        if m.file_size > (1 << 20) and m.file_size > MAX_MEMBER_RATIO * max(m.compress_size, 1):
            raise WeightsError(
                f"{path}: archive member {m.filename[:80]!r} declares {m.file_size:,} bytes "
                f"stored in {m.compress_size:,} (more than {MAX_MEMBER_RATIO}x): a decompression "
                "bomb, not a PyTorch checkpoint (torch.save stores tensors uncompressed); "
                "refusing to load it")
    total = sum(m.file_size for m in members)
    limit = (MODEL_SIZE_FACTOR * expected_bytes + MODEL_SIZE_SLACK if expected_bytes is not None
             else MAX_ARCHIVE_BYTES)
    if total > limit:
        what = (f"{MODEL_SIZE_FACTOR}x the model's {expected_bytes:,} bytes of tensors (+64 MB)"
                if expected_bytes is not None else f"{MAX_ARCHIVE_BYTES:,} bytes")
        raise WeightsError(f"{path}: the archive declares {total:,} bytes once inflated, more "
                           f"than a checkpoint of this model can hold ({what}); refusing to "
                           "load it")


def read_state_dict(path: str | Path, expected_bytes: int | None = None
                    ) -> dict[str, torch.Tensor]:
    """The flat tensor dict stored in `path` (containers unwrapped, 'module.' stripped);
    a zip archive's declared sizes are checked first (`check_archive`)."""
    path = Path(path).expanduser()
    _require_regular(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            obj = load_file(str(path))
        except Exception as exc:
            raise WeightsError(f"{path}: not a readable safetensors file ({exc})") from exc
    else:
        check_archive(path, expected_bytes)
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            what = refused_what(str(exc))
            if what is None:
                raise WeightsError(f"{path}: cannot be read as a PyTorch checkpoint "
                                   f"({_first_reason(str(exc))})") from None
            raise WeightsError(
                f"{path}: refused: the pickle asks to run or build Python objects beyond tensors "
                f"({what}); the safe loader (torch.load weights_only=True) does not execute them. "
                "Re-save only the tensors from a trusted copy, e.g. "
                "torch.save(model.state_dict(), 'clean.pth'), or convert to .safetensors.") from None
        except Exception as exc:
            raise WeightsError(f"{path}: cannot be read as a PyTorch checkpoint "
                               f"({_first_reason(str(exc))})") from None
    return _unwrap(obj, path)


_ADVICE = re.compile(r"weights_only|Weights only load failed|documentation|pytorch\.org|"
                     r"trusted source|add_safe_globals|safe_globals", re.I)


def refused_what(msg: str) -> str | None:
    """What the safe unpickler refused, from torch's message, without its advice to disable
    the check: 'unsupported GLOBAL posix.system' (None: not a refusal)."""
    m = re.search(r"unsupported (?:global:?\s*)?GLOBAL\s+([\w.]+)", msg, re.I)
    return f"unsupported GLOBAL {m.group(1)}" if m else None


def _first_reason(msg: str) -> str:
    """The first line of an error that is not advice about weights_only, abridged."""
    for line in re.split(r"\n|(?<=\.) ", msg):
        line = line.strip()
        if line and not _ADVICE.search(line):
            return line[:300]
    return "not a PyTorch checkpoint"


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


def read_checkpoint(path: str | Path, sha256: str | None = None,
                    expected_bytes: int | None = None) -> tuple[dict[str, torch.Tensor], str]:
    """(state dict, sha256 of the file): the file checked against `sha256` (a full digest or a
    prefix of 8+ hex digits) before anything is unpickled, and its archive's declared sizes
    against `expected_bytes` (the model's, when known). Raises WeightsError."""
    path = Path(path).expanduser()
    _require_regular(path)
    digest = sha256sum(path)
    if sha256 is not None:
        want = sha256.lower().strip()
        # torchvision-style file names carry a hash prefix; accept a prefix as the catalog may
        ok = digest == want if len(want) == 64 else (len(want) >= 8 and digest.startswith(want))
        if not ok:
            raise WeightsError(f"{path}: sha256 mismatch: expected {want}, file has {digest}; "
                               "the file is corrupt or not the checkpoint the catalog names")
    return read_state_dict(path, expected_bytes), digest


def _tolerated(key: str, side: str) -> bool:
    return key.endswith("num_batches_tracked") or (side == "unexpected" and key.startswith(_AUX))


def allowance(n_model_keys: int) -> int:
    return max(ALLOWANCE_KEYS, int(n_model_keys * ALLOWANCE_SHARE))


def apply_state_dict(model: nn.Module, sd: dict[str, torch.Tensor], path: str | Path,
                     digest: str | None, allow_partial: bool = False) -> dict:
    """Load `sd` (from read_checkpoint) into `model` in place; the weights report
    {path, sha256, missing, unexpected, note?, allow_partial?}. Raises WeightsError on a shape
    mismatch, no overlap, or (unless allow_partial) keys beyond the allowance."""
    path = Path(path).expanduser()
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
    missing = sorted(k for k in own if k not in sd)
    unexpected = sorted(k for k in sd if k not in own)
    counted = ([k for k in missing if not _tolerated(k, "missing")]
               + [k for k in unexpected if not _tolerated(k, "unexpected")])
    limit = allowance(len(own))
    if len(counted) > limit and not allow_partial:
        n_miss = sum(not _tolerated(k, "missing") for k in missing)
        raise WeightsError(
            f"{path}: the checkpoint does not fit this model: {n_miss} of {len(own)} model keys "
            f"missing, {len(counted) - n_miss} unexpected (allowance: {limit} keys, besides "
            f"BatchNorm counters and auxiliary heads)"
            + (f"; {note}" if note else "")
            + f"; e.g. missing {_few([k for k in missing if not _tolerated(k, 'missing')])}, "
            f"unexpected {_few([k for k in unexpected if not _tolerated(k, 'unexpected')])}. "
            "Pass --allow-partial to load it anyway (the record lists every key).")
    model.load_state_dict(sd, strict=False)
    out = {"path": str(path), "sha256": digest, "missing": missing, "unexpected": unexpected}
    if note:
        out["note"] = note
    if allow_partial:
        out["allow_partial"] = True
    return out


def _few(keys: list[str], n: int = 3) -> str:
    if not keys:
        return "none"
    return ", ".join(keys[:n]) + (f" (+{len(keys) - n})" if len(keys) > n else "")


def load_weights(model: nn.Module, path: str | Path, sha256: str | None = None,
                 allow_partial: bool = False) -> dict:
    """read_checkpoint + apply_state_dict: load `path` into `model` (in place); the report."""
    sd, digest = read_checkpoint(path, sha256, expected_bytes=model_bytes(model))
    return apply_state_dict(model, sd, path, digest, allow_partial=allow_partial)
