"""SegFormer-B0..B5 (Xie et al., NeurIPS 2021) from `transformers` (SegformerForSemanticSegmentation).

Variant configurations, read from the authors' code (NVlabs/SegFormer @ 073b02d):
- encoder: mmseg/models/backbones/mix_transformer.py, classes `mit_b0`..`mit_b5`: embed dims
  [32, 64, 160, 256] (B0) and [64, 128, 320, 512] (B1-B5); heads [1, 2, 5, 8]; MLP ratio 4;
  spatial-reduction ratios [8, 4, 2, 1]; depths B0 [2,2,2,2], B1 [2,2,2,2], B2 [3,4,6,3],
  B3 [3,4,18,3], B4 [3,8,27,3], B5 [3,6,40,3]; LayerNorm eps 1e-6.
- decoder: local_configs/segformer/B{0,1,2,5}/segformer.b*.ade.160k.py,
  `decoder_params.embed_dim` 256 (B0, B1) and 768 (B2, B5; B3 and B4 use the same head as
  B2/B5 in transformers' conversion, files not opened here); 150 classes.
- input: ADE20K 512x512 crops for B0-B4 (`segformer.b*.512x512.ade.160k.py`), 640x640 for B5
  (the only ADE20K config of B5 is `segformer.b5.640x640.ade.160k.py`).

`transformers`' SegformerConfig fields map one-to-one: hidden_sizes = embed dims, depths,
num_attention_heads, sr_ratios, mlp_ratios, decoder_hidden_size = decoder embed_dim. The head
predicts at stride 4; logits are resized to the input (mmseg `resize`, align_corners=False).
"""

from __future__ import annotations

from torch import nn
from transformers import SegformerConfig, SegformerForSemanticSegmentation

from bench.models._hf import adapt
from bench.models.registry import register

CODE = "https://github.com/NVlabs/SegFormer"

# variant -> (hidden_sizes, depths, decoder_hidden_size, ADE20K crop)
VARIANTS: dict[str, tuple[list[int], list[int], int, int]] = {
    "b0": ([32, 64, 160, 256], [2, 2, 2, 2], 256, 512),
    "b1": ([64, 128, 320, 512], [2, 2, 2, 2], 256, 512),
    "b2": ([64, 128, 320, 512], [3, 4, 6, 3], 768, 512),
    "b3": ([64, 128, 320, 512], [3, 4, 18, 3], 768, 512),
    "b4": ([64, 128, 320, 512], [3, 8, 27, 3], 768, 512),
    "b5": ([64, 128, 320, 512], [3, 6, 40, 3], 768, 640),
}


def segformer_config(variant: str, num_classes: int = 150) -> SegformerConfig:
    hidden, depths, dec, _ = VARIANTS[variant]
    return SegformerConfig(num_labels=num_classes, hidden_sizes=hidden, depths=depths,
                           decoder_hidden_size=dec, num_attention_heads=[1, 2, 5, 8],
                           sr_ratios=[8, 4, 2, 1], mlp_ratios=[4, 4, 4, 4],
                           layer_norm_eps=1e-6)


def build_segformer(variant: str, num_classes: int = 150) -> nn.Module:
    return adapt(SegformerForSemanticSegmentation(segformer_config(variant, num_classes)), "pixel")


def _register_all() -> None:
    for v, (hidden, depths, dec, crop) in VARIANTS.items():
        notes = (f"transformers SegformerForSemanticSegmentation, MiT-{v.upper()}: hidden_sizes "
                 f"{hidden}, depths {depths}, heads [1,2,5,8], sr [8,4,2,1], decoder "
                 f"{dec}; random init; logits resized x4 to the input")

        def builder(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_segformer(_v, num_classes)

        builder.__module__ = __name__
        builder.__doc__ = notes
        register(f"segformer-{v}", paper="segformer", num_classes=150, input_size=(crop, crop),
                 official_code=CODE, notes=notes)(builder)


_register_all()
