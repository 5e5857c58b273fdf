"""DeepLabv3 with MobileViT (Mehta & Rastegari, ICLR 2022) for PASCAL VOC 2012, from
`transformers` (MobileViTForSemanticSegmentation).

MobileViT widths (transformers hidden_sizes = transformer dims d per stage, neck_hidden_sizes =
channels of the stem, MV2 and MobileViT stages and the final 1x1): S [144, 192, 240],
[16, 32, 64, 96, 128, 160, 640]; XS [96, 120, 144], [16, 32, 48, 64, 80, 96, 384];
XXS [64, 80, 96], [16, 16, 24, 48, 64, 80, 320]; 4 heads, MLP ratio 2, SiLU, patch 2x2.
Segmentation: output stride 8 (apple/ml-cvnets @ 0c0f798,
config/segmentation/pascal_voc/deeplabv3_mobilevit.yaml: `output_stride: 8`, 21 classes,
512x512 crops); DeepLabv3 ASPP on the last MobileViT block (the 1x1 expansion to 640/384/320
channels is not used), with 256 channels and rates (6, 12, 18) as in transformers' conversion of
the paper's checkpoints. The current ml-cvnets config trains a variant with ASPP 512 channels and
rates (12, 24, 36): not what we build (it has 8.54M parameters for MobileViT-S, measured).
"""

from __future__ import annotations

from torch import nn
from transformers import MobileViTConfig, MobileViTForSemanticSegmentation

from bench.models._hf import adapt
from bench.models.registry import register

CODE = "https://github.com/apple/ml-cvnets"

VARIANTS: dict[str, tuple[list[int], list[int]]] = {
    "xxs": ([64, 80, 96], [16, 16, 24, 48, 64, 80, 320]),
    "xs": ([96, 120, 144], [16, 32, 48, 64, 80, 96, 384]),
    "s": ([144, 192, 240], [16, 32, 64, 96, 128, 160, 640]),
}


def build_deeplabv3_mobilevit(variant: str, num_classes: int = 21) -> nn.Module:
    hidden, neck = VARIANTS[variant]
    cfg = MobileViTConfig(num_labels=num_classes, hidden_sizes=hidden, neck_hidden_sizes=neck,
                          num_attention_heads=4, mlp_ratio=2.0, output_stride=8,
                          aspp_out_channels=256, atrous_rates=[6, 12, 18])
    return adapt(MobileViTForSemanticSegmentation(cfg), "pixel")


def _register_all() -> None:
    for v, (hidden, neck) in VARIANTS.items():
        notes = (f"transformers MobileViTForSemanticSegmentation, MobileViT-{v.upper()} "
                 f"(d {hidden}, channels {neck}), output stride 8, ASPP 256 ch rates 6/12/18; "
                 "logits resized x8 to the input; random init")

        def builder(num_classes: int = 21, _v: str = v) -> nn.Module:
            return build_deeplabv3_mobilevit(_v, num_classes)

        builder.__module__, builder.__doc__ = __name__, notes
        register(f"deeplabv3-mobilevit-{v}", paper="mobilevit", num_classes=21,
                 input_size=(512, 512), official_code=CODE, notes=notes)(builder)


_register_all()
