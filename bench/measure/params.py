"""Exact parameter counts, with the scope of what was counted stated in the record."""

from __future__ import annotations

from torch import nn

# Top-level submodule names of training-only auxiliary heads (torchvision: `aux_classifier`;
# mmseg-style ports: `auxiliary_head`). They do not run at inference, so papers that report
# deployed size exclude them.
AUX_HEADS = frozenset({"aux_classifier", "aux_head", "auxiliary_head", "aux"})

SCOPE = ("eval-mode model; auxiliary heads excluded; frozen/BN-affine parameters included; "
         "buffers excluded")


def count_params(model: nn.Module, exclude: frozenset[str] | set[str] = AUX_HEADS) -> dict:
    """Count parameters (shared tensors once) outside the top-level modules named in `exclude`.

    Returns {"total", "trainable", "excluded", "scope"}; `excluded` is how many parameters the
    auxiliary heads hold, so the full count is total + excluded.
    """
    total = trainable = excluded = 0
    for name, p in model.named_parameters():  # named_parameters() already de-duplicates
        if name.split(".", 1)[0] in exclude:
            excluded += p.numel()
            continue
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    scope = SCOPE if exclude else SCOPE.replace("auxiliary heads excluded", "auxiliary heads included")
    return {"total": total, "trainable": trainable, "excluded": excluded, "scope": scope}
