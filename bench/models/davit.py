"""UperNet + DaViT-T/S/B (Ding et al., Dual Attention Vision Transformers, ECCV 2022) for ADE20K.

The official segmentation results (dingmyu/davit README, "Semantic Segmentation on ADE20K":
UPerNet, 512x512, 160k) use mmseg's UperNet recipe with the DaViT backbone; the backbone here is
timm's `davit_tiny` / `davit_small` / `davit_base` (timm 1.0.31 timm/models/davit.py: embed
dims (96, 192, 384, 768) / (96, 192, 384, 768) / (128, 256, 512, 1024), depths (1, 1, 3, 1) /
(1, 1, 9, 1) / (1, 1, 9, 1)), with the heads of bench.models._timm_seg (UPerHead 512 channels,
auxiliary FCNHead built, not run).
"""

from __future__ import annotations

from torch import nn

from bench.models._timm_seg import upernet
from bench.models.registry import register

CODE = "https://github.com/dingmyu/davit"
TIMM = {"t": "davit_tiny", "s": "davit_small", "b": "davit_base"}


def _register_all() -> None:
    for v, name in TIMM.items():
        notes = f"timm {name} (features_only) + UPerHead 512 ch; aux FCN head built, not run; random init"

        def build(num_classes: int = 150, _n: str = name) -> nn.Module:
            return upernet(_n, num_classes)

        build.__module__, build.__doc__ = __name__, notes
        register(f"upernet-davit-{v}", paper="davit", num_classes=150, input_size=(512, 512),
                 official_code=CODE, notes=notes)(build)


_register_all()
