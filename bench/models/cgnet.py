"""CGNet (Wu et al., arXiv 1811.08201 / TIP 2021): Context Guided Network, M=3, N=21.

Followed: wutianyiRosun/CGNet, model/CGNet.py (`Context_Guided_Network(classes=19, M=3, N=21)`),
layer for layer:
- stage 1: three 3x3 conv-BN(eps 1e-3)-PReLU (32 channels, first with stride 2);
- input injection: the image average-pooled (3x3/s2) once / twice, concatenated before
  stages 2 and 3;
- stage 2: a down-sampling CG block (3x3/s2 conv-BN-PReLU to 64, depthwise local 3x3 and
  depthwise surrounding 3x3 dilation 2, BN-PReLU on the 128-ch joint feature, 1x1 reduce to 64,
  global SE refinement with reduction 8) and M-1 = 2 residual CG blocks;
- stage 3: the same with 128 channels, dilation 4, SE reduction 16, and N-1 = 20 CG blocks;
- classifier: BN-PReLU on concat(stage-3 first, last) = 256 channels, 1x1 conv (no bias);
  logits upsampled bilinearly to the input (align_corners=False, as the code).
The optional dropout before the classifier (``dropout_flag``, off by default) is not built.
Registered: Cityscapes, 19 classes, 1024x2048 (the README's "2048 x 1024 high-resolution
images" speed setting). Published size: "less than 0.5 M parameters" (README abstract).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/wutianyiRosun/CGNet"


def _bn_prelu(c: int) -> nn.Sequential:
    return nn.Sequential(nn.BatchNorm2d(c, eps=1e-3), nn.PReLU(c))


def _conv_bn_prelu(cin: int, cout: int, k: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), *_bn_prelu(cout))


def _dw(c: int, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c, c, 3, 1, dilation, dilation=dilation, groups=c, bias=False)


class _FGlo(nn.Module):
    """Global context: SE-style channel reweighting with Linear layers (with bias)."""

    def __init__(self, c: int, reduction: int):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(c, c // reduction), nn.ReLU(inplace=True),
                                nn.Linear(c // reduction, c), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(x.mean((2, 3)))[:, :, None, None]


class _CGBlockDown(nn.Module):
    def __init__(self, cin: int, cout: int, dilation: int, reduction: int):
        super().__init__()
        self.conv = _conv_bn_prelu(cin, cout, 3, 2)  # named conv1x1 in the code, but 3x3/s2
        self.f_loc, self.f_sur = _dw(cout), _dw(cout, dilation)
        self.bn_act = _bn_prelu(2 * cout)
        self.reduce = nn.Conv2d(2 * cout, cout, 1, bias=False)
        self.f_glo = _FGlo(cout, reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        joint = self.bn_act(torch.cat([self.f_loc(x), self.f_sur(x)], 1))
        return self.f_glo(self.reduce(joint))


class _CGBlock(nn.Module):
    def __init__(self, c: int, dilation: int, reduction: int):
        super().__init__()
        n = c // 2
        self.conv = _conv_bn_prelu(c, n, 1)
        self.f_loc, self.f_sur = _dw(n), _dw(n, dilation)
        self.bn_act = _bn_prelu(c)
        self.f_glo = _FGlo(c, reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return x + self.f_glo(self.bn_act(torch.cat([self.f_loc(y), self.f_sur(y)], 1)))


class CGNet(nn.Module):
    def __init__(self, num_classes: int = 19, m: int = 3, n: int = 21):
        super().__init__()
        self.stage1 = nn.Sequential(_conv_bn_prelu(3, 32, 3, 2), _conv_bn_prelu(32, 32, 3),
                                    _conv_bn_prelu(32, 32, 3))
        self.pool = nn.AvgPool2d(3, 2, 1)  # input injection
        self.b1 = _bn_prelu(32 + 3)
        self.level2_0 = _CGBlockDown(32 + 3, 64, dilation=2, reduction=8)
        self.level2 = nn.Sequential(*[_CGBlock(64, 2, 8) for _ in range(m - 1)])
        self.b2 = _bn_prelu(128 + 3)
        self.level3_0 = _CGBlockDown(128 + 3, 128, dilation=4, reduction=16)
        self.level3 = nn.Sequential(*[_CGBlock(128, 4, 16) for _ in range(n - 1)])
        self.b3 = _bn_prelu(256)
        self.classifier = nn.Conv2d(256, num_classes, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inp1 = self.pool(x)
        inp2 = self.pool(inp1)
        y = self.b1(torch.cat([self.stage1(x), inp1], 1))
        y0 = self.level2_0(y)
        y = self.b2(torch.cat([self.level2(y0), y0, inp2], 1))
        y0 = self.level3_0(y)
        y = self.b3(torch.cat([y0, self.level3(y0)], 1))
        return F.interpolate(self.classifier(y), x.shape[2:], mode="bilinear",
                             align_corners=False)


@register("cgnet", paper="cgnet", num_classes=19, input_size=(1024, 2048), official_code=_CODE,
          notes="model/CGNet.py Context_Guided_Network(classes=19, M=3, N=21), no dropout")
def cgnet(num_classes: int = 19) -> nn.Module:
    """CGNet_M3N21 exactly as wutianyiRosun/CGNet model/CGNet.py."""
    return CGNet(num_classes)
