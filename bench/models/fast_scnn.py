"""Fast-SCNN (Poudel, Liwicki, Cipolla, BMVC 2019).

No official code was released. Followed: the paper (arXiv 1902.04502, Table 1 and Sec. 3.2):
- learning to downsample: Conv2D 3x3/2 -> 32, DSConv 3x3/2 -> 48, DSConv 3x3/2 -> 64
  (DSConv = depth-wise 3x3 + BN + ReLU, point-wise 1x1 + BN + ReLU);
- global feature extractor: MobileNetV2 bottlenecks (t=6) 64 x3 /2, 96 x3 /2, 128 x3 /1;
  pyramid pooling (bins 1, 2, 3, 6, 128 -> 32 each, concatenated with the input, 1x1 -> 128);
- feature fusion (paper Table 2): low-res branch upsample x4, depth-wise 3x3 conv with
  dilation 4 + BN + ReLU, 1x1 conv + BN; high-res branch 1x1 conv + BN; add; ReLU;
- classifier: two DSConv (128) and a 1x1 conv to the classes, bilinear upsampling x8.
Cross-check: open-mmlab/mmsegmentation `mmseg/models/backbones/fast_scnn.py` (+
DepthwiseSeparableFCNHead) matches this except that its fusion "dwconv" is a dense 1x1
ConvModule, not a dilated depth-wise 3x3; `FastSCNN(mmseg_fusion=True)` builds that variant.
Deviations: conv layers followed by BN have no bias (as mmseg's ConvModule); the final 1x1
classifier has a bias. No auxiliary heads (the paper trains with auxiliary losses; mmseg
builds two FCN aux heads for training only). Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register


def _cbr(cin: int, cout: int, k: int = 1, stride: int = 1, groups: int = 1, d: int = 1,
         relu: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride, padding=(k - 1) // 2 * d, dilation=d, groups=groups,
                  bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _dsconv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(_cbr(cin, cin, 3, stride, groups=cin), _cbr(cin, cout, 1))


class _Bottleneck(nn.Module):
    """MobileNetV2 inverted residual: 1x1 expand, dw 3x3, 1x1 linear projection."""

    def __init__(self, cin: int, cout: int, stride: int, t: int = 6):
        super().__init__()
        hid = cin * t
        self.block = nn.Sequential(_cbr(cin, hid), _cbr(hid, hid, 3, stride, groups=hid),
                                   _cbr(hid, cout, relu=False))
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


class _PPM(nn.Module):
    def __init__(self, c: int, bins=(1, 2, 3, 6)):
        super().__init__()
        self.bins = bins
        self.stages = nn.ModuleList(_cbr(c, c // 4) for _ in bins)
        self.out = _cbr(2 * c, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        feats = [x] + [F.interpolate(stage(F.adaptive_avg_pool2d(x, b)), size, mode="bilinear",
                                     align_corners=False)
                       for b, stage in zip(self.bins, self.stages)]
        return self.out(torch.cat(feats, 1))


def _stage(cin: int, cout: int, n: int, stride: int) -> nn.Sequential:
    return nn.Sequential(_Bottleneck(cin, cout, stride),
                         *(_Bottleneck(cout, cout, 1) for _ in range(n - 1)))


class FastSCNN(nn.Module):
    def __init__(self, num_classes: int = 19, mmseg_fusion: bool = False):
        super().__init__()
        self.learning_to_downsample = nn.Sequential(
            _cbr(3, 32, 3, 2), _dsconv(32, 48, 2), _dsconv(48, 64, 2))
        self.global_feature_extractor = nn.Sequential(
            _stage(64, 64, 3, 2), _stage(64, 96, 3, 2), _stage(96, 128, 3, 1), _PPM(128))
        self.fusion_lower = (_cbr(128, 128) if mmseg_fusion
                             else _cbr(128, 128, 3, groups=128, d=4))
        self.fusion_lower_proj = _cbr(128, 128, relu=False)
        self.fusion_higher = _cbr(64, 128, relu=False)
        self.classifier = nn.Sequential(_dsconv(128, 128), _dsconv(128, 128),
                                        nn.Dropout(0.1), nn.Conv2d(128, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        high = self.learning_to_downsample(x)
        low = self.global_feature_extractor(high)
        low = F.interpolate(low, high.shape[-2:], mode="bilinear", align_corners=False)
        low = self.fusion_lower_proj(self.fusion_lower(low))
        y = F.relu(self.fusion_higher(high) + low)
        y = self.classifier(y)
        return F.interpolate(y, x.shape[-2:], mode="bilinear", align_corners=False)


@register("fast-scnn", paper="fast-scnn", num_classes=19, input_size=(1024, 2048),
          official_code="https://github.com/open-mmlab/mmsegmentation/blob/main/mmseg/models/"
                        "backbones/fast_scnn.py")
def fast_scnn(num_classes: int = 19) -> nn.Module:
    """Fast-SCNN from the paper (no official code; mmseg as cross-check), Cityscapes 19 classes
    at the paper's full 1024x2048 input; paper-style dilated depth-wise fusion conv."""
    return FastSCNN(num_classes)
