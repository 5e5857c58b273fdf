"""UperNet + FocalNet-T/S/B, small and large receptive field (Yang et al., Focal Modulation
Networks, NeurIPS 2022) for ADE20K.

Configs: microsoft/FocalNet @ e8514bd, segmentation/configs/focalnet/upernet_focalnet_{tiny,
small,base}_patch4_512x512_160k_ade20k_{srf,lrf}.py on _base_/models/upernet_focalnet.py:
embed dim 96 / 96 / 128, depths (2, 2, 6, 2) / (2, 2, 18, 2) / (2, 2, 18, 2), focal windows 9 at
every stage, focal levels 2 (SRF: kernels 9, 11) or 3 (LRF: 9, 11, 13); UPerHead 512 channels,
auxiliary FCNHead 256 on stage 3. The backbone is timm's FocalNet (ported from the official
code) built with those focal windows and levels, with the heads of bench.models._timm_seg.
"""

from __future__ import annotations

from torch import nn

from bench.models._timm_seg import upernet
from bench.models.registry import register

CODE = "https://github.com/microsoft/FocalNet/tree/e8514bdcfe1eb6e7e110403e9f2972c67dfed1c3/segmentation"
TIMM = {"t": "focalnet_tiny_srf", "s": "focalnet_small_srf", "b": "focalnet_base_srf"}
LEVELS = {"srf": 2, "lrf": 3}


def _register_all() -> None:
    for v, name in TIMM.items():
        for rf, levels in LEVELS.items():
            notes = (f"timm {name} with focal windows 9 and {levels} focal levels (the segmentation "
                     "config) + UPerHead 512 ch; aux FCN head built, not run; random init")

            def build(num_classes: int = 150, _n: str = name, _l: int = levels) -> nn.Module:
                return upernet(_n, num_classes, focal_windows=(9, 9, 9, 9), focal_levels=(_l,) * 4)

            build.__module__, build.__doc__ = __name__, notes
            register(f"upernet-focalnet-{v}-{rf}", paper="focalnet", num_classes=150,
                     input_size=(512, 512), official_code=CODE, notes=notes)(build)


_register_all()
