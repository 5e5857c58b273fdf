"""OneFormer (Jain et al., CVPR 2023) for ADE20K semantic segmentation, from `transformers`
(OneFormerForUniversalSegmentation), run with the "semantic" task token and wrapped to return
(N, 150, H, W) semantic scores (bench.models._hf.semantic_from_queries, as OneFormer's
semantic inference, which is Mask2Former's).

Configuration read from SHI-Labs/OneFormer @ 1780582: configs/ade20k/oneformer_R50_bs16_160k.yaml
(MSDeformAttn pixel decoder, 6 encoder layers, CONVS_DIM = MASK_DIM = HIDDEN_DIM = 256, 8 heads,
FFN 2048, DEC_LAYERS 10, CLASS_DEC_LAYERS 2, USE_TASK_NORM, text encoder width 256 / 6 layers /
context 77, task sequence length 77) and configs/ade20k/swin/oneformer_swin_large_bs16_160k.yaml
(Swin-L: embed 192, depths [2,2,18,2], heads [6,12,24,48], window 12; 250 queries; 640x640).
ConvNeXt-L / -XL (configs/ade20k/convnext/oneformer_convnext_large_bs16_160k.yaml @ fa2ab72,
oneformer_convnext_xlarge_bs16_160k.yaml @ 5e0832b): the same R50 base (decoder, 250 queries,
640x640), D2ConvNeXt with depths [3,3,27,3], dims [192,384,768,1536] / [256,512,1024,2048],
out_indices 0-3 (a LayerNorm on each output: transformers' ConvNextBackbone
`hidden_states_norms`), layer scale init 1.0 (its value does not change the count).
transformers fields: num_queries 250, decoder_layers 10, query_dec_layers 2, conv_dim/mask_dim/
hidden_dim 256, encoder_layers 6, dim_feedforward 2048, task_seq_len 77, is_training False
(the text mapper, used only for the training-time contrastive loss, is not built).

Task input. OneFormer conditions its queries on the tokenized text "the task is semantic":
CLIP BPE ids padded to 77, fed as a float vector to the task MLP (transformers'
OneFormerProcessor). The CLIP vocabulary is not available offline here, so the buffer
`bench_task_inputs` (1, 77) holds zeros by default: shapes, parameters and FLOPs do not depend on
the ids (the task MLP is dense). With real weights, set the processor's ids through
`set_task_inputs(ids)`; the adapter refuses a sequence of the wrong length.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import OneFormerConfig, OneFormerForUniversalSegmentation

from bench.models._hf import adapt
from bench.models.registry import register
from bench.models.upernet import SWIN

CODE = "https://github.com/SHI-Labs/OneFormer"
TASK_SEQ_LEN = 77


def set_task_inputs(model: nn.Module, ids) -> None:
    """Use these task token ids (CLIP BPE of "the task is semantic", padded to 77)."""
    ids = torch.as_tensor(ids, dtype=torch.float32).reshape(1, -1)
    if ids.shape[1] != model.config.task_seq_len:
        raise ValueError(f"task token ids: expected {model.config.task_seq_len}, got {ids.shape[1]}")
    model.bench_task_inputs.copy_(ids)


def build_oneformer(num_classes: int = 150, backbone=None) -> nn.Module:
    from transformers import SwinConfig

    if backbone is None:
        dim, depths, heads, window, _ = SWIN["l"]
        backbone = SwinConfig(embed_dim=dim, depths=depths, num_heads=heads, window_size=window,
                              out_features=["stage1", "stage2", "stage3", "stage4"])
    cfg = OneFormerConfig(backbone_config=backbone, num_labels=num_classes, num_queries=250,
                          decoder_layers=10, query_dec_layers=2, conv_dim=256, mask_dim=256,
                          hidden_dim=256, encoder_layers=6, dim_feedforward=2048,
                          task_seq_len=TASK_SEQ_LEN, is_training=False)
    model = OneFormerForUniversalSegmentation(cfg)
    model.register_buffer("bench_task_inputs", torch.zeros(1, TASK_SEQ_LEN), persistent=False)
    model._bench_extra_inputs = {"task_inputs": "bench_task_inputs"}
    return adapt(model, "queries")


@register("oneformer-swin-l", paper="oneformer", num_classes=150, input_size=(640, 640),
          official_code=CODE)
def oneformer_swin_l(num_classes: int = 150) -> nn.Module:
    """transformers OneFormerForUniversalSegmentation, Swin-L (window 12), 250 queries, 9+1
    decoder layers, task token 'semantic' (ids: see module doc; zeros by default, which does
    not change params or FLOPs); semantic scores = softmax(class)[:-1] x sigmoid(mask) at the
    input size; random init"""
    return build_oneformer(num_classes)


def _convnext(variant: str):
    from bench.models.upernet import convnext_backbone

    return convnext_backbone(variant)


@register("oneformer-convnext-l", paper="oneformer", num_classes=150, input_size=(640, 640),
          official_code=CODE)
def oneformer_convnext_l(num_classes: int = 150) -> nn.Module:
    """transformers OneFormerForUniversalSegmentation, ConvNeXt-L backbone (dims 192-1536, depths
    3/3/27/3, a LayerNorm per output), 250 queries, the R50 config's decoder; random init"""
    return build_oneformer(num_classes, _convnext("l"))


@register("oneformer-convnext-xl", paper="oneformer", num_classes=150, input_size=(640, 640),
          official_code=CODE)
def oneformer_convnext_xl(num_classes: int = 150) -> nn.Module:
    """transformers OneFormerForUniversalSegmentation, ConvNeXt-XL backbone (dims 256-2048,
    depths 3/3/27/3, a LayerNorm per output), 250 queries, the R50 config's decoder; random init"""
    return build_oneformer(num_classes, _convnext("xl"))
