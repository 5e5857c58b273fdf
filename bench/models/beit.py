"""UperNet with BEiT-B and BEiT-L backbones (Bao et al., ICLR 2022) for ADE20K, from
`transformers` (BeitForSemanticSegmentation: BEiT encoder, multi-scale FPN neck, UPerHead).

Configuration read from microsoft/unilm @ 2312c6f,
beit/semantic_segmentation/configs/beit/upernet/upernet_beit_base_12_640_slide_160k_ade20k.py:
BEiT img_size 640, patch 16, embed 768, depth 12, 12 heads, MLP ratio 4, qkv bias, no absolute
position embedding, relative position bias in every block (not shared), layer scale init 0.1,
features after blocks [3, 5, 7, 11]; UPerHead channels 768, 150 classes; auxiliary FCN head
(training only: built, never run, excluded from the bench's parameter count); 640x640 crops,
sliding-window test.
transformers fields: hidden_size 768, num_hidden_layers 12, num_attention_heads 12,
intermediate_size 3072, image_size 640, patch_size 16, use_relative_position_bias True,
use_shared_relative_position_bias False, use_absolute_position_embeddings False,
layer_scale_init_value 0.1, pool_scales (1, 2, 3, 6); the UPerHead width is hidden_size (768).
BEiT-L (upernet_beit_large_24_640_slide_160k_ade20k.py @ 2312c6f): embed 1024, depth 24,
16 heads, layer scale init 1e-6, features after blocks [7, 11, 15, 23], UPerHead 1024 channels,
640x640.

Finding (transformers 5.24): BeitForSemanticSegmentation takes `hidden_states[i - 1]` for i in
`out_indices`, where hidden_states[0] is the patch embedding, so out_indices [4, 6, 8, 12] give
the outputs of blocks 2, 4, 6, 10 (0-based) instead of the official 3, 5, 7, 11, and the last
block's output is never used. Every block still runs, so parameters and FLOPs are those of the
official model; accuracy with converted weights would differ. We use [4, 6, 8, 12] for
BEiT-B and [8, 12, 16, 24] for BEiT-L (blocks 6, 10, 14, 22 instead of 7, 11, 15, 23).
"""

from __future__ import annotations

from torch import nn
from transformers import BeitConfig, BeitForSemanticSegmentation

from bench.models._hf import adapt
from bench.models.registry import register

CODE = "https://github.com/microsoft/unilm/tree/master/beit/semantic_segmentation"


# variant -> (hidden, layers, heads, layer scale init, transformers out_indices)
VARIANTS = {
    "b": (768, 12, 12, 0.1, [4, 6, 8, 12]),
    "l": (1024, 24, 16, 1e-6, [8, 12, 16, 24]),
}


def build_upernet_beit(variant: str, num_classes: int = 150) -> nn.Module:
    hidden, layers, heads, init, out_indices = VARIANTS[variant]
    cfg = BeitConfig(num_labels=num_classes, hidden_size=hidden, num_hidden_layers=layers,
                     num_attention_heads=heads, intermediate_size=4 * hidden, image_size=640,
                     patch_size=16, use_relative_position_bias=True,
                     use_shared_relative_position_bias=False,
                     use_absolute_position_embeddings=False, layer_scale_init_value=init,
                     out_indices=out_indices, pool_scales=[1, 2, 3, 6],
                     use_auxiliary_head=True, auxiliary_channels=256)
    return adapt(BeitForSemanticSegmentation(cfg), "pixel")


def _register_all() -> None:
    for v, (hidden, layers, heads, init, out_indices) in VARIANTS.items():
        notes = (f"transformers BeitForSemanticSegmentation: BEiT-{v.upper()}/16 at 640 ({hidden} "
                 f"wide, {layers} blocks, {heads} heads, relative position bias per block, layer "
                 f"scale {init}), FPN neck, UPerHead {hidden} ch; aux FCN head built, not run "
                 f"(training only); transformers out_indices {out_indices} (off by one from the "
                 "official blocks, see module doc); random init")

        def builder(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_upernet_beit(_v, num_classes)

        builder.__module__, builder.__doc__ = __name__, notes
        register(f"upernet-beit-{v}", paper="beit", num_classes=150, input_size=(640, 640),
                 official_code=CODE, notes=notes)(builder)


_register_all()
