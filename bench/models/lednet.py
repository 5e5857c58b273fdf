"""LEDNet (Wang et al., ICIP 2019).

Followed line by line: xiaoyufenfei/LEDNet, `train/lednet.py` at commit e709e25 (the version
whose DownsamplerBlock max-pools 2x2/2 without padding; an earlier version padded the pool by 1,
which cannot concatenate with the conv branch for even sizes).
- Encoder: DownsamplerBlock(3, 32), 3 SS-nbt(32), Down(32, 64), 2 SS-nbt(64), Down(64, 128),
  SS-nbt(128) with dilations 1, 2, 5, 9, 2, 5, 9, 17. SS-nbt = split channels in half, left
  branch 3x1-ReLU-1x3-BN-ReLU-3x1(d)-ReLU-1x3(d)-BN, right branch the same with 1x3 first,
  concat, add the input, ReLU, channel shuffle (2 groups).
- Decoder: attention pyramid network (APN_Module) on the 1/8 features, then bilinear
  upsampling (align_corners=True) to the output size.
Deviations: the official APN hard-codes out_ch=20 (19 Cityscapes classes + void); we use
num_classes (19 registered: 20 - 19 = 1 class less in two 1x1 conv-BN-ReLU, -2*(128+1+2) = 262
params); the official decoder upsamples to a fixed 512x1024, we upsample to the input size;
the encoder-only `output_conv` (unused by the full model) is not built. Random init.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from bench.models.erfnet import _Downsampler as erfnet_downsampler
from bench.models.registry import register


def _cbr(cin: int, cout: int, k: int, stride: int = 1) -> nn.Sequential:
    # Conv2dBnRelu in the official code: conv with bias, BN eps 1e-3, ReLU
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2), nn.BatchNorm2d(cout, eps=1e-3),
                         nn.ReLU(inplace=True))


# LEDNet's official code (xiaoyufenfei/LEDNet) reuses ERFNet's downsampler block unchanged.
_Downsampler = erfnet_downsampler


def _branch(c: int, d: int, first: str) -> nn.Sequential:
    """Factorised convs; first='3x1' (left branch) or '1x3' (right branch)."""
    def fac(k_first: bool, dil: int) -> list[nn.Module]:
        a = nn.Conv2d(c, c, (3, 1), padding=(dil, 0), dilation=(dil, 1))
        b = nn.Conv2d(c, c, (1, 3), padding=(0, dil), dilation=(1, dil))
        return [a, nn.ReLU(inplace=True), b] if k_first else [b, nn.ReLU(inplace=True), a]
    k_first = first == "3x1"
    return nn.Sequential(*fac(k_first, 1), nn.BatchNorm2d(c, eps=1e-3), nn.ReLU(inplace=True),
                         *fac(k_first, d), nn.BatchNorm2d(c, eps=1e-3))


class _SSnbt(nn.Module):
    def __init__(self, c: int, dropout: float, d: int):
        super().__init__()
        self.left = _branch(c // 2, d, "3x1")
        self.right = _branch(c // 2, d, "1x3")
        self.dropout = nn.Dropout2d(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=1)
        y = torch.cat([self.dropout(self.left(x1)), self.dropout(self.right(x2))], 1)
        y = F.relu(x + y)
        n, c, h, w = y.shape  # channel shuffle, 2 groups
        return y.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


class _APN(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.branch1 = _cbr(cin, cout, 1)   # after global average pooling
        self.mid = _cbr(cin, cout, 1)
        self.down1 = _cbr(cin, 1, 7, 2)
        self.down2 = _cbr(1, 1, 5, 2)
        self.down3 = nn.Sequential(_cbr(1, 1, 3, 2), _cbr(1, 1, 3))
        self.conv2 = _cbr(1, 1, 5)
        self.conv1 = _cbr(1, 1, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]

        def up(t: torch.Tensor, size) -> torch.Tensor:
            return F.interpolate(t, size=size, mode="bilinear", align_corners=True)
        b1 = up(self.branch1(F.adaptive_avg_pool2d(x, 1)), (h, w))
        mid = self.mid(x)
        x1 = self.down1(x)
        x2 = self.down2(x1)
        x3 = up(self.down3(x2), (h // 4, w // 4))
        y = up(self.conv2(x2) + x3, (h // 2, w // 2))
        y = up(y + self.conv1(x1), (h, w))
        return y * mid + b1


class LEDNet(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        layers: list[nn.Module] = [_Downsampler(3, 32)]
        layers += [_SSnbt(32, 0.03, 1) for _ in range(3)]
        layers.append(_Downsampler(32, 64))
        layers += [_SSnbt(64, 0.03, 1) for _ in range(2)]
        layers.append(_Downsampler(64, 128))
        layers += [_SSnbt(128, 0.3, d) for d in (1, 2, 5, 9, 2, 5, 9, 17)]
        self.encoder = nn.Sequential(*layers)
        self.apn = _APN(128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 32 or x.shape[-1] % 32:  # /8 encoder, then APN /2 /2 /2 (h//4 sizes)
            raise ValueError(f"LEDNet needs H and W divisible by 32, got {tuple(x.shape[-2:])}")
        y = self.apn(self.encoder(x))
        return F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=True)


@register("lednet", paper="lednet", num_classes=19, input_size=(512, 1024),
          official_code="https://github.com/xiaoyufenfei/LEDNet/blob/master/train/lednet.py")
def lednet(num_classes: int = 19) -> nn.Module:
    """LEDNet as xiaoyufenfei/LEDNet train/lednet.py; Cityscapes 19 classes at 512x1024 (the
    official code's fixed output size); APN width = num_classes (official: 20)."""
    return LEDNet(num_classes)
