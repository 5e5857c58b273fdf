"""PP-LiteSeg (Peng et al., "PP-LiteSeg: A Superior Real-Time Semantic Segmentation Model",
arXiv 2204.02681).

Followed: the authors' release in PaddlePaddle/PaddleSeg: paddleseg/models/pp_liteseg.py (commit
d23b93d24d56237e06400a355dcd273165c0c359), paddleseg/models/layers/tensor_fusion.py
(UAFM_SpAtten, commit 0fe23dcb1c5d5a5b9588c2caf3d491b1fb7a766c), layers/layer_libs.py
(ConvBNReLU / ConvBN) and the configs configs/pp_liteseg/pp_liteseg_stdc{1,2}_cityscapes_
1024x512_scale0.5_160k.yml (commit 118c7d88ab45b9fac6ca7d372c59fc7e1ea14018):
- PP-LiteSeg-T: STDC1 backbone, arm_out_chs [32, 64, 128], seg_head_inter_chs [32, 64, 64];
- PP-LiteSeg-B: STDC2 backbone, the model defaults (the config sets `_inherited_: False`):
  arm_out_chs [64, 96, 128], seg_head_inter_chs [64, 64, 64].
Both: cm_bin_sizes [1, 2, 4], cm_out_ch 128, UAFM with spatial attention, bilinear resizing.

Structure:
- backbone: STDCNet (shared with `bench.models.stdc`; PaddleSeg's backbones/stdcnet.py is the
  same network), features at 1/8 (256), 1/16 (512), 1/32 (1024);
- SPPM (PPContextModule) on 1/32: adaptive average pools 1, 2, 4 -> 1x1 ConvBNReLU 128 each,
  upsampled and summed, 3x3 ConvBNReLU 128. These ConvBNReLUs keep Paddle's default conv bias
  (no `bias_attr=False`), unlike every other conv in the model;
- FLD: UAFMs from 1/32 to 1/8. UAFM(x low, y high): x -> 3x3 ConvBNReLU to y's width; y
  upsampled (bilinear); attention = sigmoid(ConvBN 2->1 (ConvBNReLU 4->2 (mean and max over
  channels of x and of y))), both 3x3; out = 3x3 ConvBNReLU(x * a + y * (1 - a));
- head on the 1/8 output: 3x3 ConvBNReLU + 1x1 conv (no bias), bilinear (align_corners=False)
  to the input size.
Not built (training only): the two seg heads on the 1/16 and 1/32 outputs (eval uses head 0),
and PaddleSeg's STDCNet `conv_last` (a 1x1 ConvBNReLU 1024 -> 1024 built but unused with
use_conv_last=False; 1,050,624 parameters). Paddle's default interpolate is align_corners=False,
which we use. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register
from bench.models.stdc import STDCNet

_CODE = "https://github.com/PaddlePaddle/PaddleSeg/blob/d23b93d24d56237e06400a355dcd273165c0c359/paddleseg/models/pp_liteseg.py"
# Seg50-style test size: the configs train on 1024x512 crops and test at scale 0.5 of 2048x1024
_CITYSCAPES = dict(num_classes=19, input_size=(512, 1024))


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=False)


def _cbr(cin: int, cout: int, k: int, relu: bool = True, bias: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, 1, k // 2, bias=bias), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class SPPM(nn.Module):
    def __init__(self, cin: int, mid: int, cout: int, bins=(1, 2, 4)):
        super().__init__()
        self.stages = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(b), *_cbr(cin, mid, 1, bias=True))
                                    for b in bins)
        self.conv_out = _cbr(mid, cout, 3, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_out(sum(_up(stage(x), x.shape[2:]) for stage in self.stages))


class UAFM(nn.Module):
    """Unified attention fusion with spatial attention (PaddleSeg UAFM_SpAtten)."""

    def __init__(self, x_ch: int, y_ch: int, out_ch: int):
        super().__init__()
        self.conv_x = _cbr(x_ch, y_ch, 3)
        self.conv_out = _cbr(y_ch, out_ch, 3)
        self.conv_xy_atten = nn.Sequential(*_cbr(4, 2, 3), *_cbr(2, 1, 3, relu=False))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x = self.conv_x(x)
        y = _up(y, x.shape[2:])
        stats = [x.mean(1, keepdim=True), x.amax(1, keepdim=True), y.mean(1, keepdim=True), y.amax(1, keepdim=True)]
        a = torch.sigmoid(self.conv_xy_atten(torch.cat(stats, 1)))
        return self.conv_out(x * a + y * (1 - a))


class PPLiteSeg(nn.Module):
    def __init__(self, layers: tuple[int, int, int], arm_out_chs: tuple[int, int, int],
                 head_mid: int, num_classes: int = 19, cm_out: int = 128):
        super().__init__()
        self.backbone = STDCNet(layers)
        chs = self.backbone.channels  # 1/8, 1/16, 1/32
        self.cm = SPPM(chs[-1], cm_out, cm_out)
        highs = list(arm_out_chs[1:]) + [cm_out]
        self.arms = nn.ModuleList(UAFM(c, h, o) for c, h, o in zip(chs, highs, arm_out_chs))
        self.head = nn.Sequential(*_cbr(arm_out_chs[0], head_mid, 3), nn.Conv2d(head_mid, num_classes, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.backbone(x)
        high = self.cm(feats[-1])
        for feat, arm in zip(reversed(feats), reversed(self.arms)):
            high = arm(feat, high)
        return _up(self.head(high), x.shape[2:])


@register("ppliteseg-t", paper="pp-liteseg", **_CITYSCAPES, official_code=_CODE,
          notes="PaddleSeg pp_liteseg_stdc1_cityscapes_1024x512_scale0.5_160k.yml; 1/16 and 1/32 training "
                "seg heads and the unused STDCNet conv_last not built")
def ppliteseg_t(num_classes: int = 19) -> nn.Module:
    """PP-LiteSeg-T: STDC1, arm_out_chs (32, 64, 128), head 32."""
    return PPLiteSeg((2, 2, 2), (32, 64, 128), 32, num_classes)


@register("ppliteseg-b", paper="pp-liteseg", **_CITYSCAPES, official_code=_CODE,
          notes="PaddleSeg pp_liteseg_stdc2_cityscapes_1024x512_scale0.5_160k.yml (model defaults); 1/16 and "
                "1/32 training seg heads and the unused STDCNet conv_last not built")
def ppliteseg_b(num_classes: int = 19) -> nn.Module:
    """PP-LiteSeg-B: STDC2, arm_out_chs (64, 96, 128), head 64."""
    return PPLiteSeg((4, 5, 3), (64, 96, 128), 64, num_classes)
