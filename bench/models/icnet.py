"""ICNet (Zhao, Qi, Shen, Shi, Jia, ECCV 2018), the released Cityscapes model.

Followed layer by layer: hszhao/ICNet, `evaluation/prototxt/icnet_cityscapes.prototxt` (and
its `_bnnomerge` twin, which keeps BN separate):
- sub2 branch (input / 2): a half-width dilated PSPNet-50 trunk: conv1_1 3x3/2 -> 32,
  conv1_2 -> 32, conv1_3 -> 64, max-pool 3x3/2; bottleneck stages conv2 3 x (32, 32, 128),
  conv3_1 (64, 64, 256) /2; the output of conv3_1 is both the sub2 feature and, shrunk by 2
  (input / 4 branch, sharing weights), the input of conv3_2..4, conv4 6 x (128, 128, 512)
  dilation 2, conv5 3 x (256, 256, 1024) dilation 4;
- pyramid pooling with bins 1, 2, 3, 6 that are SUMMED with conv5_3 (no concatenation, no
  convs), then conv5_4_k1 1x1 -> 256 + ReLU;
- cascade feature fusion: up2 + 3x3 dil-2 conv -> 128 (conv_sub4) + 1x1 proj of conv3_1 -> 128,
  sum, ReLU; up2 + 3x3 dil-2 conv -> 128 (conv_sub2) + 1x1 proj of the sub1 branch (three 3x3/2
  convs 32, 32, 64 on the full image), sum, ReLU; up2, conv6_cls 1x1 -> 19; up4.
Deviations: the deploy prototxt folds BN into conv biases; here every conv is conv(no bias) + BN
as in the `_bnnomerge` training net (so our count is the training net's, and BN contributes
scale + shift where the folded deploy net has one bias per channel). The prototxt's pyramid
pooling uses fixed kernels sized for its 1025x2049 input (33x65 maps); we use adaptive average
pooling to 1, 2, 3, 6 bins and interpolate to each target's exact size (align_corners=True, as
Caffe's Interp), so any input size works; pooling floors where Caffe's ceils. The training-only
cascade label guidance (auxiliary classifiers on sub4 and sub24) is not built. Cross-check:
mmsegmentation's `icnet` uses a full-width ResNetV1c-50, so its count is not comparable.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register


def _cb(cin: int, cout: int, k: int = 1, stride: int = 1, d: int = 1, relu: bool = True):
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, padding=(k - 1) // 2 * d,
                                         dilation=d, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class _Bottleneck(nn.Module):
    def __init__(self, cin: int, mid: int, cout: int, stride: int = 1, d: int = 1):
        super().__init__()
        # the prototxt puts the stride on the 1x1 reduce conv (conv3_1_1x1_reduce stride 2)
        self.body = nn.Sequential(_cb(cin, mid, 1, stride), _cb(mid, mid, 3, 1, d),
                                  _cb(mid, cout, relu=False))
        self.proj = _cb(cin, cout, 1, stride, relu=False) if cin != cout or stride > 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.proj(x) if self.proj is not None else x
        return F.relu(self.body(x) + skip)


def _stage(cin: int, mid: int, cout: int, n: int, stride: int = 1, d: int = 1):
    return nn.Sequential(_Bottleneck(cin, mid, cout, stride, d),
                         *(_Bottleneck(cout, mid, cout, 1, d) for _ in range(n - 1)))


def _resize(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=True)


def _half(x: torch.Tensor) -> torch.Tensor:  # Caffe Interp shrink_factor 2: (H-1)//2+1
    h, w = x.shape[-2:]
    return _resize(x, ((h - 1) // 2 + 1, (w - 1) // 2 + 1))


class ICNet(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        self.stem = nn.Sequential(_cb(3, 32, 3, 2), _cb(32, 32, 3), _cb(32, 64, 3),
                                  nn.MaxPool2d(3, 2, 1))
        self.conv2 = _stage(64, 32, 128, 3)
        self.conv3_1 = _Bottleneck(128, 64, 256, stride=2)
        self.conv3_rest = _stage(256, 64, 256, 3)
        self.conv4 = _stage(256, 128, 512, 6, d=2)
        self.conv5 = _stage(512, 256, 1024, 3, d=4)
        self.bins = (1, 2, 3, 6)
        self.conv5_4_k1 = _cb(1024, 256)
        self.conv_sub4 = _cb(256, 128, 3, d=2, relu=False)
        self.conv3_1_sub2_proj = _cb(256, 128, relu=False)
        self.sub1 = nn.Sequential(_cb(3, 32, 3, 2), _cb(32, 32, 3, 2), _cb(32, 64, 3, 2))
        self.conv_sub2 = _cb(128, 128, 3, d=2, relu=False)
        self.conv3_sub1_proj = _cb(64, 128, relu=False)
        self.conv6_cls = nn.Conv2d(128, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # sub2 / sub4: shared trunk on the half-resolution image
        c3_1 = self.conv3_1(self.conv2(self.stem(_half(x))))
        c5 = self.conv5(self.conv4(self.conv3_rest(_half(c3_1))))
        size = c5.shape[-2:]
        pooled = c5 + sum(_resize(F.adaptive_avg_pool2d(c5, b), size) for b in self.bins)
        sub4 = self.conv5_4_k1(pooled)
        # cascade feature fusion 4 -> 2
        sub24 = F.relu(self.conv_sub4(_resize(sub4, c3_1.shape[-2:]))
                       + self.conv3_1_sub2_proj(c3_1))
        # sub1 branch on the full image, fusion 2 -> 1
        s1 = self.sub1(x)
        sub12 = F.relu(self.conv_sub2(_resize(sub24, s1.shape[-2:])) + self.conv3_sub1_proj(s1))
        h, w = sub12.shape[-2:]
        y = self.conv6_cls(_resize(sub12, (2 * h, 2 * w)))
        return _resize(y, x.shape[-2:])


@register("icnet", paper="icnet", num_classes=19, input_size=(1024, 2048),
          official_code="https://github.com/hszhao/ICNet/blob/master/evaluation/prototxt/"
                        "icnet_cityscapes_bnnomerge.prototxt")
def icnet(num_classes: int = 19) -> nn.Module:
    """ICNet as the released Caffe model (half-width PSPNet-50 trunk, sum-PPM, two CFFs), conv +
    BN as the bnnomerge training net; Cityscapes 19 classes at 1024x2048 (the prototxt's input
    is 1025x2049)."""
    return ICNet(num_classes)
