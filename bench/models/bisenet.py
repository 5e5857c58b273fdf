"""BiSeNet (Yu et al., ECCV 2018): Spatial Path + Context Path + Feature Fusion Module.

Followed: ycszen/TorchSeg (now yu-changqian/TorchSeg), the first author's PyTorch release:
model/bisenet/cityscapes.bisenet.X39/network.py, model/bisenet/cityscapes.bisenet.R18/network.py,
furnace/base_model/xception.py (Xception39) and furnace/seg_opr/seg_oprs.py (ConvBnRelu,
AttentionRefinement, FeatureFusion).

Release status: the paper's models were trained in the authors' in-house framework; TorchSeg is
the first author's later PyTorch re-implementation (README: "BiSeNet(ours)" rows next to
"BiSeNet(paper)"), and its Xception39 was trained from scratch because no ImageNet-pretrained
Xception39 was released in PyTorch. It is the closest thing to official code.

Structure (both variants):
- Spatial Path: 7x7/s2 conv 64, two 3x3/s2 convs 64, 1x1 conv 128 (all conv-BN-ReLU, no bias).
- Context Path: backbone stages at 1/8, 1/16, 1/32; global average pool -> 1x1 conv 128 on the
  last; ARMs (3x3 conv 128 + channel attention) on 1/32 and 1/16, each summed with the path from
  above, upsampled (bilinear, align_corners=True) and refined with a 3x3 conv 128.
- FFM: concat (256) -> 1x1 conv 256 -> SE-style attention (two 1x1 convs, no reduction, no BN)
  -> x + x * att.
- Head: 3x3 conv 256->64 + BN + ReLU, 1x1 conv 64->classes (bias), x8 bilinear upsampling.
Deviations: the two auxiliary heads (on the 1/16 and 1/8 context features) are used only for
the training loss in TorchSeg and are not built here; TorchSeg returns log_softmax of the
logits, we return the logits (same argmax); the final upsampling targets the input size (the
same as TorchSeg's scale_factor=8 when H and W are multiples of 8).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models import resnet18

from bench.models.registry import register

_CODE = "https://github.com/ycszen/TorchSeg/tree/master/model/bisenet"
_CITYSCAPES = dict(num_classes=19, input_size=(1024, 2048))  # the paper's 2048x1024 speed input


def _cbr(cin: int, cout: int, k: int, stride: int = 1, relu: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
                               nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=True)


# --------------------------------------------------------------------------- Xception39

class _SepConvBN(nn.Module):
    """TorchSeg xception.py SeparableConvBnRelu: depthwise conv (no BN), pointwise conv-BN(-ReLU)."""

    def __init__(self, cin: int, cout: int, stride: int = 1, relu: bool = True):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.pointwise = _cbr(cin, cout, 1, relu=relu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class _XBlock(nn.Module):
    expansion = 4

    def __init__(self, cin: int, mid: int, stride: int):
        super().__init__()
        out = mid * self.expansion
        # The projection shortcut is itself a separable conv (only in the strided first block).
        self.proj = _SepConvBN(cin, out, stride, relu=False) if stride > 1 else None
        self.residual = nn.Sequential(_SepConvBN(cin, mid, stride), _SepConvBN(mid, mid),
                                      _SepConvBN(mid, out, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.proj(x) if self.proj is not None else x
        return F.relu(shortcut + self.residual(x))


class Xception39(nn.Module):
    """TorchSeg xception39: stem 3x3/s2 conv 8 + max pool, stages of 4/8/4 blocks, 64/128/256 ch."""

    def __init__(self, layers=(4, 8, 4), mids=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(_cbr(3, 8, 3, 2), nn.MaxPool2d(3, 2, 1))
        cin, stages = 8, []
        for n, mid in zip(layers, mids):
            blocks = [_XBlock(cin, mid, 2)] + [_XBlock(mid * 4, mid, 1) for _ in range(n - 1)]
            stages.append(nn.Sequential(*blocks))
            cin = mid * 4
        self.stages = nn.ModuleList(stages)
        self.channels = [m * 4 for m in mids]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x, feats = self.stem(x), []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats  # strides 8, 16, 32


class _ResNet18Stages(nn.Module):
    """torchvision resnet18 (random init) returning layer2/3/4 (strides 8, 16, 32)."""

    def __init__(self):
        super().__init__()
        net = resnet18(weights=None)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1)
        self.stages = nn.ModuleList([net.layer2, net.layer3, net.layer4])
        self.channels = [128, 256, 512]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x, feats = self.stem(x), []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


# --------------------------------------------------------------------------- BiSeNet

class _ARM(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _cbr(cin, cout, 3)
        self.attention = nn.Sequential(nn.AdaptiveAvgPool2d(1), _cbr(cout, cout, 1, relu=False),
                                       nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return x * self.attention(x)


class _FFM(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _cbr(cin, cout, 1)
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(cout, cout, 1, bias=False), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 1, bias=False), nn.Sigmoid())

    def forward(self, spatial: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.conv(torch.cat([spatial, context], 1))
        return x + x * self.attention(x)


class BiSeNet(nn.Module):
    def __init__(self, backbone: nn.Module, num_classes: int = 19, ch: int = 128):
        super().__init__()
        self.spatial_path = nn.Sequential(_cbr(3, 64, 7, 2), _cbr(64, 64, 3, 2),
                                          _cbr(64, 64, 3, 2), _cbr(64, ch, 1))
        self.context_path = backbone
        c8, c16, c32 = backbone.channels
        self.global_context = nn.Sequential(nn.AdaptiveAvgPool2d(1), _cbr(c32, ch, 1))
        self.arms = nn.ModuleList([_ARM(c32, ch), _ARM(c16, ch)])
        self.refines = nn.ModuleList([_cbr(ch, ch, 3), _cbr(ch, ch, 3)])
        self.ffm = _FFM(2 * ch, 2 * ch)
        self.head = nn.Sequential(_cbr(2 * ch, 64, 3), nn.Conv2d(64, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spatial = self.spatial_path(x)
        f8, f16, f32 = self.context_path(x)
        last = _up(self.global_context(f32), f32.shape[2:])
        for fm, nxt, arm, refine in zip((f32, f16), (f16, f8), self.arms, self.refines):
            last = refine(_up(arm(fm) + last, nxt.shape[2:]))
        return _up(self.head(self.ffm(spatial, last)), x.shape[2:])


@register("bisenet-xception39", paper="bisenet", **_CITYSCAPES, official_code=_CODE,
          notes="TorchSeg cityscapes.bisenet.X39; aux heads (training only) not built; logits "
                "instead of log_softmax")
def bisenet_xception39(num_classes: int = 19) -> nn.Module:
    """BiSeNet with the Xception39 context path (TorchSeg), no auxiliary heads."""
    return BiSeNet(Xception39(), num_classes)


@register("bisenet-resnet18", paper="bisenet", **_CITYSCAPES, official_code=_CODE,
          notes="TorchSeg cityscapes.bisenet.R18 with torchvision resnet18; aux heads (training "
                "only) not built; logits instead of log_softmax")
def bisenet_resnet18(num_classes: int = 19) -> nn.Module:
    """BiSeNet with the ResNet-18 context path (TorchSeg), no auxiliary heads."""
    return BiSeNet(_ResNet18Stages(), num_classes)
