"""DFANet A and B (Li, Xiong, Fan, Sun, CVPR 2019). There is NO official code.

Built from the paper (arXiv 1904.02216: Table 1 backbones, Fig. 3 network) with the widely used
re-implementation Tramac/awesome-semantic-segmentation-pytorch (`core/models/dfanet.py`,
`core/models/base_models/xception.py`: BlockA, Enc, FCAttention, XceptionA) as the reference for
what the paper leaves open. The same code is parametrised for both backbones of Table 1:
- Xception A: conv1 3x3/2 -> 8; enc2 4 blocks -> 48; enc3 6 blocks -> 96; enc4 4 blocks -> 192;
- Xception B: the same with 32 / 64 / 128 channels;
- block (BlockA): ReLU-sepconv(C/4)-BN, ReLU-sepconv(C/4)-BN, ReLU-sepconv(C, stride)-BN plus a
  1x1 conv+BN shortcut when the shape changes; separable conv = dw 3x3 + BN + pw 1x1;
- fc attention: global pool -> Linear(C, 1000) -> 1x1 conv 1000 -> C + BN + ReLU, multiplies
  the features (the pretrained ImageNet fc layer reused as attention);
- three backbones: backbone k+1 takes [enc2_k || up4(fca_k)], [enc3_k || enc2_{k+1}],
  [enc4_k || enc3_{k+1}] (channel concatenation);
- decoder: enc2 of the three backbones -> 1x1 conv-BN-ReLU to 32, upsampled to 1/4 and summed,
  1x1 conv-BN-ReLU; + the three fca outputs -> 1x1 to 32, upsampled to 1/4; 1x1 conv to the
  classes; bilinear x4.
Deviations: the backbone's ImageNet classifier (avg-pool + Linear(C, 1000)) is not built (the
Tramac code keeps it in `self.pretrained`, unused by the segmentation forward, adding
C*1000+1000 parameters); upsampling interpolates to the target's exact size instead of a fixed
scale factor (identical when H and W are divisible by 64); the block's leading ReLU is not
in-place, so the shortcut sees the block input as in Xception (Tramac's in-place ReLU makes
its shortcut see ReLU(input)); no parameter changes. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_URL = ("https://github.com/Tramac/awesome-semantic-segmentation-pytorch/blob/master/core/"
        "models/dfanet.py")
_WIDTHS = {"A": (48, 96, 192), "B": (32, 64, 128)}
_BLOCKS = (4, 6, 4)


class _SepConv(nn.Sequential):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False),
                         nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False))


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        mid = cout // 4
        self.rep = nn.Sequential(
            nn.ReLU(), _SepConv(cin, mid), nn.BatchNorm2d(mid),
            nn.ReLU(), _SepConv(mid, mid), nn.BatchNorm2d(mid),
            nn.ReLU(), _SepConv(mid, cout, stride), nn.BatchNorm2d(cout))
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                   nn.BatchNorm2d(cout))
                     if cin != cout or stride != 1 else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rep(x) + self.skip(x)


def _enc(cin: int, cout: int, n: int) -> nn.Sequential:
    return nn.Sequential(_Block(cin, cout, 2), *(_Block(cout, cout) for _ in range(n - 1)))


class _FCAttention(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.fc = nn.Linear(c, 1000)
        self.conv = nn.Sequential(nn.Conv2d(1000, c, 1, bias=False), nn.BatchNorm2d(c),
                                  nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        att = self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
        return x * self.conv(att[:, :, None, None])


def _cbr1(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, like.shape[-2:], mode="bilinear", align_corners=True)


class DFANet(nn.Module):
    def __init__(self, num_classes: int = 19, backbone: str = "A"):
        super().__init__()
        c2, c3, c4 = _WIDTHS[backbone]
        self.conv1 = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8),
                                   nn.ReLU())
        ins = [(8, c2, c3), (c2 + c4, c3 + c2, c4 + c3), (c2 + c4, c3 + c2, c4 + c3)]
        self.enc2 = nn.ModuleList(_enc(i[0], c2, _BLOCKS[0]) for i in ins)
        self.enc3 = nn.ModuleList(_enc(i[1], c3, _BLOCKS[1]) for i in ins)
        self.enc4 = nn.ModuleList(_enc(i[2], c4, _BLOCKS[2]) for i in ins)
        self.fca = nn.ModuleList(_FCAttention(c4) for _ in ins)
        self.enc2_reduce = nn.ModuleList(_cbr1(c2, 32) for _ in ins)
        self.fca_reduce = nn.ModuleList(_cbr1(c4, 32) for _ in ins)
        self.conv_fusion = _cbr1(32, 32)
        self.conv_out = nn.Conv2d(32, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(x)
        e2s, fcas = [], []
        e2 = e3 = e4 = fca = None
        for i in range(3):  # the three cascaded backbones
            if i == 0:
                e2 = self.enc2[0](h)
                e3 = self.enc3[0](e2)
                e4 = self.enc4[0](e3)
            else:
                e2n = self.enc2[i](torch.cat([e2, _up(fca, e2)], 1))
                e3n = self.enc3[i](torch.cat([e3, _up(e2n, e3)], 1))
                e4n = self.enc4[i](torch.cat([e4, _up(e3n, e4)], 1))
                e2, e3, e4 = e2n, e3n, e4n
            fca = self.fca[i](e4)
            e2s.append(e2)
            fcas.append(fca)
        ref = e2s[0]  # 1/4 resolution
        y = sum(_up(r(e), ref) for r, e in zip(self.enc2_reduce, e2s))
        y = self.conv_fusion(y)
        y = y + sum(_up(r(f), ref) for r, f in zip(self.fca_reduce, fcas))
        return _up(self.conv_out(y), x)


@register("dfanet-a", paper="dfanet", num_classes=19, input_size=(1024, 1024),
          official_code=_URL)
def dfanet_a(num_classes: int = 19) -> nn.Module:
    """DFANet A (Xception A backbone); no official code, follows the paper + Tramac's
    re-implementation; Cityscapes 19 classes at 1024x1024 (the paper's FLOPs input)."""
    return DFANet(num_classes, "A")


@register("dfanet-b", paper="dfanet", num_classes=19, input_size=(1024, 1024),
          official_code=_URL)
def dfanet_b(num_classes: int = 19) -> nn.Module:
    """DFANet B (Xception B backbone: 32/64/128 channels); no official code; Cityscapes 19
    classes at 1024x1024."""
    return DFANet(num_classes, "B")
