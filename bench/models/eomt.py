"""EoMT (Kerssies et al., CVPR 2025, "Your ViT is Secretly an Image Segmentation Model") for
ADE20K semantic segmentation, from `transformers` (EomtForUniversalSegmentation), wrapped to return
(N, 150, H, W) semantic scores (bench.models._hf.semantic_from_queries).

Configuration read from tue-mps/eomt @ 7bd19dd: configs/dinov2/ade20k/semantic/eomt_large_512.yaml
(EoMT with `num_q: 100` on `models.vit.ViT`, whose default backbone is timm's
`vit_large_patch14_reg4_dinov2` re-created at `patch_size=16`: ViT-L, 1024 wide, 24 blocks,
16 heads, 4 register tokens, layer scale), models/eomt.py (queries join the last
`num_blocks=4` blocks; max(1, log2(16) - 2) = 2 upscale blocks), model_zoo/dinov2.md (ADE20K row
"EoMT-L 512x512"). transformers: hidden_size 1024, num_hidden_layers 24, num_attention_heads 16,
patch_size 16, image_size 512, num_register_tokens 4, num_queries 100, num_blocks 4,
num_upscale_blocks 2.

Inference as the authors evaluate (README "Evaluating": `--model.network.masked_attn_enabled
False`): no masked attention and no intermediate predictions. transformers skips both when the
annealing probabilities `attn_mask_probs` are 0 (their value at the end of training), so the
builder sets them to 0. transformers' EoMT does not interpolate its position embeddings, so
the model takes 512x512 inputs only (the authors evaluate larger images in 512x512 windows);
other sizes raise a ValueError.
"""

from __future__ import annotations

from torch import nn
from transformers import EomtConfig, EomtForUniversalSegmentation

from bench.models._hf import adapt
from bench.models.registry import register

CODE = "https://github.com/tue-mps/eomt"


def build_eomt_large(num_classes: int = 150, image_size: int = 512) -> nn.Module:
    cfg = EomtConfig(num_labels=num_classes, hidden_size=1024, num_hidden_layers=24,
                     num_attention_heads=16, patch_size=16, image_size=image_size,
                     num_register_tokens=4, num_queries=100, num_blocks=4, num_upscale_blocks=2)
    model = EomtForUniversalSegmentation(cfg)
    model.attn_mask_probs.zero_()  # trained state: masked attention annealed away
    model._bench_fixed_size = (image_size, image_size)  # transformers does not resize pos. emb.
    return adapt(model, "queries")


@register("eomt-l-512", paper="eomt", num_classes=150, input_size=(512, 512), official_code=CODE)
def eomt_l_512(num_classes: int = 150) -> nn.Module:
    """transformers EomtForUniversalSegmentation, DINOv2-L/16 with 4 registers at 512x512, 100
    queries in the last 4 blocks, masked attention off (as evaluated); semantic scores =
    softmax(class)[:-1] x sigmoid(mask) at the input size; random init"""
    return build_eomt_large(num_classes)
