"""STDC-Seg (Fan et al., "Rethinking BiSeNet For Real-time Semantic Segmentation", CVPR 2021).

Followed: the authors' MichaelFan01/STDC-Seg, nets/stdcnet.py (STDCNet813 = STDC1,
STDCNet1446 = STDC2) and models/model_stages.py (BiSeNet with the STDC context path), at commit
7d3fa79c898f16f38a08aada1c829a28b38bc68f.

Backbone (STDCNet, base 64, block_num 4, "cat" blocks):
- stem: ConvX 3x3/s2 -> 32, ConvX 3x3/s2 -> 64 (ConvX = conv (no bias) + BN + ReLU);
- three stages of STDC ("CatBottleneck") modules, STDC1 (2, 2, 2) / STDC2 (4, 5, 3) modules, widths
  256 / 512 / 1024 at strides 8 / 16 / 32. A module: 1x1 ConvX to C/2, then 3x3 ConvXs to C/4,
  C/8, C/8, outputs concatenated (C). In a strided module the 1x1 output goes through a 3x3/s2
  depth-wise conv + BN before the next conv, and the 1x1 output itself is 3x3/s2 average-pooled
  before the concatenation.
Segmentation network (model_stages.BiSeNet, eval path):
- context path: global average pool of the 1/32 feature -> 1x1 ConvBNReLU 128; ARMs (3x3
  ConvBNReLU 128 + 1x1 conv + BN + sigmoid attention) on 1/32 (1024 ch) and 1/16 (512 ch),
  each summed with the path from above, upsampled by nearest neighbour, refined by a 3x3
  ConvBNReLU 128;
- FFM on concat(1/8 backbone feature (256), context (128)) = 384: 1x1 ConvBNReLU 256, attention
  1x1 256 -> 64, ReLU, 1x1 64 -> 256, sigmoid (no BN, no bias); out = x + x * att;
- head: 3x3 ConvBNReLU 256 -> 256, 1x1 conv -> classes (no bias); bilinear (align_corners=True)
  to the input size.
Not built (training only or unused at inference): the context-path aux heads conv_out16 /
conv_out32, the detail-guidance heads conv_out_sp2/4/8/16, and the backbone's ImageNet
classifier (conv_last, fc, bn, linear), which model_stages.py instantiates with the backbone but
never calls (use_conv_last=False). The official module therefore holds more parameters than the
network it runs; the test records both. The official code uses InPlaceABNSync(activation='none')
followed by ReLU, i.e. BN + ReLU. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/MichaelFan01/STDC-Seg/blob/7d3fa79c898f16f38a08aada1c829a28b38bc68f/models/model_stages.py"
# STDC1-Seg50 / STDC2-Seg50: the authors' 512x1024 test size (README "inputDimension = (1, 3, 512, 1024)")
_SEG50 = dict(num_classes=19, input_size=(512, 1024))


def _cbr(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class STDCModule(nn.Module):
    """Short-term dense concatenation module ("CatBottleneck" with 4 blocks)."""

    def __init__(self, cin: int, cout: int, stride: int, blocks: int = 4):
        super().__init__()
        widths = [cout // 2] + [cout // 2 ** (i + 1) for i in range(1, blocks - 1)]
        widths.append(widths[-1])  # the last two convs have the same width: C/8, C/8 for 4 blocks
        self.convs = nn.ModuleList([_cbr(cin, widths[0], 1)] +
                                   [_cbr(a, b, 3) for a, b in zip(widths[:-1], widths[1:])])
        self.down = None
        if stride == 2:
            half = cout // 2
            self.down = nn.Sequential(nn.Conv2d(half, half, 3, 2, 1, groups=half, bias=False),
                                      nn.BatchNorm2d(half))
            self.skip = nn.AvgPool2d(3, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = self.convs[0](x)
        out = self.down(first) if self.down is not None else first
        outs = []
        for conv in self.convs[1:]:
            out = conv(out)
            outs.append(out)
        if self.down is not None:
            first = self.skip(first)
        return torch.cat([first] + outs, 1)


class STDCNet(nn.Module):
    """STDC backbone without its ImageNet classifier; returns the 1/8, 1/16, 1/32 features."""

    def __init__(self, layers: tuple[int, int, int], base: int = 64):
        super().__init__()
        self.stem = nn.Sequential(_cbr(3, base // 2, 3, 2), _cbr(base // 2, base, 3, 2))
        stages, cin = [], base
        for i, n in enumerate(layers):
            cout = base * 4 * 2 ** i
            stages.append(nn.Sequential(STDCModule(cin, cout, 2),
                                        *(STDCModule(cout, cout, 1) for _ in range(n - 1))))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.channels = [base * 4 * 2 ** i for i in range(3)]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x, feats = self.stem(x), []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


class _ARM(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _cbr(cin, cout, 3)
        self.attention = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cout, cout, 1, bias=False),
                                       nn.BatchNorm2d(cout), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return x * self.attention(x)


class _FFM(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _cbr(cin, cout, 1)
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(cout, cout // 4, 1, bias=False), nn.ReLU(inplace=True),
            nn.Conv2d(cout // 4, cout, 1, bias=False), nn.Sigmoid())

    def forward(self, spatial: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.conv(torch.cat([spatial, context], 1))
        return x + x * self.attention(x)


class STDCSeg(nn.Module):
    def __init__(self, layers: tuple[int, int, int], num_classes: int = 19, ch: int = 128):
        super().__init__()
        self.backbone = STDCNet(layers)
        c8, c16, c32 = self.backbone.channels
        self.global_context = nn.Sequential(nn.AdaptiveAvgPool2d(1), _cbr(c32, ch, 1))
        self.arm32, self.arm16 = _ARM(c32, ch), _ARM(c16, ch)
        self.refine32, self.refine16 = _cbr(ch, ch, 3), _cbr(ch, ch, 3)
        self.ffm = _FFM(c8 + ch, 256)
        self.head = nn.Sequential(_cbr(256, 256, 3), nn.Conv2d(256, num_classes, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f8, f16, f32 = self.backbone(x)
        up = lambda t, ref: F.interpolate(t, ref.shape[2:], mode="nearest")  # noqa: E731
        ctx = self.arm32(f32) + self.global_context(f32)  # 1x1 pooled context broadcasts
        ctx = self.refine32(up(ctx, f16))
        ctx = self.refine16(up(self.arm16(f16) + ctx, f8))
        y = self.head(self.ffm(f8, ctx))
        return F.interpolate(y, x.shape[2:], mode="bilinear", align_corners=True)


@register("stdc1", paper="stdc", **_SEG50, official_code=_CODE,
          notes="STDC1-Seg (STDCNet813) from MichaelFan01/STDC-Seg; aux and detail heads and the "
                "unused backbone classifier not built; registered at the Seg50 size 512x1024")
def stdc1(num_classes: int = 19) -> nn.Module:
    """STDC1-Seg: STDC1 backbone (2, 2, 2 modules) + BiSeNet-style context path and FFM."""
    return STDCSeg((2, 2, 2), num_classes)


@register("stdc2", paper="stdc", **_SEG50, official_code=_CODE,
          notes="STDC2-Seg (STDCNet1446) from MichaelFan01/STDC-Seg; aux and detail heads and the "
                "unused backbone classifier not built; registered at the Seg50 size 512x1024")
def stdc2(num_classes: int = 19) -> nn.Module:
    """STDC2-Seg: STDC2 backbone (4, 5, 3 modules) + BiSeNet-style context path and FFM."""
    return STDCSeg((4, 5, 3), num_classes)
