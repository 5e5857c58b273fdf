"""BiSeNet V2 (Yu et al., "BiSeNet V2: Bilateral Network with Guided Aggregation for Real-time
Semantic Segmentation", IJCV 2021, arXiv 2004.02147).

Release status: no code from the authors was found. mmsegmentation's configs/bisenetv2/README.md
(commit 1ea9dad95e71f47e2ead8dbd57bff544d87f4e1b) leaves its "Official Repo" link empty, and
CoinCheung/BiSeNet (lib/models/bisenetv2.py) is a third-party reproduction. Followed:
open-mmlab/mmsegmentation mmseg/models/backbones/bisenetv2.py (commit
088894bd6167bf55031e4d05475d22504035b3e6; its forward credits CoinCheung's code) with the
decode head of configs/_base_/models/bisenetv2.py (FCNHead, channels 1024, one conv).

Structure (every conv without bias unless said; ConvBNReLU = conv + BN + ReLU):
- Detail Branch: 3x3 ConvBNReLUs 64/s2, 64 | 64/s2, 64, 64 | 128/s2, 128, 128 (1/8);
- Semantic Branch: stem (3x3/s2 ConvBNReLU 16; 1x1 8 + 3x3/s2 16 beside a 3x3/s2 max pool,
  concatenated, 3x3 ConvBNReLU 16; 1/4), GE layers (expansion 6) 32 x2 (1/8), 64 x2 (1/16),
  128 x4 (1/32), the first of each stage strided (3x3/s2 depth-wise conv + BN, 3x3
  depth-wise ConvBNReLU, with a depth-wise-separable projection shortcut), then the context
  embedding block (global average pool + BN, 1x1 ConvBNReLU, add, 3x3 ConvBNReLU);
- BGA layer (128): detail 3x3 depth-wise conv + BN + 1x1 conv (with bias) and 3x3/s2 conv +
  BN + 3x3/s2 avg pool; semantic 3x3 conv + BN (upsampled x4) and depth-wise + BN + 1x1 conv
  (with bias); two sigmoid-gated products summed (the low one upsampled), 3x3 ConvBNReLU;
- head: 3x3 ConvBNReLU 128 -> 1024, dropout, 1x1 conv -> classes (bias), bilinear
  (align_corners=False) to the input size.
Deviations: the four booster (auxiliary FCN) heads are training only and not built.
Differences between the two reproductions (recorded, not adopted): CoinCheung's BGA 1x1 convs
have no bias and it upsamples with nearest neighbour, not bilinear. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/open-mmlab/mmsegmentation/blob/088894bd6167bf55031e4d05475d22504035b3e6/mmseg/models/backbones/bisenetv2.py"


def _cb(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, relu: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=False)


class DetailBranch(nn.Module):
    def __init__(self, chs=(64, 64, 128)):
        super().__init__()
        stages, cin = [], 3
        for i, c in enumerate(chs):
            convs = [_cb(cin, c, 3, 2)] + [_cb(c, c) for _ in range(1 if i == 0 else 2)]
            stages.append(nn.Sequential(*convs))
            cin = c
        self.stages = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)


class StemBlock(nn.Module):
    def __init__(self, cout: int = 16):
        super().__init__()
        self.conv_first = _cb(3, cout, 3, 2)
        self.convs = nn.Sequential(_cb(cout, cout // 2, 1), _cb(cout // 2, cout, 3, 2))
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.fuse_last = _cb(2 * cout, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_first(x)
        return self.fuse_last(torch.cat([self.convs(x), self.pool(x)], 1))


class GELayer(nn.Module):
    """Gather-and-expansion layer."""

    def __init__(self, cin: int, cout: int, ratio: int = 6, stride: int = 1):
        super().__init__()
        mid = cin * ratio
        self.conv1 = _cb(cin, cin)
        if stride == 1:
            self.dwconv = _cb(cin, mid, 3, 1, groups=cin)
            self.shortcut = None
        else:
            self.dwconv = nn.Sequential(_cb(cin, mid, 3, 2, groups=cin, relu=False),
                                        _cb(mid, mid, 3, 1, groups=mid))
            self.shortcut = nn.Sequential(_cb(cin, cin, 3, 2, groups=cin, relu=False),
                                          _cb(cin, cout, 1, relu=False))
        self.conv2 = _cb(mid, cout, 1, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv2(self.dwconv(self.conv1(x)))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class CEBlock(nn.Module):
    def __init__(self, c: int = 128):
        super().__init__()
        self.gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.BatchNorm2d(c))
        self.conv_gap = _cb(c, c, 1)
        self.conv_last = _cb(c, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_last(x + self.conv_gap(self.gap(x)))


class SemanticBranch(nn.Module):
    def __init__(self, chs=(16, 32, 64, 128), ratio: int = 6):
        super().__init__()
        stages: list[nn.Module] = [StemBlock(chs[0])]
        for i in range(1, len(chs)):
            n = 4 if i == len(chs) - 1 else 2
            stages.append(nn.Sequential(GELayer(chs[i - 1], chs[i], ratio, 2),
                                        *(GELayer(chs[i], chs[i], ratio, 1) for _ in range(n - 1))))
        stages.append(CEBlock(chs[-1]))
        self.stages = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)


def _dw_pw(c: int) -> nn.Sequential:
    """mmcv DepthwiseSeparableConvModule(dw BN, no act; pw no norm -> bias, no act)."""
    return nn.Sequential(_cb(c, c, 3, groups=c, relu=False), nn.Conv2d(c, c, 1))


class BGALayer(nn.Module):
    def __init__(self, c: int = 128):
        super().__init__()
        self.detail_dwconv = _dw_pw(c)
        self.detail_down = nn.Sequential(_cb(c, c, 3, 2, relu=False), nn.AvgPool2d(3, 2, 1))
        self.semantic_conv = _cb(c, c, relu=False)
        self.semantic_dwconv = _dw_pw(c)
        self.conv = _cb(c, c)

    def forward(self, x_d: torch.Tensor, x_s: torch.Tensor) -> torch.Tensor:
        detail = self.detail_dwconv(x_d)
        fuse1 = detail * torch.sigmoid(_up(self.semantic_conv(x_s), detail.shape[2:]))
        fuse2 = self.detail_down(x_d) * torch.sigmoid(self.semantic_dwconv(x_s))
        return self.conv(fuse1 + _up(fuse2, fuse1.shape[2:]))


class BiSeNetV2(nn.Module):
    def __init__(self, num_classes: int = 19, head_channels: int = 1024):
        super().__init__()
        self.detail = DetailBranch()
        self.semantic = SemanticBranch()
        self.bga = BGALayer()
        self.head = nn.Sequential(_cb(128, head_channels), nn.Dropout(0.1),
                                  nn.Conv2d(head_channels, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.head(self.bga(self.detail(x), self.semantic(x)))
        return _up(y, x.shape[2:])


@register("bisenetv2", paper="bisenetv2", num_classes=19, input_size=(1024, 2048), official_code=_CODE,
          notes="no author code found; mmsegmentation BiSeNetV2 backbone + FCN head (1024 channels), the "
                "four booster heads (training only) not built")
def bisenetv2(num_classes: int = 19) -> nn.Module:
    """BiSeNet V2 as mmsegmentation builds it (configs/_base_/models/bisenetv2.py)."""
    return BiSeNetV2(num_classes)
