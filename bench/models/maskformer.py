"""MaskFormer (Cheng et al., NeurIPS 2021) for ADE20K semantic segmentation, from `transformers`
(MaskFormerForInstanceSegmentation), wrapped to return (N, 150, H, W) semantic scores with the
paper's "probabilistic" semantic inference (bench.models._hf.semantic_from_queries).

Configuration read from facebookresearch/MaskFormer @ f2d27b2,
configs/ade20k-150/maskformer_R50_bs16_160k.yaml: FPN pixel decoder CONVS_DIM 256, MASK_DIM 256,
transformer decoder on res5 with HIDDEN_DIM 256, 100 queries, 8 heads, FFN 2048, ENC_LAYERS 0,
DEC_LAYERS 6, SEMANTIC_INFERENCE_METHOD "probabilistic". transformers: fpn_feature_size 256,
mask_feature_size 256, decoder_config = DetrConfig(d_model 256, decoder_layers 6, 8 heads,
decoder_ffn_dim 2048, num_queries 100) of which MaskFormer builds only the decoder.
Backbones and crops from MODEL_ZOO.md @ 335d778 (ADE20K table): R50 and Swin-T/S at 512x512
(window 7), Swin-B/L ImageNet-22K-384 at 640x640 (window 12; Swin-B embed 128, heads
[4,8,16,32]; Swin-L embed 192, heads [6,12,24,48]; depths [2,2,18,2]; Swin-T [2,2,6,2]).
"""

from __future__ import annotations

from torch import nn
from transformers import DetrConfig, MaskFormerConfig, MaskFormerForInstanceSegmentation

from bench.models._hf import adapt
from bench.models.mask2former import SWIN as M2F_SWIN
from bench.models.mask2former import backbone_config
from bench.models.registry import register

CODE = "https://github.com/facebookresearch/MaskFormer"
# same backbones and crops as Mask2Former; R101 is the MODEL_ZOO "R101" row (7x7 stem), not
# "R101c" (3x3 deep stem, which transformers' ResNet cannot build)
CROP = {"r50": 512, "r101": 512, **{k: v[-1] for k, v in M2F_SWIN.items()}}


def build_maskformer(variant: str, num_classes: int = 150) -> nn.Module:
    decoder = DetrConfig(d_model=256, decoder_layers=6, decoder_attention_heads=8,
                         encoder_attention_heads=8, decoder_ffn_dim=2048, num_queries=100)
    cfg = MaskFormerConfig(backbone_config=backbone_config(variant), decoder_config=decoder,
                           num_labels=num_classes, fpn_feature_size=256, mask_feature_size=256)
    return adapt(MaskFormerForInstanceSegmentation(cfg), "queries")


def _register_all() -> None:
    for v, crop in CROP.items():
        notes = (f"transformers MaskFormerForInstanceSegmentation, {v} backbone, FPN pixel "
                 "decoder 256, 6-layer DETR decoder, 100 queries; semantic scores = "
                 "softmax(class)[:-1] x sigmoid(mask) at the input size; random init")

        def builder(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_maskformer(_v, num_classes)

        builder.__module__, builder.__doc__ = __name__, notes
        register(f"maskformer-{v}", paper="maskformer", num_classes=150, input_size=(crop, crop),
                 official_code=CODE, notes=notes)(builder)


_register_all()
