"""Segmentation heads on `timm` backbones, as the backbone papers' mmsegmentation configs build them.

Backbone papers (PVTv2, InceptionNeXt, MetaFormer, MambaOut, ...) report ADE20K with one of two
mmseg recipes; their official segmentation code is the mmseg config with the paper's backbone
plugged in. `timm` ports those backbones from the official code (same modules, same parameter
counts as the official classifiers); the heads follow mmseg:

- UperNet (`configs/_base_/models/upernet_swin.py`): UPerHead, 512 channels, PPM scales
  (1, 2, 3, 6), on the four stages; a training-only auxiliary FCNHead (256 channels, one 3x3
  conv) on stage 3. The UPerHead and FCNHead are transformers' `UperNetHead` /
  `UperNetFCNHead` (the modules bench.models.upernet uses for Swin and ConvNeXt). The auxiliary
  head is built (the papers' #params count the whole EncoderDecoder) and never run; the bench's
  parameter count reports it as `excluded`.
- Semantic FPN (`configs/_base_/models/fpn_r50.py`, Kirillov et al. 2019): an FPN neck (1x1
  lateral and 3x3 output convs with bias, 256 channels, no norm) and FPNHead: per level
  3x3 conv + BN + ReLU blocks with a 2x bilinear upsample after each, as many as the level's
  stride needs to reach 1/4 (one block for the 1/4 level), summed, then a 1x1 classifier on 128
  channels (dropout 0.1, off at inference).

Random weights (`pretrained=False`): no hub access; converted checkpoints load via --weights.
"""

from __future__ import annotations

import math

import timm
import torch
import torch.nn.functional as F
from torch import nn
from transformers import UperNetConfig
from transformers.models.upernet.modeling_upernet import UperNetFCNHead, UperNetHead


class TimmFeatures(nn.Module):
    """The four stage outputs (strides 4, 8, 16, 32) of a timm backbone, NCHW."""

    def __init__(self, name: str, out_indices=(0, 1, 2, 3), **kwargs):
        super().__init__()
        self.body = timm.create_model(name, pretrained=False, features_only=True,
                                      out_indices=out_indices, **kwargs)
        self.channels = list(self.body.feature_info.channels())
        self.reductions = list(self.body.feature_info.reduction())

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        # some timm backbones (MambaOut, ...) return channels-last stage maps
        return [f.permute(0, 3, 1, 2) if f.shape[1] != c and f.shape[-1] == c else f
                for f, c in zip(self.body(x), self.channels)]


class UperNetOnTimm(nn.Module):
    """mmseg's EncoderDecoder(backbone, UPerHead, auxiliary FCNHead) at inference; `backbone` is
    any module returning the four stage maps and listing their widths in `.channels`."""

    def __init__(self, backbone: nn.Module, num_classes: int, channels: int = 512):
        super().__init__()
        cfg = UperNetConfig(num_labels=num_classes, hidden_size=channels, pool_scales=[1, 2, 3, 6],
                            use_auxiliary_head=True, auxiliary_channels=256,
                            auxiliary_num_convs=1, auxiliary_concat_input=False)
        self.backbone = backbone
        self.decode_head = UperNetHead(cfg, in_channels=backbone.channels)
        self.auxiliary_head = UperNetFCNHead(cfg, in_channels=backbone.channels, in_index=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.decode_head(self.backbone(x))   # the auxiliary head is training-only
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


def _conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class FPNNeck(nn.Module):
    """mmseg `FPN` (no norm, nearest top-down upsampling, out_channels for every level)."""

    def __init__(self, in_channels: list[int], out_channels: int = 256):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in in_channels)
        self.output = nn.ModuleList(nn.Conv2d(out_channels, out_channels, 3, padding=1)
                                    for _ in in_channels)

    def forward(self, feats: list[torch.Tensor]) -> list[torch.Tensor]:
        lat = [conv(f) for conv, f in zip(self.lateral, feats)]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[-2:], mode="nearest")
        return [conv(t) for conv, t in zip(self.output, lat)]


class FPNHead(nn.Module):
    """mmseg `FPNHead`: each level brought to stride 4 by conv+upsample blocks, summed."""

    def __init__(self, num_classes: int, strides: list[int], in_channels: int = 256,
                 channels: int = 128):
        super().__init__()
        heads = []
        for s in strides:
            n = max(1, int(math.log2(s) - math.log2(strides[0])))
            blocks: list[nn.Module] = []
            for k in range(n):
                blocks.append(_conv_bn_relu(in_channels if k == 0 else channels, channels))
                if s != strides[0]:
                    blocks.append(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
            heads.append(nn.Sequential(*blocks))
        self.scale_heads = nn.ModuleList(heads)
        self.dropout = nn.Dropout2d(0.1)
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        out = self.scale_heads[0](feats[0])
        for head, f in zip(self.scale_heads[1:], feats[1:]):
            out = out + F.interpolate(head(f), size=out.shape[-2:], mode="bilinear", align_corners=False)
        return self.conv_seg(self.dropout(out))


class SemanticFPNOnTimm(nn.Module):
    """mmseg's EncoderDecoder(backbone, FPN neck, FPNHead) at inference (`backbone` as above,
    with `.reductions` too)."""

    def __init__(self, backbone: nn.Module, num_classes: int):
        super().__init__()
        self.backbone = backbone
        self.neck = FPNNeck(backbone.channels)
        self.decode_head = FPNHead(num_classes, backbone.reductions)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.decode_head(self.neck(self.backbone(x)))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


def upernet(name: str, num_classes: int = 150, **kwargs) -> nn.Module:
    return UperNetOnTimm(TimmFeatures(name, **kwargs), num_classes).eval()


def semantic_fpn(name: str, num_classes: int = 150, **kwargs) -> nn.Module:
    return SemanticFPNOnTimm(TimmFeatures(name, **kwargs), num_classes).eval()
