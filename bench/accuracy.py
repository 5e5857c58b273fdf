"""Accuracy verification: run a model over a local dataset split and score mIoU.

Protocols (combinable; the one used is recorded in the result):

- whole: the full image in one forward pass.
- slide: windows of `crop` (H, W) every `stride` (H, W) pixels, the last window snapped to the
  border, overlapping logits averaged; the grid is mmseg's `EncoderDecoder.slide_inference`
  (open-mmlab/mmsegmentation, mmseg/models/segmentors/encoder_decoder.py). Where the image is
  smaller than the window, the window is zero-padded bottom/right (zero = the mean colour after
  normalisation) and the padded logits cut away; mmseg instead feeds the smaller patch.
- flip: logits of the horizontally flipped image, flipped back, averaged with the plain ones.
- scales: the image resized by each factor (bilinear), inferred, logits resized back to the
  original size and summed (mmseg's aug_test sums softmax probabilities; we sum logits).

Whatever the protocol, logits are upsampled (bilinear, align_corners=False) to the label's
ORIGINAL resolution before the argmax; ground truth is never resized.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.data import open_dataset
from bench.measure.miou import ConfusionMatrix
from bench.progress import Progress

Size = tuple[int, int]


class ProtocolError(ValueError):
    """Invalid protocol options (e.g. slide without a crop)."""


def _logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    out = model(x)
    if isinstance(out, dict):  # torchvision-style models that were not adapted
        out = out["out"]
    elif isinstance(out, (tuple, list)):  # (main, aux, ...) heads
        out = out[0]
    if out.dim() != 4:
        raise ValueError(f"model returned a {out.dim()}-d tensor; expected (N, C, H, W) logits")
    return out


def _resize(t: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    if tuple(t.shape[-2:]) == tuple(size):
        return t
    return F.interpolate(t, size=tuple(size), mode="bilinear", align_corners=False)


def whole_inference(model: nn.Module, img: torch.Tensor) -> torch.Tensor:
    """Logits at the image's size."""
    return _resize(_logits(model, img), img.shape[-2:])


def slide_inference(model: nn.Module, img: torch.Tensor, crop: Size, stride: Size) -> torch.Tensor:
    """Average logits of overlapping windows (mmseg's grid), at the image's size."""
    h_crop, w_crop = crop
    h_stride, w_stride = stride
    if min(h_crop, w_crop, h_stride, w_stride) <= 0:
        raise ProtocolError(f"crop {crop} and stride {stride} must be positive")
    n, _, h_img, w_img = img.shape
    h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
    w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
    preds, count = None, img.new_zeros((n, 1, h_img, w_img))
    for hi in range(h_grids):
        for wi in range(w_grids):
            y1, x1 = hi * h_stride, wi * w_stride
            y2, x2 = min(y1 + h_crop, h_img), min(x1 + w_crop, w_img)
            y1, x1 = max(y2 - h_crop, 0), max(x2 - w_crop, 0)
            patch = img[:, :, y1:y2, x1:x2]
            ph, pw = patch.shape[-2:]
            if (ph, pw) != (h_crop, w_crop):  # image smaller than the window: pad, then cut
                patch = F.pad(patch, (0, w_crop - pw, 0, h_crop - ph))
            out = _resize(_logits(model, patch), (h_crop, w_crop))[:, :, :ph, :pw]
            if preds is None:
                preds = img.new_zeros((n, out.shape[1], h_img, w_img))
            preds[:, :, y1:y2, x1:x2] += out
            count[:, :, y1:y2, x1:x2] += 1
    return preds / count


def predict_logits(model: nn.Module, img: torch.Tensor, out_size: Sequence[int], *,
                   protocol: str = "whole", crop: Size | None = None, stride: Size | None = None,
                   flip: bool = False, scales: Sequence[float] = (1.0,)) -> torch.Tensor:
    """Logits (N, C, *out_size) for a normalised image batch under the given protocol."""
    if protocol not in ("whole", "slide"):
        raise ProtocolError(f"unknown protocol '{protocol}' (whole or slide)")
    if protocol == "slide" and (crop is None or stride is None):
        raise ProtocolError("the slide protocol needs crop=(H, W) and stride=(H, W)")
    if not scales or any(s <= 0 for s in scales):
        raise ProtocolError(f"scales must be positive, got {tuple(scales)}")

    def once(x: torch.Tensor) -> torch.Tensor:
        if protocol == "slide":
            return slide_inference(model, x, tuple(crop), tuple(stride))
        return whole_inference(model, x)

    h, w = img.shape[-2:]
    total = None
    for s in scales:
        x = img if s == 1.0 else _resize(img, (max(1, math.floor(h * s + 0.5)),
                                               max(1, math.floor(w * s + 0.5))))
        logit = once(x)
        if flip:
            logit = (logit + once(x.flip(-1)).flip(-1)) / 2
        logit = _resize(logit, out_size)
        total = logit if total is None else total + logit
    return total


def _progress(enabled: bool, total: int, title: str):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[ips]:.2f} img/s"),
                    TextColumn("mIoU {task.fields[miou]}"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True), disable=not enabled,
                    transient=False)


def _parse_size(v) -> Size | None:
    if v is None:
        return None
    if isinstance(v, str):
        parts = v.lower().replace("x", ",").split(",")
        v = [int(p) for p in parts if p.strip()]
    v = tuple(int(p) for p in (v if isinstance(v, (tuple, list)) else (v, v)))
    if len(v) == 1:
        v = (v[0], v[0])
    if len(v) != 2:
        raise ProtocolError(f"expected a size HxW, got {v}")
    return v


