"""ESPNetv2 segmentation (Mehta, Rastegari, Shapiro, Hajishirzi, CVPR 2019), s = 2.0.

Followed: sacmehta/EdgeNets (the authors' code for the ESPNetv2 segmentation results):
`model/segmentation/espnetv2.py` (ESPNetv2Segmentation, dataset='city'),
`model/classification/espnetv2.py` + `espnetv2_config.py` (EESPNet base, s=2.0: channels
[32, 128, 256, 512, 1024, 1280], reps [0, 3, 7, 3], receptive limits [13, 11, 9, 7, 5], K=4,
input reinforcement on), `nn_layers/eesp.py` (EESP, DownSampler), `nn_layers/espnet_utils.py`,
`nn_layers/cnn_utils.py`, `nn_layers/efficient_pyramid_pool.py` (EfficientPyrPool),
`nn_layers/efficient_pt.py` (EfficientPWConv). `model/segmentation/model_zoo/README.md` lists
s=2.0 Cityscapes at 1024x512: 0.79 M params, 2699.05 MFLOPs.
As in the official segmentation model, level5 and the ImageNet classifier are deleted.
Faithful quirk kept: the stride-2 EESP inside each DownSampler owns a PReLU (`module_act`) it
never uses (the DownSampler applies its own); it is built so the count matches the official one.
Deviations: the 2x decoder upsamplings interpolate to the skip's exact size (identical to the
official scale_factor=2 with align_corners=True whenever the sizes are even, i.e. H, W
divisible by 16); random init. num_classes 19 (EdgeNets trains Cityscapes with 20 incl.
background; with 20, pyr_plane_proj = min(C // 2, 16) is 10 instead of 9).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CH = [32, 128, 256, 512]    # s = 2.0, levels 1-4 (level5 deleted in segmentation)
_REPS = [3, 7]               # EESP repeats at levels 3 and 4
_RLIM = [13, 11, 9, 7]       # receptive-field limits per level
_K = 4


def _cbr(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1, d: int = 1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, padding=(k - 1) // 2 * d, dilation=d, groups=groups,
                  bias=False),
        nn.BatchNorm2d(cout), nn.PReLU(cout))


def _cb(cin: int, cout: int, k: int, groups: int = 1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=(k - 1) // 2, groups=groups,
                                   bias=False), nn.BatchNorm2d(cout))


def _br(c: int):
    return nn.Sequential(nn.BatchNorm2d(c), nn.PReLU(c))


class _EESP(nn.Module):
    """Reduce (group 1x1) -> K depth-wise dilated 3x3 -> hierarchical fusion -> group 1x1."""

    def __init__(self, cin: int, cout: int, stride: int = 1, k: int = _K, r_lim: int = 7,
                 down_avg: bool = False):
        super().__init__()
        n = cout // k
        assert n * k == cout, "EESP needs cout divisible by k"
        self.stride, self.down_avg = stride, down_avg
        self.proj_1x1 = _cbr(cin, n, 1, groups=k)
        ksizes = sorted(3 + 2 * i if 3 + 2 * i <= r_lim else 3 for i in range(k))
        self.spp_dw = nn.ModuleList(
            nn.Conv2d(n, n, 3, stride, padding=(ks - 1) // 2, dilation=(ks - 1) // 2,
                      groups=n, bias=False) for ks in ksizes)
        self.conv_1x1_exp = _cb(cout, cout, 1, groups=k)
        self.br_after_cat = _br(cout)
        self.module_act = nn.PReLU(cout)  # unused when down_avg (official quirk, see above)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.proj_1x1(x)
        outs = [self.spp_dw[0](r)]
        for conv in self.spp_dw[1:]:
            outs.append(conv(r) + outs[-1])
        y = self.conv_1x1_exp(self.br_after_cat(torch.cat(outs, 1)))
        if self.stride == 2 and self.down_avg:
            return y
        if y.shape == x.shape:
            y = y + x
        return self.module_act(y)


class _DownSampler(nn.Module):
    """[avg-pool || stride-2 EESP] + projection of the (pooled) RGB input, then PReLU."""

    def __init__(self, cin: int, cout: int, r_lim: int):
        super().__init__()
        self.eesp = _EESP(cin, cout - cin, stride=2, r_lim=r_lim, down_avg=True)
        self.inp_reinf = nn.Sequential(_cbr(3, 3, 3), _cb(3, cout, 1))
        self.act = nn.PReLU(cout)

    def forward(self, x: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
        avg = F.avg_pool2d(x, 3, 2, padding=1)
        out = torch.cat([avg, self.eesp(x)], 1)
        while img.shape[-2:] != avg.shape[-2:]:  # pool the image down to this level
            img = F.avg_pool2d(img, 3, 2, padding=1)
        return self.act(out + self.inp_reinf(img))


class _EfficientPyrPool(nn.Module):
    scales = (2.0, 1.5, 1.0, 0.5, 0.1)

    def __init__(self, cin: int, proj: int, cout: int, last_layer_br: bool = True):
        super().__init__()
        self.projection_layer = _cbr(cin, proj, 1)
        self.stages = nn.ModuleList(nn.Conv2d(proj, proj, 3, padding=1, groups=proj, bias=False)
                                    for _ in self.scales)
        n = len(self.scales)
        self.merge_br = _br(proj * n)
        self.merge_cbr = _cbr(proj * n, proj, 3, groups=proj)
        self.merge_conv = nn.Conv2d(proj, cout, 1, bias=not last_layer_br)
        self.br = _br(cout) if last_layer_br else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.projection_layer(x)
        h, w = x.shape[-2:]
        hs = []
        for s, stage in zip(self.scales, self.stages):
            size = (max(5, math.ceil(h * s)), max(5, math.ceil(w * s)))
            if s < 1.0:
                y = F.interpolate(stage(F.adaptive_avg_pool2d(x, size)), (h, w),
                                  mode="bilinear", align_corners=True)
            elif s > 1.0:
                y = F.adaptive_avg_pool2d(
                    stage(F.interpolate(x, size, mode="bilinear", align_corners=True)), (h, w))
            else:
                y = stage(x)
            hs.append(y)
        y = self.merge_br(torch.cat(hs, 1))
        n, c = y.shape[:2]  # channel shuffle with len(scales) groups
        y = y.view(n, len(self.scales), c // len(self.scales), h, w).transpose(1, 2)
        y = self.merge_cbr(y.reshape(n, c, h, w))
        return self.br(self.merge_conv(y))


class _EfficientPWConv(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.wt_layer = nn.Sequential(nn.AdaptiveAvgPool2d(1),
                                      nn.Conv2d(cin, cout, 1, bias=False), nn.Sigmoid())
        self.expansion_layer = _cbr(cin, cout, 3, groups=math.gcd(cin, cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expansion_layer(x) * self.wt_layer(x)


class ESPNetv2(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        c = _CH
        self.level1 = _cbr(3, c[0], 3, 2)
        self.level2_0 = _DownSampler(c[0], c[1], _RLIM[0])
        self.level3_0 = _DownSampler(c[1], c[2], _RLIM[1])
        self.level3 = nn.Sequential(*(_EESP(c[2], c[2], r_lim=_RLIM[2]) for _ in range(_REPS[0])))
        self.level4_0 = _DownSampler(c[2], c[3], _RLIM[2])
        self.level4 = nn.Sequential(*(_EESP(c[3], c[3], r_lim=_RLIM[3]) for _ in range(_REPS[1])))
        base = 16  # dec_feat_dict['city']
        dec = [4 * base, 3 * base, 2 * base, num_classes]
        proj = min(num_classes // 2, base)
        self.bu_dec_l1 = _EfficientPyrPool(c[3], proj, dec[0])
        self.bu_dec_l2 = _EfficientPyrPool(dec[0], proj, dec[1])
        self.bu_dec_l3 = _EfficientPyrPool(dec[1], proj, dec[2])
        self.bu_dec_l4 = _EfficientPyrPool(dec[2], proj, dec[3], last_layer_br=False)
        self.merge_enc_dec_l2 = _EfficientPWConv(c[2], dec[0])
        self.merge_enc_dec_l3 = _EfficientPWConv(c[1], dec[1])
        self.merge_enc_dec_l4 = _EfficientPWConv(c[0], dec[2])
        self.bu_br_l2, self.bu_br_l3, self.bu_br_l4 = _br(dec[0]), _br(dec[1]), _br(dec[2])

    @staticmethod
    def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, like.shape[-2:], mode="bilinear", align_corners=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        l1 = self.level1(x)
        l2 = self.level2_0(l1, x)
        l3 = self.level3(self.level3_0(l2, x))
        l4 = self.level4(self.level4_0(l3, x))
        y = self.bu_dec_l1(l4)
        y = self.bu_dec_l2(self.bu_br_l2(self.merge_enc_dec_l2(l3) + self._up(y, l3)))
        y = self.bu_dec_l3(self.bu_br_l3(self.merge_enc_dec_l3(l2) + self._up(y, l2)))
        y = self.bu_dec_l4(self.bu_br_l4(self.merge_enc_dec_l4(l1) + self._up(y, l1)))
        return F.interpolate(y, x.shape[-2:], mode="bilinear", align_corners=True)


@register("espnetv2", paper="espnetv2", num_classes=19, input_size=(512, 1024),
          official_code="https://github.com/sacmehta/EdgeNets/blob/master/model/segmentation/"
                        "espnetv2.py")
def espnetv2(num_classes: int = 19) -> nn.Module:
    """ESPNetv2 segmentation, s=2.0, EdgeNets 'city' decoder; Cityscapes 19 classes at
    1024x512 (W x H) as the EdgeNets model zoo row (official training uses 20 classes)."""
    return ESPNetv2(num_classes)
