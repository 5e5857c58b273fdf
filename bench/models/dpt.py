"""DPT (Ranftl et al., ICCV 2021) for ADE20K semantic segmentation, from `transformers`
(DPTForSemanticSegmentation).

Configuration read from isl-org/DPT @ 0accfe7, run_segmentation.py: `DPTSegmentationModel(150,
backbone="vitl16_384")` (DPT-Large) and `backbone="vitb_rn50_384"` (DPT-Hybrid), inputs resized
to 480x480 (`net_w = net_h = 480`, multiple of 32). DPTSegmentationModel uses 256 fusion
features with batch norm in the fusion residual units and a head conv3x3 + BN + ReLU + conv1x1 +
x2 upsampling; its auxiliary head is training-only (built, never run, excluded from the bench's
parameter count).
transformers fields:
- DPT-Large: hidden_size 1024, 24 layers, 16 heads, intermediate 4096, patch 16, image_size 384
  (position embeddings are resized to the input, as DPT does), backbone_out_indices
  [5, 11, 17, 23], neck_hidden_sizes [256, 512, 1024, 1024], readout "project",
  fusion_hidden_size 256, use_batch_norm_in_fusion_residual True.
- DPT-Hybrid: is_hybrid True (BiT ResNet-50 stem and stages [3, 4, 9], transformers' default
  backbone_config for hybrid DPT) + ViT-B/16 (768, 12 layers, 12 heads), backbone_out_indices
  [2, 5, 8, 11] (the first two are ResNet stages), neck_hidden_sizes [256, 512, 768, 768],
  reassemble_factors [1, 1, 1, 0.5], readout "project".
transformers' DPT reshapes tokens to a square grid, so inputs must be square (multiples of 16).
"""

from __future__ import annotations

import functools

from torch import nn
from transformers import DPTConfig, DPTForSemanticSegmentation

from bench.models._hf import adapt
from bench.models.registry import register

CODE = "https://github.com/isl-org/DPT"
SIZE = (480, 480)


def _common(num_classes: int) -> dict:
    return dict(num_labels=num_classes, fusion_hidden_size=256, readout_type="project",
                use_batch_norm_in_fusion_residual=True, use_auxiliary_head=True, image_size=384,
                patch_size=16, qkv_bias=True)


def build_dpt_large(num_classes: int = 150) -> nn.Module:
    cfg = DPTConfig(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                    intermediate_size=4096, backbone_out_indices=[5, 11, 17, 23],
                    neck_hidden_sizes=[256, 512, 1024, 1024], reassemble_factors=[4, 2, 1, 0.5],
                    **_common(num_classes))
    return adapt(DPTForSemanticSegmentation(cfg), "pixel")


def build_dpt_hybrid(num_classes: int = 150) -> nn.Module:
    cfg = DPTConfig(is_hybrid=True, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, backbone_out_indices=[2, 5, 8, 11],
                    neck_hidden_sizes=[256, 512, 768, 768], reassemble_factors=[1, 1, 1, 0.5],
                    **_common(num_classes))
    model = DPTForSemanticSegmentation(cfg)
    # transformers' hybrid embeddings resize the 384-trained position embeddings to the input
    # only when asked, and the model never asks; DPT always resizes them.
    emb = model.dpt.embeddings
    emb.forward = functools.partial(type(emb).forward, emb, interpolate_pos_encoding=True)
    return adapt(model, "pixel")


@register("dpt-large", paper="dpt", num_classes=150, input_size=SIZE, official_code=CODE)
def dpt_large(num_classes: int = 150) -> nn.Module:
    """transformers DPTForSemanticSegmentation, ViT-L/16 (hooks 5/11/17/23), readout project,
    256 fusion features with BN; aux head built but not run (training only); random init"""
    return build_dpt_large(num_classes)


@register("dpt-hybrid", paper="dpt", num_classes=150, input_size=SIZE, official_code=CODE)
def dpt_hybrid(num_classes: int = 150) -> nn.Module:
    """transformers DPTForSemanticSegmentation, BiT-R50 (3 stages) + ViT-B/16, readout project,
    256 fusion features with BN; aux head built but not run (training only); random init"""
    return build_dpt_hybrid(num_classes)
