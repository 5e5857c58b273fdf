"""ENet (Paszke, Chaurasia, Kim, Culurciello, arXiv 1606.02147).

Followed module by module: e-lab/ENet-training, `train/models/encoder.lua` and
`train/models/decoder.lua` (the authors' Torch7 code), which fix details the paper leaves open:
- initial block: conv 3->13 3x3/2 (with bias) || max pool, concatenated, then BN + PReLU(16);
- encoder bottleneck: 1x1 (2x2/2 when downsampling) conv without bias, BN, PReLU(C/4); 3x3 conv
  (bias) | dilated 3x3 (bias) | asymmetric 5x1 (no bias) + 1x5 (bias); BN, PReLU; 1x1 conv
  without bias, BN, SpatialDropout (0.01 in the first 5 bottlenecks, 0.1 after); shortcut =
  identity (+ max pool and zero channel padding when downsampling); add; PReLU(C);
- stages 2 and 3 are the same 8 blocks (regular, dil 2, asym 5, dil 4, regular, dil 8,
  asym 5, dil 16); stage 3 has no downsampling bottleneck (as in the paper's Table 1);
- decoder (ReLU, not PReLU, as decoder.lua): upsampling bottleneck = main 1x1 -> 3x3 transposed
  conv /2 -> 1x1, shortcut 1x1 conv + BN + max-unpooling with the encoder's pooling indices;
  then a 2x2/2 transposed conv (bias) to the classes at full resolution.
- The encoder's 1x1 classifier (encoder.lua, used only when pre-training the encoder alone) is
  removed by decoder.lua, so it is not built here.
Deviation: BN eps 1e-3 as in the Torch code; random init. num_classes 19 (Cityscapes train
ids); the Torch code trains with 20 (19 + "unlabeled" with weight 0): +65 params in the
last 2x2 transposed conv at 20 classes.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=1e-3)


class _Initial(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 13, 3, stride=2, padding=1)
        self.bn = _bn(16)
        self.act = nn.PReLU(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.conv(x), F.max_pool2d(x, 2, 2)], dim=1)
        return self.act(self.bn(x))


class _EncoderBottleneck(nn.Module):
    """kind: 'regular', 'down', ('dilated', d) or ('asym', k)."""

    def __init__(self, cin: int, cout: int, kind, dropout: float):
        super().__init__()
        mid = cout // 4
        self.down = kind == "down"
        s = 2 if self.down else 1
        if kind in ("regular", "down"):
            conv = [nn.Conv2d(mid, mid, 3, padding=1)]
        elif kind[0] == "dilated":
            d = kind[1]
            conv = [nn.Conv2d(mid, mid, 3, padding=d, dilation=d)]
        else:  # asymmetric k x 1 then 1 x k
            k = kind[1]
            conv = [nn.Conv2d(mid, mid, (k, 1), padding=(k // 2, 0), bias=False),
                    nn.Conv2d(mid, mid, (1, k), padding=(0, k // 2))]
        self.main = nn.Sequential(
            nn.Conv2d(cin, mid, s, stride=s, bias=False), _bn(mid), nn.PReLU(mid),
            *conv, _bn(mid), nn.PReLU(mid),
            nn.Conv2d(mid, cout, 1, bias=False), _bn(cout), nn.Dropout2d(dropout))
        self.pad = cout - cin
        self.act = nn.PReLU(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        other = F.max_pool2d(x, 2, 2) if self.down else x
        if self.pad:
            other = F.pad(other, [0, 0, 0, 0, 0, self.pad])  # zero channels
        return self.act(self.main(x) + other)


class _DecoderBottleneck(nn.Module):
    def __init__(self, cin: int, cout: int, upsample: bool = False):
        super().__init__()
        mid = cout // 4
        conv = (nn.ConvTranspose2d(mid, mid, 3, 2, padding=1, output_padding=1) if upsample
                else nn.Conv2d(mid, mid, 3, padding=1))
        self.main = nn.Sequential(
            nn.Conv2d(cin, mid, 1, bias=False), _bn(mid), nn.ReLU(inplace=True),
            conv, _bn(mid), nn.ReLU(inplace=True),
            nn.Conv2d(mid, cout, 1, bias=False), _bn(cout))
        self.upsample = upsample
        self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), _bn(cout))
                         if upsample or cin != cout else nn.Identity())

    def forward(self, x: torch.Tensor, indices: torch.Tensor | None = None) -> torch.Tensor:
        other = self.shortcut(x)
        if self.upsample:
            other = F.max_unpool2d(other, indices, 2, 2)
        return F.relu(self.main(x) + other)


_STAGE = ["regular", ("dilated", 2), ("asym", 5), ("dilated", 4),
          "regular", ("dilated", 8), ("asym", 5), ("dilated", 16)]


class ENet(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        self.initial = _Initial()
        blocks = [_EncoderBottleneck(16, 64, "down", 0.01)]
        blocks += [_EncoderBottleneck(64, 64, "regular", 0.01) for _ in range(4)]
        self.stage1 = nn.ModuleList(blocks)
        blocks = [_EncoderBottleneck(64, 128, "down", 0.1)]
        blocks += [_EncoderBottleneck(128, 128, k, 0.1) for k in _STAGE * 2]  # stages 2 and 3
        self.stage23 = nn.ModuleList(blocks)
        self.up4 = _DecoderBottleneck(128, 64, upsample=True)
        self.stage4 = nn.Sequential(_DecoderBottleneck(64, 64), _DecoderBottleneck(64, 64))
        self.up5 = _DecoderBottleneck(64, 16, upsample=True)
        self.stage5 = _DecoderBottleneck(16, 16)
        self.fullconv = nn.ConvTranspose2d(16, num_classes, 2, stride=2)

    @staticmethod
    def _run(blocks: nn.ModuleList, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # the first block downsamples; keep its max-pool indices for the decoder's unpooling
        _, idx = F.max_pool2d(x, 2, 2, return_indices=True)
        for b in blocks:
            x = b(x)
        return x, idx

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 8 or x.shape[-1] % 8:  # three /2 steps, undone by unpooling
            raise ValueError(f"ENet needs H and W divisible by 8, got {tuple(x.shape[-2:])}")
        x = self.initial(x)
        x, idx1 = self._run(self.stage1, x)
        x, idx2 = self._run(self.stage23, x)
        x = self.stage4(self.up4(x, idx2))
        x = self.stage5(self.up5(x, idx1))
        return self.fullconv(x)


@register("enet", paper="enet", num_classes=19, input_size=(512, 1024),
          official_code="https://github.com/e-lab/ENet-training/tree/master/train/models")
def enet(num_classes: int = 19) -> nn.Module:
    """ENet as e-lab/ENet-training encoder.lua + decoder.lua; Cityscapes 19 classes at 512x1024
    (the paper's Cityscapes/timing resolution); encoder pre-training classifier not built."""
    return ENet(num_classes)
