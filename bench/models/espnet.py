"""ESPNet (Mehta et al., ECCV 2018): the full model with the light-weight RUM decoder.

Followed line by line: sacmehta/ESPNet, `train/Model.py` (class `ESPNet` wrapping
`ESPNet_Encoder`), with the defaults of `train/main.py` / `train/README.md`: p=2, q=8.
- The encoder's 1x1 classifier (`ESPNet_Encoder.classifier`) IS used by the full model
  (`self.modules[10]`), so it is counted; the decoder's first fusion conv takes 19 + C channels
  (19 = 16 level-1 features + 3 down-sampled RGB channels, hard-coded in the official code).
- The official default is classes=20 (19 Cityscapes classes + void); the registered model uses
  19 train ids, so it has fewer parameters than the 20-class official model (see the test).
Deviations: none in the architecture; random init. Layer names differ (the official `ESPNet`
keeps a plain list `self.modules`, shadowing nn.Module.modules); we use attributes.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from bench.models.registry import register


def _conv(cin: int, cout: int, k: int, stride: int = 1, d: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2 * d, dilation=d,
                     bias=False)


def _br(c: int) -> nn.Sequential:
    return nn.Sequential(nn.BatchNorm2d(c, eps=1e-3), nn.PReLU(c))


def _cbr(cin: int, cout: int, k: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(_conv(cin, cout, k, stride), *_br(cout))


class _ESP(nn.Module):
    """ESP module: reduce (1x1, or 3x3/2 when downsampling) -> 5 parallel dilated 3x3
    (d = 1, 2, 4, 8, 16) -> hierarchical feature fusion (running sums) -> concat."""

    def __init__(self, cin: int, cout: int, down: bool = False, add: bool = True):
        super().__init__()
        n = cout // 5
        n1 = cout - 4 * n
        self.c1 = _conv(cin, n, 3, 2) if down else _conv(cin, n, 1)
        self.d1 = _conv(n, n1, 3, d=1)
        self.d = nn.ModuleList(_conv(n, n, 3, d=d) for d in (2, 4, 8, 16))
        self.add = add and not down and cin == cout
        self.br = _br(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.c1(x)
        outs, acc = [self.d1(r)], 0
        for conv in self.d:
            acc = acc + conv(r)
            outs.append(acc)
        y = torch.cat(outs, 1)
        return self.br(x + y if self.add else y)


class _InputProjection(nn.Module):
    """Down-sample the RGB image `times` times with 3x3/2 average pooling."""

    def __init__(self, times: int):
        super().__init__()
        self.pool = nn.Sequential(*(nn.AvgPool2d(3, 2, padding=1) for _ in range(times)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x)


class ESPNet(nn.Module):
    def __init__(self, num_classes: int = 19, p: int = 2, q: int = 8):
        super().__init__()
        c = num_classes
        # encoder (ESPNet-C)
        self.level1 = _cbr(3, 16, 3, 2)
        self.sample1, self.sample2 = _InputProjection(1), _InputProjection(2)
        self.b1 = _br(16 + 3)
        self.level2_0 = _ESP(16 + 3, 64, down=True)
        self.level2 = nn.Sequential(*(_ESP(64, 64) for _ in range(p)))
        self.b2 = _br(128 + 3)
        self.level3_0 = _ESP(128 + 3, 128, down=True)
        self.level3 = nn.Sequential(*(_ESP(128, 128) for _ in range(q)))
        self.b3 = _br(256)
        self.enc_classifier = _conv(256, c, 1)
        # decoder
        self.level3_C = _conv(128 + 3, c, 1)
        self.br = nn.BatchNorm2d(c, eps=1e-3)
        self.conv = _cbr(19 + c, c, 3)
        self.up_l3 = nn.ConvTranspose2d(c, c, 2, stride=2, bias=False)
        self.combine_l2_l3 = nn.Sequential(_br(2 * c), _ESP(2 * c, c, add=False))
        self.up_l2 = nn.Sequential(nn.ConvTranspose2d(c, c, 2, stride=2, bias=False), _br(c))
        self.classifier = nn.ConvTranspose2d(c, c, 2, stride=2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 8 or x.shape[-1] % 8:  # three /2 steps undone by three 2x2/2 deconvs
            raise ValueError(f"ESPNet needs H and W divisible by 8, got {tuple(x.shape[-2:])}")
        out0 = self.b1(torch.cat([self.level1(x), self.sample1(x)], 1))
        out1_0 = self.level2_0(out0)
        out1 = self.b2(torch.cat([self.level2(out1_0), out1_0, self.sample2(x)], 1))
        out2_0 = self.level3_0(out1)
        out2 = self.b3(torch.cat([out2_0, self.level3(out2_0)], 1))
        up3 = self.up_l3(self.br(self.enc_classifier(out2)))                      # RUM
        up2 = self.up_l2(self.combine_l2_l3(torch.cat([self.level3_C(out1), up3], 1)))
        return self.classifier(self.conv(torch.cat([up2, out0], 1)))


@register("espnet", paper="espnet", num_classes=19, input_size=(512, 1024),
          official_code="https://github.com/sacmehta/ESPNet/blob/master/train/Model.py")
def espnet(num_classes: int = 19) -> nn.Module:
    """ESPNet (encoder + RUM decoder, p=2, q=8 as train/main.py), Cityscapes 19 classes at
    512x1024 (the official code trains with 20 = 19 + void)."""
    return ESPNet(num_classes, p=2, q=8)
