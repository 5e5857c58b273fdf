"""PIDNet (Xu, Xiong, Bhattacharyya, "PIDNet: A Real-time Semantic Segmentation Network Inspired by
PID Controllers", CVPR 2023, arXiv 2206.02066).

Followed: the authors' XuJiacong/PIDNet, models/pidnet.py (commit
4b4f57f4c5823712e8be511662fe233219fe65ff, `get_pred_model`) and models/model_utils.py (commit
c4d7112f9a9666d0e49e5f1535422abf7db326d5). Variants (m, n, planes, ppm_planes, head_planes):
S (2, 3, 32, 96, 128), M (2, 3, 64, 96, 128), L (3, 4, 64, 112, 256) (README: "(m,n,C) are
scheduled to be (2,3,32), (2,3,64) and (3,4,64)").

Structure (C = planes):
- I branch: DDRNet-style stem (two 3x3/s2 convs with bias), basic-block layers m x C (1/4),
  m x 2C (1/8), n x 4C (1/16), n x 8C (1/32), 2 bottlenecks 16C (1/64), then PAPPM (S, M:
  parallel pooled branches + one grouped 3x3 conv, groups 4) or DAPPM (L), output 4C;
- P branch at 1/8 (2C): basic-block layers of m blocks after stage 2 and 3, one bottleneck;
  Pag fusion (sigmoid of the per-pixel dot product of two 1x1 conv + BN embeddings with
  width C) with the I branch after stages 3 and 4;
- D branch at 1/8: S/M: one basic block 2C -> C, one bottleneck C -> 2C; L: two basic blocks
  2C; plus 3x3 conv + BN of the I features (diff3 / diff4), upsampled and added; bottleneck
  2C -> 4C;
- fusion: Light-Bag (S, M: two 1x1 conv + BN) or Bag (L: BN-ReLU-3x3 conv) of P, I and sigmoid(D);
- head: DDRNet segmenthead (head_planes) at 1/8.
Deviations: the official model returns 1/8 logits and the eval code upsamples them (bilinear,
align_corners=False); we upsample inside forward. The training-only heads (`augment=True`:
seghead_p, seghead_d) are not built. Building blocks are shared with `bench.models.ddrnet`,
whose code PIDNet's model_utils.py reproduces. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.ddrnet import (
    DAPPM,
    BasicBlock,
    Bottleneck,
    SegHead,
    bn_relu_conv,
    check_divisible_by_8,
    conv_bn,
    make_layer,
    resize,
    stem,
)
from bench.models.registry import register

_CODE = "https://github.com/XuJiacong/PIDNet/blob/4b4f57f4c5823712e8be511662fe233219fe65ff/models/pidnet.py"
_CITYSCAPES = dict(num_classes=19, input_size=(1024, 2048))


class PAPPM(nn.Module):
    """Parallel aggregation PPM: the four pooled branches are fused by one grouped 3x3 conv."""

    def __init__(self, cin: int, branch: int, cout: int):
        super().__init__()
        self.scale0 = bn_relu_conv(cin, branch)
        self.scales = nn.ModuleList(
            [nn.Sequential(nn.AvgPool2d(k, s, p), *bn_relu_conv(cin, branch)) for k, s, p in DAPPM.POOLS]
            + [nn.Sequential(nn.AdaptiveAvgPool2d(1), *bn_relu_conv(cin, branch))])
        self.process = bn_relu_conv(branch * 4, branch * 4, 3, groups=4)
        self.compression = bn_relu_conv(branch * 5, cout)
        self.shortcut = bn_relu_conv(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = self.scale0(x)
        pooled = torch.cat([resize(s(x), x.shape[2:]) + base for s in self.scales], 1)
        return self.compression(torch.cat([base, self.process(pooled)], 1)) + self.shortcut(x)


class PagFM(nn.Module):
    """Pixel-attention-guided fusion of the P branch (x) with the upsampled I branch (y)."""

    def __init__(self, cin: int, mid: int):
        super().__init__()
        self.f_x, self.f_y = conv_bn(cin, mid), conv_bn(cin, mid)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        y_q = resize(self.f_y(y), x.shape[2:])
        sim = torch.sigmoid((self.f_x(x) * y_q).sum(1, keepdim=True))
        return (1 - sim) * x + sim * resize(y, x.shape[2:])


class LightBag(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv_p, self.conv_i = conv_bn(cin, cout), conv_bn(cin, cout)

    def forward(self, p: torch.Tensor, i: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        att = torch.sigmoid(d)
        return self.conv_p((1 - att) * i + p) + self.conv_i(i + att * p)


class Bag(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = bn_relu_conv(cin, cout, 3)

    def forward(self, p: torch.Tensor, i: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        att = torch.sigmoid(d)
        return self.conv(att * p + (1 - att) * i)


def _single(block: type, cin: int, planes: int) -> nn.Module:
    """Official `_make_single_layer`: one block without the final ReLU."""
    cout = planes * block.expansion
    return block(cin, planes, 1, conv_bn(cin, cout) if cin != cout else None, relu=False)


class PIDNet(nn.Module):
    def __init__(self, m: int, n: int, planes: int, ppm_planes: int, head_planes: int, num_classes: int = 19):
        super().__init__()
        c = planes
        self.conv1 = stem(c)
        self.layer1 = make_layer(BasicBlock, c, c, m)
        self.layer2 = make_layer(BasicBlock, c, 2 * c, m, 2)
        self.layer3 = make_layer(BasicBlock, 2 * c, 4 * c, n, 2)
        self.layer4 = make_layer(BasicBlock, 4 * c, 8 * c, n, 2)
        self.layer5 = make_layer(Bottleneck, 8 * c, 8 * c, 2, 2)
        # P branch
        self.compression3, self.compression4 = conv_bn(4 * c, 2 * c), conv_bn(8 * c, 2 * c)
        self.pag3, self.pag4 = PagFM(2 * c, c), PagFM(2 * c, c)
        self.layer3_ = make_layer(BasicBlock, 2 * c, 2 * c, m)
        self.layer4_ = make_layer(BasicBlock, 2 * c, 2 * c, m)
        self.layer5_ = make_layer(Bottleneck, 2 * c, 2 * c, 1)
        # D branch
        if m == 2:  # PIDNet-S / -M
            self.layer3_d = _single(BasicBlock, 2 * c, c)
            self.layer4_d = make_layer(Bottleneck, c, c, 1)
            self.diff3 = conv_bn(4 * c, c, 3)
            self.spp = PAPPM(16 * c, ppm_planes, 4 * c)
            self.dfm = LightBag(4 * c, 4 * c)
        else:  # PIDNet-L
            self.layer3_d = _single(BasicBlock, 2 * c, 2 * c)
            self.layer4_d = _single(BasicBlock, 2 * c, 2 * c)
            self.diff3 = conv_bn(4 * c, 2 * c, 3)
            self.spp = DAPPM(16 * c, ppm_planes, 4 * c)
            self.dfm = Bag(4 * c, 4 * c)
        self.diff4 = conv_bn(8 * c, 2 * c, 3)
        self.layer5_d = make_layer(Bottleneck, 2 * c, 2 * c, 1)
        self.final_layer = SegHead(4 * c, head_planes, num_classes)

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        check_divisible_by_8(inp, "PIDNet")
        size8 = (inp.shape[-2] // 8, inp.shape[-1] // 8)
        x = self.layer1(self.conv1(inp))
        x = F.relu(self.layer2(F.relu(x)))
        x_p, x_d = self.layer3_(x), self.layer3_d(x)
        x = F.relu(self.layer3(x))
        x_p = self.pag3(x_p, self.compression3(x))
        x_d = x_d + resize(self.diff3(x), size8)
        x = F.relu(self.layer4(x))
        x_p = self.layer4_(F.relu(x_p))
        x_d = self.layer4_d(F.relu(x_d))
        x_p = self.pag4(x_p, self.compression4(x))
        x_d = x_d + resize(self.diff4(x), size8)
        x_p = self.layer5_(F.relu(x_p))
        x_d = self.layer5_d(F.relu(x_d))
        x = resize(self.spp(self.layer5(x)), size8)
        return resize(self.final_layer(self.dfm(x_p, x, x_d)), inp.shape[2:])


_NOTE = ("models/pidnet.py get_pred_model (augment=False: P and D training heads not built); "
         "logits upsampled to the input size inside forward")


@register("pidnet-s", paper="pidnet", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def pidnet_s(num_classes: int = 19) -> nn.Module:
    """PIDNet-S: m=2, n=3, C=32, PAPPM 96, head 128."""
    return PIDNet(2, 3, 32, 96, 128, num_classes)


@register("pidnet-m", paper="pidnet", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def pidnet_m(num_classes: int = 19) -> nn.Module:
    """PIDNet-M: m=2, n=3, C=64, PAPPM 96, head 128."""
    return PIDNet(2, 3, 64, 96, 128, num_classes)


@register("pidnet-l", paper="pidnet", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def pidnet_l(num_classes: int = 19) -> nn.Module:
    """PIDNet-L: m=3, n=4, C=64, DAPPM 112, head 256."""
    return PIDNet(3, 4, 64, 112, 256, num_classes)
