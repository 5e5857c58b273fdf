"""ERFNet (Romera, Alvarez, Bergasa, Arroyo, IEEE T-ITS 2018).

Followed line by line: Eromera/erfnet_pytorch, `train/erfnet.py` (DownsamplerBlock,
non_bottleneck_1d with 3x1/1x3 factorised and dilated convs, UpsamplerBlock, Encoder, Decoder).
Deviations:
- The official `Encoder.output_conv` (128 -> classes 1x1) is used only when pre-training the
  encoder alone (`only_encode=True`); the full model never calls it, so it is not built here
  (the official module would hold 128*C + C more parameters: 2,451 at C=19, 2,580 at C=20).
- num_classes 19 (Cityscapes train ids); the official training uses 20 (19 + void).
Dropout (0.03 / 0.3 in the encoder) is identity in eval mode. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register


class _Downsampler(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout - cin, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(torch.cat([self.conv(x), F.max_pool2d(x, 2, 2)], 1)))


class _NonBottleneck1D(nn.Module):
    def __init__(self, c: int, dropout: float, d: int):
        super().__init__()
        self.conv3x1_1 = nn.Conv2d(c, c, (3, 1), padding=(1, 0))
        self.conv1x3_1 = nn.Conv2d(c, c, (1, 3), padding=(0, 1))
        self.bn1 = nn.BatchNorm2d(c, eps=1e-3)
        self.conv3x1_2 = nn.Conv2d(c, c, (3, 1), padding=(d, 0), dilation=(d, 1))
        self.conv1x3_2 = nn.Conv2d(c, c, (1, 3), padding=(0, d), dilation=(1, d))
        self.bn2 = nn.BatchNorm2d(c, eps=1e-3)
        self.dropout = nn.Dropout2d(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1x3_1(F.relu(self.conv3x1_1(x)))))
        y = self.bn2(self.conv1x3_2(F.relu(self.conv3x1_2(y))))
        return F.relu(self.dropout(y) + x)


def _upsampler(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 3, 2, padding=1, output_padding=1),
                         nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU(inplace=True))


class ERFNet(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        enc = [_Downsampler(3, 16), _Downsampler(16, 64)]
        enc += [_NonBottleneck1D(64, 0.03, 1) for _ in range(5)]
        enc.append(_Downsampler(64, 128))
        enc += [_NonBottleneck1D(128, 0.3, d) for _ in range(2) for d in (2, 4, 8, 16)]
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(
            _upsampler(128, 64), _NonBottleneck1D(64, 0, 1), _NonBottleneck1D(64, 0, 1),
            _upsampler(64, 16), _NonBottleneck1D(16, 0, 1), _NonBottleneck1D(16, 0, 1),
            nn.ConvTranspose2d(16, num_classes, 2, stride=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 8 or x.shape[-1] % 8:  # three /2 steps undone by three x2 steps
            raise ValueError(f"ERFNet needs H and W divisible by 8, got {tuple(x.shape[-2:])}")
        return self.decoder(self.encoder(x))


@register("erfnet", paper="erfnet", num_classes=19, input_size=(512, 1024),
          official_code="https://github.com/Eromera/erfnet_pytorch/blob/master/train/erfnet.py")
def erfnet(num_classes: int = 19) -> nn.Module:
    """ERFNet as erfnet_pytorch train/erfnet.py, Cityscapes 19 classes at 512x1024 (the paper's
    1024x512 training/testing resolution); encoder-only classifier not built."""
    return ERFNet(num_classes)