@torch.inference_mode()
def evaluate(model: nn.Module, *, dataset: str, root, split: str = "val",
             protocol: str = "whole", crop=None, stride=None, flip: bool = False,
             scales: Sequence[float] = (1.0,), device: str = "cpu", num_classes: int | None = None,
             progress: bool = True) -> dict:
    """Score `model` on a local copy of `dataset` (a key of bench.data.READERS) at `root`.

    The model must map a normalised (1, 3, H, W) float batch to (1, C, h, w) logits; C must equal
    `num_classes` (default: the dataset's). If C is larger than the dataset's class count, the
    extra channels count as wrong predictions. Images are normalised with `model.input_mean` /
    `model.input_std` (0-1 RGB units) when the model defines them, ImageNet statistics otherwise.
    Returns the `miou` record of docs/dev/conventions.md (scores in percent); `weights` is None
    for the caller to fill with bench.weights.load_weights' result.
    """
    crop, stride = _parse_size(crop), _parse_size(stride)
    scales = tuple(float(s) for s in scales)
    if protocol == "slide" and crop is not None and stride is None:
        stride = crop  # non-overlapping windows when no stride is given
    mean = getattr(model, "input_mean", None)
    std = getattr(model, "input_std", None)
    kw = {k: v for k, v in {"mean": mean, "std": std}.items() if v is not None}
    ds = open_dataset(dataset, root, split=split, **kw)
    expected = num_classes or ds.num_classes
    cm = ConfusionMatrix(ds.num_classes, ignore_index=ds.ignore_index, device=device)
    model = model.to(device).eval()

    start = time.perf_counter()
    # a live bar on a terminal; plain lines (every 5 s) in logs, CI and with --json
    bar_mode = progress and sys.stderr.isatty()
    lines = Progress(len(ds), f"{dataset}/{split}", bar=False) if progress and not bar_mode else None
    with _progress(bar_mode, len(ds), f"{dataset}/{split}") as bar:
        task = bar.add_task(f"{dataset}/{split}", total=len(ds), ips=0.0, miou="-")
        for i, (img, label, _name) in enumerate(ds):
            img, label = img.unsqueeze(0).to(device), label.to(device)
            logits = predict_logits(model, img, label.shape[-2:], protocol=protocol, crop=crop,
                                    stride=stride, flip=flip, scales=scales)
            if logits.shape[1] != expected:
                raise ValueError(f"model outputs {logits.shape[1]} channels but {expected} "
                                 f"classes were expected for {dataset} (pass num_classes=...)")
            cm.update(logits.argmax(1)[0], label)
            if lines is not None:
                lines.completed = i + 1
                if i + 1 == len(ds):
                    lines.line(f"{dataset}/{split}: {i + 1} images, mIoU {cm.miou() * 100:.2f}")
                else:
                    lines.tick(f"{dataset}/{split}: {i + 1} of {len(ds)} images")
            if bar_mode:
                done = i + 1
                miou = f"{cm.miou() * 100:.2f}" if done % 10 == 0 or done == len(ds) else None
                fields = {"ips": done / max(time.perf_counter() - start, 1e-9)}
                if miou is not None:
                    fields["miou"] = miou
                bar.update(task, advance=1, **fields)
    elapsed = time.perf_counter() - start

    s = cm.scores(class_names=ds.class_names)
    return {
        "dataset": dataset, "split": split, "protocol": protocol,
        "crop": list(crop) if crop else None, "stride": list(stride) if stride else None,
        "flip": bool(flip), "scales": list(scales), "num_images": len(ds),
        "miou": s["miou"], "pixel_acc": s["pixel_acc"], "mean_acc": s["mean_acc"],
        "fwiou": s["fwiou"], "per_class_iou": s["per_class_iou"],
        "num_classes": ds.num_classes, "ignore_index": ds.ignore_index,
        "seconds": round(elapsed, 3), "weights": None,
    }


@torch.inference_mode()
def save_predictions(model: nn.Module, *, dataset: str, root, out_dir, split: str = "val",
                     protocol: str = "whole", crop=None, stride=None, flip: bool = False,
                     scales: Sequence[float] = (1.0,), device: str = "cpu") -> int:
    """Write the argmax of each image as `<out_dir>/<name>.png` (class indices, mode L; 16-bit
    when there are more than 256 classes), for `bench miou` or a benchmark server.
    Same protocols and preprocessing as `evaluate`. Returns the number of files written."""
    from pathlib import Path

    from PIL import Image

    crop, stride = _parse_size(crop), _parse_size(stride)
    if protocol == "slide" and crop is not None and stride is None:
        stride = crop
    kw = {k: v for k, v in {"mean": getattr(model, "input_mean", None),
                            "std": getattr(model, "input_std", None)}.items() if v is not None}
    ds = open_dataset(dataset, root, split=split, **kw)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.to(device).eval()
    for img, label, name in ds:
        logits = predict_logits(model, img.unsqueeze(0).to(device), label.shape[-2:],
                                protocol=protocol, crop=crop, stride=stride, flip=flip,
                                scales=tuple(float(s) for s in scales))
        pred = logits.argmax(1)[0].cpu().numpy()
        Image.fromarray(pred.astype("uint8" if logits.shape[1] <= 256 else "uint16")).save(
            out / f"{name}.png")
    return len(ds)
