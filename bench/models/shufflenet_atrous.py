"""ShuffleNet V2 + DeepLab heads (Türkmen & Heikkilä, SCIA 2019), the surveys' "efficient" model.

"An efficient solution for semantic segmentation: ShuffleNet V2 with atrous separable
convolutions". Followed: sercant/mobile-segmentation (the authors' TF code): core/shufflenet_v2.py
(backbone), model.py (DeepLab-style `extract_features`/`get_branch_logits`, no decoder),
core/dense_prediction_cell.py and core/encoder_heads.py (DPC and basic heads).

Which head is the surveys' model: the README's headline is "70.33% on Cityscapes challenge"
(test) and its released checkpoints are shufflenetv2_basic_cityscapes_67_7 and
shufflenetv2_dpc_cityscapes_71_3 (val); the 70.33 test entry is the DPC model, so the bench key
`shufflenetv2-atrous` builds the DPC head. `head="basic"` builds the other one. The survey's
"3.05G at 640x360" is checked against both in tests/models/test_models_part2.py.

Backbone (ShuffleNet V2 1.0x, base only, no Conv5): 3x3/s2 conv 24 + BN + ReLU, 3x3/s2 max pool,
stages of 4/8/4 units with 116/232/464 channels. As in the TF code, the down-sampling unit's main
branch starts with a 1x1 conv keeping the *input* width (24->24 in stage 2; torchvision uses
24->58), depthwise convs have BN but no ReLU, and the channel shuffle interleaves (x, y) before
splitting. Output stride 16: stage 4 loses its stride; note that the code's `get_stride` keeps
rate 1 there, so the backbone has no atrous convs (the atrous convs are in the DPC head).
DPC head (rates at output stride 16): five depthwise-separable branches (depthwise 3x3 + BN + ReLU,
pointwise 1x1 256 + BN + ReLU) with rates (1,6) on the features, (18,15), (6,21), (1,1) on
branch 0 and (6,3) on branch 1; concat (1280) -> 1x1 256 + BN + ReLU.
Basic head: image pooling (global average, 1x1 256 + BN + ReLU, upsampled) and a 1x1 256
+ BN + ReLU branch; concat (512) -> 1x1 256 + BN + ReLU.
Logits: 1x1 conv with bias, upsampled bilinearly (align_corners=True) to the input.
Dropout (keep 0.9 on the concat) is training-only. Registered: Cityscapes, 19 classes, 360x640
(the survey's FLOPs input 640x360).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/sercant/mobile-segmentation"


def _cbr(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


def _dw_bn(c: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c, c, 3, stride, 1, groups=c, bias=False), nn.BatchNorm2d(c))


class _DownUnit(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.main = nn.Sequential(_cbr(cin, cin), _dw_bn(cin, stride), _cbr(cin, cout // 2))
        self.second = nn.Sequential(_dw_bn(cin, stride), _cbr(cin, cout // 2))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.second(x), self.main(x)  # (x, y) as in basic_unit_with_downsampling


class _Stage(nn.Module):
    def __init__(self, cin: int, cout: int, units: int, stride: int):
        super().__init__()
        half = cout // 2
        self.down = _DownUnit(cin, cout, stride)
        self.units = nn.ModuleList(nn.Sequential(_cbr(half, half), _dw_bn(half), _cbr(half, half))
                                   for _ in range(units - 1))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        x, y = self.down(inp)
        for unit in self.units:
            # concat_shuffle_split: interleave channels of x and y, split in halves
            z = torch.stack([x, y], 2).flatten(1, 2)
            x, y = z.chunk(2, 1)
            x = unit(x)
        return torch.cat([x, y], 1)


class ShuffleNetV2Base(nn.Module):
    def __init__(self, widths=(116, 232, 464), units=(4, 8, 4)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        strides = (2, 2, 1)  # output stride 16: stage 4 keeps resolution (rate stays 1)
        cins = (24,) + tuple(widths[:-1])
        self.stages = nn.Sequential(*[_Stage(ci, co, n, s)
                                      for ci, co, n, s in zip(cins, widths, units, strides)])
        self.out_channels = widths[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x))


def _sep(cin: int, cout: int, rate: tuple[int, int]) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, 1, rate, dilation=rate, groups=cin, bias=False),
        nn.BatchNorm2d(cin), nn.ReLU(inplace=True), _cbr(cin, cout))


class _DPC(nn.Module):
    # (input branch, rate (h, w)); -1 = the backbone features
    CONFIG = ((-1, (1, 6)), (0, (18, 15)), (0, (6, 21)), (0, (1, 1)), (1, (6, 3)))

    def __init__(self, cin: int, depth: int = 256):
        super().__init__()
        self.branches = nn.ModuleList(_sep(cin if src < 0 else depth, depth, rate)
                                      for src, rate in self.CONFIG)
        self.project = _cbr(depth * len(self.CONFIG), depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs: list[torch.Tensor] = []
        for (src, _), branch in zip(self.CONFIG, self.branches):
            outs.append(branch(x if src < 0 else outs[src]))
        return self.project(torch.cat(outs, 1))


class _BasicHead(nn.Module):
    def __init__(self, cin: int, depth: int = 256):
        super().__init__()
        self.pool_branch = _cbr(cin, depth)
        self.conv_branch = _cbr(cin, depth)
        self.project = _cbr(2 * depth, depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.pool_branch(x.mean((2, 3), keepdim=True))
        pooled = F.interpolate(pooled, x.shape[2:], mode="bilinear", align_corners=True)
        return self.project(torch.cat([pooled, self.conv_branch(x)], 1))


class ShuffleNetV2Atrous(nn.Module):
    def __init__(self, num_classes: int = 19, head: str = "dpc"):
        super().__init__()
        if head not in ("dpc", "basic"):
            raise ValueError(f"head must be 'dpc' or 'basic', got {head!r}")
        self.backbone = ShuffleNetV2Base()
        c = self.backbone.out_channels
        self.head = _DPC(c) if head == "dpc" else _BasicHead(c)
        self.logits = nn.Conv2d(256, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.logits(self.head(self.backbone(x)))
        return F.interpolate(y, x.shape[2:], mode="bilinear", align_corners=True)


@register("shufflenetv2-atrous", paper="shufflenetv2-atrous", num_classes=19,
          input_size=(360, 640), official_code=_CODE,
          notes="ShuffleNet V2 1.0x (output stride 16) + DPC head, as sercant/mobile-segmentation; "
                "DPC is the head of the 70.33 Cityscapes test entry")
def shufflenetv2_atrous(num_classes: int = 19, head: str = "dpc") -> nn.Module:
    """ShuffleNet V2 + DPC head (the surveys' 'efficient' model); head='basic' for the other."""
    return ShuffleNetV2Atrous(num_classes, head)
