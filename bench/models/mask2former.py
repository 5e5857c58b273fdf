"""Mask2Former (Cheng et al., CVPR 2022) for ADE20K semantic segmentation, from `transformers`
(Mask2FormerForUniversalSegmentation), wrapped to return (N, 150, H, W) semantic scores
(bench.models._hf.semantic_from_queries: softmax classes without no-object x sigmoid masks).

Configuration read from facebookresearch/Mask2Former @ 161be51,
configs/ade20k/semantic-segmentation/maskformer2_R50_bs16_160k.yaml: MSDeformAttn pixel decoder
on res3-res5 with 6 encoder layers, CONVS_DIM = MASK_DIM = HIDDEN_DIM = 256, 100 queries,
8 heads, FFN 2048, DEC_LAYERS 10 (9 masked-attention layers + the learnable-query prediction),
GroupNorm. transformers: feature_size = mask_feature_size = hidden_dim = 256, encoder_layers 6,
encoder_feedforward_dim 1024 (transformers' conversion default for the deformable encoder FFN),
decoder_layers 10 (it builds decoder_layers - 1 layers), num_queries 100, dim_feedforward 2048.
Backbones: R50 = transformers ResNetConfig (bottleneck, depths [3,4,6,3], stride in the 3x3
conv: torchvision's ResNet); R101 = depths [3,4,23,3] with the basic 7x7 stem
(maskformer2_R101_bs16_90k.yaml: DEPTH 101, STEM_TYPE "basic", STRIDE_IN_1X1 False; 512x512
crops from the R50 base config). transformers warns that ResNet is not a "supported" Mask2Former
backbone; it builds and runs. Swin from
swin/maskformer2_swin_{tiny,small}_bs16_160k.yaml (window 7, 512x512 crops) and
swin/maskformer2_swin_{base,large}_IN21k_384_bs16_160k_res640.yaml (Swin-L: embed 192,
depths [2,2,18,2], heads [6,12,24,48], window 12, 640x640 crops; Swin-B: embed 128,
heads [4,8,16,32], window 12, 640x640).
"""

from __future__ import annotations

from torch import nn
from transformers import Mask2FormerConfig, Mask2FormerForUniversalSegmentation, ResNetConfig, SwinConfig

from bench.models._hf import adapt
from bench.models.registry import register

CODE = "https://github.com/facebookresearch/Mask2Former"
STAGES = ["stage1", "stage2", "stage3", "stage4"]

# variant -> (embed_dim, depths, heads, window, ADE20K crop)
SWIN = {
    "swin-t": (96, [2, 2, 6, 2], [3, 6, 12, 24], 7, 512),
    "swin-s": (96, [2, 2, 18, 2], [3, 6, 12, 24], 7, 512),
    "swin-b": (128, [2, 2, 18, 2], [4, 8, 16, 32], 12, 640),
    "swin-l": (192, [2, 2, 18, 2], [6, 12, 24, 48], 12, 640),
}
RESNET_DEPTHS = {"r50": [3, 4, 6, 3], "r101": [3, 4, 23, 3]}
CROP = {"r50": 512, "r101": 512, **{k: v[-1] for k, v in SWIN.items()}}


def backbone_config(variant: str):
    if variant in RESNET_DEPTHS:
        return ResNetConfig(depths=RESNET_DEPTHS[variant], layer_type="bottleneck",
                            out_features=STAGES)
    dim, depths, heads, window, _ = SWIN[variant]
    return SwinConfig(embed_dim=dim, depths=depths, num_heads=heads, window_size=window,
                      out_features=STAGES)


def build_mask2former(variant: str, num_classes: int = 150, num_queries: int = 100) -> nn.Module:
    cfg = Mask2FormerConfig(backbone_config=backbone_config(variant), num_labels=num_classes,
                            num_queries=num_queries, feature_size=256, mask_feature_size=256,
                            hidden_dim=256, encoder_layers=6, decoder_layers=10,
                            num_attention_heads=8, dim_feedforward=2048)
    return adapt(Mask2FormerForUniversalSegmentation(cfg), "queries")


def _register_all() -> None:
    for v, crop in CROP.items():
        notes = (f"transformers Mask2FormerForUniversalSegmentation, {v} backbone, 100 queries, "
                 "9 masked-attention decoder layers, 6 MSDeformAttn encoder layers; semantic "
                 "scores = softmax(class)[:-1] x sigmoid(mask) at the input size; random init")

        def builder(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_mask2former(_v, num_classes)

        builder.__module__, builder.__doc__ = __name__, notes
        register(f"mask2former-{v}", paper="mask2former", num_classes=150,
                 input_size=(crop, crop), official_code=CODE, notes=notes)(builder)


_register_all()
