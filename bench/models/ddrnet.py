"""DDRNet (Hong et al., "Deep Dual-resolution Networks for Real-time and Accurate Semantic
Segmentation of Road Scenes", arXiv 2101.06085).

Followed: the authors' ydhongHIT/DDRNet, segmentation/DDRNet_23_slim.py (commit
6023467c5456856447131abf708d7b713e016349), segmentation/DDRNet_23.py (commit
863b2dfa24a8f45883a0dbb8a033c885885f8ccb) and segmentation/DDRNet_39.py (commit
3232d0a32dfd5495e64d57b0140ff5e74f721617): `DualResNet(BasicBlock, [2, 2, 2, 2], planes=32,
spp_planes=128, head_planes=64)` for DDRNet-23-slim, `planes=64, spp_planes=128,
head_planes=128` for DDRNet-23, and `[3, 4, 6, 3], planes=64, spp_planes=128, head_planes=256`
with stage 3 split in two (one more bilateral fusion) for DDRNet-39.

Structure (planes = C):
- stem: two 3x3/s2 convs (with bias, as the official code) + BN + ReLU -> C at 1/4;
- low-resolution branch: ResNet basic-block layers of 2 blocks, C (1/4), 2C (1/8), 4C (1/16),
  8C (1/32), then one bottleneck (expansion 2) at 1/64 (16C) and DAPPM (branch width 128,
  output 4C);
- high-resolution branch from 1/8: two basic-block layers of 2 blocks at 2C, one bottleneck
  (2C -> 4C);
- bilateral fusions after layer3 and layer4: high -> low by 3x3/s2 conv(s) + BN (one for 1/16,
  two for 1/32), low -> high by 1x1 conv + BN + bilinear upsampling, summed;
- the last block of every layer has no ReLU; ReLUs sit before the next layer, as in the code;
- head (segmenthead): BN + ReLU + 3x3 conv (head width) + BN + ReLU + 1x1 conv (bias) on
  (DAPPM output upsampled + high-res branch) at 1/8.
Deviations: the official forward returns 1/8-resolution logits and upsamples them outside the
model (HRNet-style testing with align_corners=False, as the README asks); we upsample
bilinearly (align_corners=False) to the input size inside forward. The extra training head
(`augment=True`, seghead_extra) is not built. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/ydhongHIT/DDRNet/tree/main/segmentation"
_CITYSCAPES = dict(num_classes=19, input_size=(1024, 2048))


def resize(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=False)


def check_divisible_by_8(x: torch.Tensor, name: str) -> None:
    """The official forward resizes the fused features to (H // 8, W // 8), which only matches the
    high-resolution branch when H and W are multiples of 8."""
    if x.shape[-2] % 8 or x.shape[-1] % 8:
        raise ValueError(f"{name} needs H and W divisible by 8, got {tuple(x.shape[-2:])}")


def conv_bn(cin: int, cout: int, k: int = 1, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


def bn_relu_conv(cin: int, cout: int, k: int = 1, groups: int = 1) -> nn.Sequential:
    """Pre-activation unit used throughout DAPPM / PAPPM and the heads."""
    return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
                         nn.Conv2d(cin, cout, k, 1, k // 2, groups=groups, bias=False))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 relu: bool = True):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, planes, 3, stride), nn.ReLU(inplace=True),
                                  conv_bn(planes, planes, 3))
        self.downsample, self.relu = downsample, relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x) + (x if self.downsample is None else self.downsample(x))
        return F.relu(y) if self.relu else y


class Bottleneck(nn.Module):
    expansion = 2

    def __init__(self, cin: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 relu: bool = False):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, planes, 1), nn.ReLU(inplace=True),
                                  conv_bn(planes, planes, 3, stride), nn.ReLU(inplace=True),
                                  conv_bn(planes, planes * self.expansion, 1))
        self.downsample, self.relu = downsample, relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x) + (x if self.downsample is None else self.downsample(x))
        return F.relu(y) if self.relu else y


def make_layer(block: type, cin: int, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
    """Official `_make_layer`: projection shortcut when needed; the first block keeps the block's
    default final ReLU (basic: yes, bottleneck: no); later blocks have one except the last."""
    cout = planes * block.expansion
    down = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None
    layers = [block(cin, planes, stride, down)]
    layers += [block(cout, planes, 1, None, relu=i < blocks - 1) for i in range(1, blocks)]
    return nn.Sequential(*layers)


class DAPPM(nn.Module):
    """Deep Aggregation Pyramid Pooling: avg pools 5/2, 9/4, 17/8 and global, hierarchical 3x3 fusion."""

    POOLS = ((5, 2, 2), (9, 4, 4), (17, 8, 8))

    def __init__(self, cin: int, branch: int, cout: int):
        super().__init__()
        self.scale0 = bn_relu_conv(cin, branch)
        self.scales = nn.ModuleList(
            [nn.Sequential(nn.AvgPool2d(k, s, p), *bn_relu_conv(cin, branch)) for k, s, p in self.POOLS]
            + [nn.Sequential(nn.AdaptiveAvgPool2d(1), *bn_relu_conv(cin, branch))])
        self.process = nn.ModuleList(bn_relu_conv(branch, branch, 3) for _ in range(4))
        self.compression = bn_relu_conv(branch * 5, cout)
        self.shortcut = bn_relu_conv(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        outs = [self.scale0(x)]
        for scale, process in zip(self.scales, self.process):
            outs.append(process(resize(scale(x), size) + outs[-1]))
        return self.compression(torch.cat(outs, 1)) + self.shortcut(x)


class SegHead(nn.Module):
    """BN-ReLU-3x3 conv, BN-ReLU-1x1 conv (bias)."""

    def __init__(self, cin: int, mid: int, num_classes: int):
        super().__init__()
        self.body = nn.Sequential(*bn_relu_conv(cin, mid, 3), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                                  nn.Conv2d(mid, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def stem(planes: int) -> nn.Sequential:
    """Two 3x3/s2 convs; the official stem convs keep their bias."""
    return nn.Sequential(nn.Conv2d(3, planes, 3, 2, 1), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
                         nn.Conv2d(planes, planes, 3, 2, 1), nn.BatchNorm2d(planes), nn.ReLU(inplace=True))


class DualResNet(nn.Module):
    def __init__(self, planes: int, spp_planes: int, head_planes: int, num_classes: int = 19,
                 layers=(2, 2, 2, 2)):
        super().__init__()
        c, hi = planes, planes * 2
        self.conv1 = stem(c)
        self.layer1 = make_layer(BasicBlock, c, c, layers[0])
        self.layer2 = make_layer(BasicBlock, c, 2 * c, layers[1], 2)
        self.layer3 = make_layer(BasicBlock, 2 * c, 4 * c, layers[2], 2)
        self.layer4 = make_layer(BasicBlock, 4 * c, 8 * c, layers[3], 2)
        self.compression3 = conv_bn(4 * c, hi)
        self.compression4 = conv_bn(8 * c, hi)
        self.down3 = conv_bn(hi, 4 * c, 3, 2)
        self.down4 = nn.Sequential(*conv_bn(hi, 4 * c, 3, 2), nn.ReLU(inplace=True), *conv_bn(4 * c, 8 * c, 3, 2))
        self.layer3_ = make_layer(BasicBlock, 2 * c, hi, 2)
        self.layer4_ = make_layer(BasicBlock, hi, hi, 2)
        self.layer5_ = make_layer(Bottleneck, hi, hi, 1)
        self.layer5 = make_layer(Bottleneck, 8 * c, 8 * c, 1, 2)
        self.spp = DAPPM(16 * c, spp_planes, 4 * c)
        self.final_layer = SegHead(4 * c, head_planes, num_classes)

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        check_divisible_by_8(inp, "DDRNet")
        size8 = (inp.shape[-2] // 8, inp.shape[-1] // 8)
        x = self.layer1(self.conv1(inp))
        l2 = self.layer2(F.relu(x))
        x = self.layer3(F.relu(l2))
        x_ = self.layer3_(F.relu(l2))
        l3 = x
        x = x + self.down3(F.relu(x_))
        x_ = x_ + resize(self.compression3(F.relu(l3)), size8)
        x = self.layer4(F.relu(x))
        x_ = self.layer4_(F.relu(x_))
        l4 = x
        x = x + self.down4(F.relu(x_))
        x_ = x_ + resize(self.compression4(F.relu(l4)), size8)
        x_ = self.layer5_(F.relu(x_))
        x = resize(self.spp(self.layer5(F.relu(x))), size8)
        return resize(self.final_layer(x + x_), inp.shape[2:])


class DualResNet39(nn.Module):
    """DDRNet-39 (segmentation/DDRNet_39.py): layers (3, 4, 6, 3); stage 3 of each branch is split
    in two halves of 3 blocks with a bilateral fusion after each (three fusions in all)."""

    def __init__(self, planes: int = 64, spp_planes: int = 128, head_planes: int = 256, num_classes: int = 19,
                 layers=(3, 4, 6, 3)):
        super().__init__()
        c, hi, half = planes, planes * 2, layers[2] // 2
        self.conv1 = stem(c)
        self.layer1 = make_layer(BasicBlock, c, c, layers[0])
        self.layer2 = make_layer(BasicBlock, c, 2 * c, layers[1], 2)
        self.layer3_1 = make_layer(BasicBlock, 2 * c, 4 * c, half, 2)
        self.layer3_2 = make_layer(BasicBlock, 4 * c, 4 * c, half)
        self.layer4 = make_layer(BasicBlock, 4 * c, 8 * c, layers[3], 2)
        self.compression3_1, self.compression3_2 = conv_bn(4 * c, hi), conv_bn(4 * c, hi)
        self.compression4 = conv_bn(8 * c, hi)
        self.down3_1, self.down3_2 = conv_bn(hi, 4 * c, 3, 2), conv_bn(hi, 4 * c, 3, 2)
        self.down4 = nn.Sequential(*conv_bn(hi, 4 * c, 3, 2), nn.ReLU(inplace=True), *conv_bn(4 * c, 8 * c, 3, 2))
        self.layer3_1_ = make_layer(BasicBlock, 2 * c, hi, half)
        self.layer3_2_ = make_layer(BasicBlock, hi, hi, half)
        self.layer4_ = make_layer(BasicBlock, hi, hi, layers[3])
        self.layer5_ = make_layer(Bottleneck, hi, hi, 1)
        self.layer5 = make_layer(Bottleneck, 8 * c, 8 * c, 1, 2)
        self.spp = DAPPM(16 * c, spp_planes, 4 * c)  # the file's SPP_super is the same module
        self.final_layer = SegHead(4 * c, head_planes, num_classes)

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        check_divisible_by_8(inp, "DDRNet")
        size8 = (inp.shape[-2] // 8, inp.shape[-1] // 8)
        l2 = self.layer2(F.relu(self.layer1(self.conv1(inp))))
        x = self.layer3_1(F.relu(l2))
        x_ = self.layer3_1_(F.relu(l2))
        low = x
        x = x + self.down3_1(F.relu(x_))
        x_ = x_ + resize(self.compression3_1(F.relu(low)), size8)
        x = self.layer3_2(F.relu(x))
        x_ = self.layer3_2_(F.relu(x_))
        low = x
        x = x + self.down3_2(F.relu(x_))
        x_ = x_ + resize(self.compression3_2(F.relu(low)), size8)
        x = self.layer4(F.relu(x))
        x_ = self.layer4_(F.relu(x_))
        low = x
        x = x + self.down4(F.relu(x_))
        x_ = x_ + resize(self.compression4(F.relu(low)), size8)
        x_ = self.layer5_(F.relu(x_))
        x = resize(self.spp(self.layer5(F.relu(x))), size8)
        return resize(self.final_layer(x + x_), inp.shape[2:])


@register("ddrnet-23-slim", paper="ddrnet", **_CITYSCAPES, official_code=_CODE,
          notes="segmentation/DDRNet_23_slim.py (planes 32, DAPPM 128, head 64); extra training head "
                "not built; logits upsampled to the input size inside forward")
def ddrnet_23_slim(num_classes: int = 19) -> nn.Module:
    """DDRNet-23-slim (official segmentation/DDRNet_23_slim.py)."""
    return DualResNet(32, 128, 64, num_classes)


@register("ddrnet-23", paper="ddrnet", **_CITYSCAPES, official_code=_CODE,
          notes="segmentation/DDRNet_23.py (planes 64, DAPPM 128, head 128); extra training head not "
                "built; logits upsampled to the input size inside forward")
def ddrnet_23(num_classes: int = 19) -> nn.Module:
    """DDRNet-23 (official segmentation/DDRNet_23.py)."""
    return DualResNet(64, 128, 128, num_classes)


@register("ddrnet-39", paper="ddrnet", **_CITYSCAPES, official_code=_CODE,
          notes="segmentation/DDRNet_39.py (layers 3, 4, 6, 3; planes 64, SPP 128, head 256); extra training "
                "head not built; logits upsampled to the input size inside forward")
def ddrnet_39(num_classes: int = 19) -> nn.Module:
    """DDRNet-39 (official segmentation/DDRNet_39.py)."""
    return DualResNet39(num_classes=num_classes)
