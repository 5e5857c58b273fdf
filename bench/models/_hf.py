"""Adapters from HuggingFace `transformers` segmentation models to bench models.

Every model is built from a `transformers` config with random weights (never `from_pretrained`:
no hub access). The adapter is a subclass of the library class whose `forward(x)` maps a
(N, 3, H, W) image batch to (N, num_classes, H, W) logits, so modules and `state_dict` keys stay
exactly the library's and its converted checkpoints load unchanged.

- Per-pixel models (SegFormer, UperNet, BEiT, DPT, MobileViT): the library's `logits`, resized
  bilinearly (align_corners=False) to the input size when the head predicts at a lower stride,
  as mmseg's `resize` does at inference. Where the official model has a training-only
  auxiliary head (UperNet, BEiT, DPT) it is built, named `auxiliary_head` (which
  bench.measure.params excludes from the inference count and reports as `excluded`), and
  skipped in forward, so FLOPs and latency are those of inference.
- Mask-classification models (MaskFormer, Mask2Former, OneFormer, EoMT) return Q class
  logits (K + 1, the last is "no object") and Q mask logits. The semantic map is the standard
  inference of these papers (Mask2Former `semantic_inference`): mask logits resized to the input
  size, then ``einsum("qc,qhw->chw", softmax(class)[..., :-1], sigmoid(mask))``.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn


def resize_to(t: torch.Tensor, size) -> torch.Tensor:
    if tuple(t.shape[-2:]) == tuple(size):
        return t
    return F.interpolate(t, size=tuple(size), mode="bilinear", align_corners=False)


def semantic_from_queries(class_logits: torch.Tensor, mask_logits: torch.Tensor,
                          size) -> torch.Tensor:
    """(N, Q, K+1) class logits and (N, Q, h, w) mask logits -> (N, K, H, W) semantic scores."""
    probs = class_logits.softmax(-1)[..., :-1]          # drop the no-object class
    masks = resize_to(mask_logits, size).sigmoid()
    return torch.einsum("nqc,nqhw->nchw", probs, masks)


def _pixel_forward(self, x: torch.Tensor) -> torch.Tensor:
    # The training-only auxiliary head stays in the module (its weights are in the published
    # checkpoints and in the authors' #params) but is detached for the call: transformers runs
    # it whenever it exists, and inference does not.
    aux = self._modules.get("auxiliary_head")
    if aux is not None:
        self._modules["auxiliary_head"] = None
    try:
        out = super(self.__class__, self).forward(pixel_values=x, return_dict=True)
    finally:
        if aux is not None:
            self._modules["auxiliary_head"] = aux
    return resize_to(out.logits, x.shape[-2:])


def _query_forward(self, x: torch.Tensor) -> torch.Tensor:
    fixed = getattr(self, "_bench_fixed_size", None)
    if fixed is not None and tuple(x.shape[-2:]) != tuple(fixed):
        raise ValueError(f"{type(self).__name__} takes {fixed[0]}x{fixed[1]} inputs (learned "
                         f"position embeddings, not interpolated); got {x.shape[-2]}x{x.shape[-1]}")
    extra = {name: getattr(self, buf).expand(x.shape[0], -1)
             for name, buf in getattr(self, "_bench_extra_inputs", {}).items()}
    out = super(self.__class__, self).forward(pixel_values=x, return_dict=True, **extra)
    return semantic_from_queries(out.class_queries_logits, out.masks_queries_logits,
                                 x.shape[-2:])


@functools.cache
def _adapter_class(cls: type, kind: str) -> type:
    forward = {"pixel": _pixel_forward, "queries": _query_forward}[kind]
    return type(f"Bench{cls.__name__}", (cls,), {"forward": forward, "__module__": __name__})


def adapt(model: nn.Module, kind: str) -> nn.Module:
    """Swap in the subclass whose forward returns (N, num_classes, H, W) logits.
    `kind`: "pixel" (per-pixel logits) or "queries" (mask classification)."""
    model.__class__ = _adapter_class(type(model), kind)
    return model.eval()


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
