"""ContextNet (Poudel et al., BMVC 2018): a deep low-resolution branch + a shallow full-res branch.

No official code was released. Followed: the paper (arXiv 1805.04554) and the reference
implementation in osmr/imgclsmob, pytorch/pytorchcv/models/contextnet.py (`ctxnet_cityscapes`,
whose own test asserts 876,563 parameters for 19 classes without the aux head; ours equals it).

- Shallow branch (full resolution input): 3x3/s2 conv 32 (no padding), then depthwise-separable
  3x3 convs 64/s2, 128/s2, 128/s1 (every conv followed by BN + ReLU): output stride 8.
- Deep branch (input bilinearly downsampled x4): 3x3/s2 conv 32 (no padding), then MobileNetV2
  bottlenecks: (t, c, n, s) = (1, 32, 1, 1), (6, 32, 1, 1), (6, 48, 3, 2), (6, 64, 3, 2),
  (6, 96, 2, 1), (6, 128, 2, 1): output stride 32 of the full image.
- Fusion: high = 1x1 conv (bias) + BN; low = x4 bilinear upsampling, depthwise 3x3 + BN + ReLU,
  1x1 conv (bias) + BN; sum, ReLU.
- Head: two depthwise-separable 3x3 convs 128, dropout 0.1 (identity at inference), 1x1 conv
  to classes (bias); x8 bilinear upsampling (align_corners=True) to the input.
The aux head (on the shallow branch, training only) is not built. Registered: Cityscapes,
19 classes, 1024x2048 (the paper's full-resolution speed setting). Inputs must be multiples of 8.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/osmr/imgclsmob/blob/master/pytorch/pytorchcv/models/contextnet.py"


def _cbr(cin: int, cout: int, k: int = 1, stride: int = 1, padding: int | None = None,
         groups: int = 1, bias: bool = False, relu: bool = True) -> nn.Sequential:
    pad = k // 2 if padding is None else padding
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=bias),
                               nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _dws(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """Depthwise 3x3 + BN + ReLU, pointwise 1x1 + BN + ReLU (pytorchcv dwsconv3x3_block)."""
    return nn.Sequential(_cbr(cin, cin, 3, stride, groups=cin), _cbr(cin, cout, 1))


class _Bottleneck(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: bool):
        super().__init__()
        mid = cin * 6 if expand else cin
        self.residual = cin == cout and stride == 1
        self.block = nn.Sequential(_cbr(cin, mid, 1), _cbr(mid, mid, 3, stride, groups=mid),
                                   _cbr(mid, cout, 1, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


class ContextNet(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        self.shallow = nn.Sequential(_cbr(3, 32, 3, 2, padding=0), _dws(32, 64, 2),
                                     _dws(64, 128, 2), _dws(128, 128))
        deep: list[nn.Module] = [_cbr(3, 32, 3, 2, padding=0)]
        cin = 32
        for i, (c, n, down) in enumerate([(32, 1, 0), (32, 1, 0), (48, 3, 1), (64, 3, 1),
                                          (96, 2, 0), (128, 2, 0)]):
            for j in range(n):
                deep.append(_Bottleneck(cin, c, 2 if (j == 0 and down) else 1, expand=i != 0))
                cin = c
        self.deep = nn.Sequential(*deep)
        self.fuse_high = _cbr(128, 128, 1, bias=True, relu=False)
        self.fuse_low = nn.Sequential(_cbr(128, 128, 3, groups=128),
                                      _cbr(128, 128, 1, bias=True, relu=False))
        self.head = nn.Sequential(_dws(128, 128), _dws(128, 128), nn.Dropout(0.1),
                                  nn.Conv2d(128, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        high = self.shallow(x)
        low = F.interpolate(x, (h // 4, w // 4), mode="bilinear", align_corners=True)
        low = self.deep(low)
        low = F.interpolate(low, scale_factor=4, mode="bilinear", align_corners=True)
        y = F.relu(self.fuse_high(high) + self.fuse_low(low))
        return F.interpolate(self.head(y), (h, w), mode="bilinear", align_corners=True)


@register("contextnet", paper="contextnet", num_classes=19, input_size=(1024, 2048),
          official_code=_CODE,
          notes="no official code; follows pytorchcv ctxnet_cityscapes (osmr/imgclsmob); aux "
                "head not built; fusion depthwise conv without dilation as pytorchcv")
def contextnet(num_classes: int = 19) -> nn.Module:
    """ContextNet (Cityscapes), as pytorchcv's ctxnet_cityscapes without the aux head."""
    return ContextNet(num_classes)
