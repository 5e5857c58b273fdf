"""LinkNet (Chaurasia, Culurciello, VCIP 2017), ResNet-18 encoder.

Followed: e-lab/LinkNet, `models/model.lua` (Torch7; README: Cityscapes 1024x512, 19 classes).
- Encoder: ResNet-18 without avg-pool/fc. The Torch model is fb.resnet.torch's, whose convs
  have no bias (its ConvInit deletes them), the same as torchvision's `resnet18`, used here
  with weights=None.
- `bypass2dec` nests the four levels: out_k = ReLU(x_k + D_k(E_k(x_k) ...)), i.e. each
  decoder's output is added to its encoder block's INPUT, then ReLU.
- Decoder block D(m, n, s): 1x1 conv m -> m/4, BN, ReLU, 3x3 full conv m/4 -> m/4 (stride s,
  adj s-1), BN, ReLU, 1x1 conv m/4 -> n, BN, ReLU (cudnn convolutions keep their bias here).
  D4 512->256 /2, D3 256->128 /2, D2 128->64 /2, D1 64->64 stride 1 (layer1 keeps the size).
- Head: 3x3 full conv 64->32 /2, BN, ReLU, 3x3 conv 32->32, BN, ReLU, 2x2 full conv /2 ->
  classes.
Deviations: BN eps 1e-3 in the decoder (as model.lua; the first head BN uses Torch's default
1e-5); random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torchvision.models import resnet18

from bench.models.registry import register


def _decoder(m: int, n: int, stride: int) -> nn.Sequential:
    q = m // 4
    return nn.Sequential(
        nn.Conv2d(m, q, 1), nn.BatchNorm2d(q, eps=1e-3), nn.ReLU(inplace=True),
        nn.ConvTranspose2d(q, q, 3, stride, padding=1, output_padding=stride - 1),
        nn.BatchNorm2d(q, eps=1e-3), nn.ReLU(inplace=True),
        nn.Conv2d(q, n, 1), nn.BatchNorm2d(n, eps=1e-3), nn.ReLU(inplace=True))


class LinkNet(nn.Module):
    def __init__(self, num_classes: int = 19):
        super().__init__()
        r = resnet18(weights=None)
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool)
        self.encoders = nn.ModuleList([r.layer1, r.layer2, r.layer3, r.layer4])
        self.decoders = nn.ModuleList([_decoder(64, 64, 1), _decoder(128, 64, 2),
                                       _decoder(256, 128, 2), _decoder(512, 256, 2)])
        self.head = nn.Sequential(
            nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1), nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32, eps=1e-3), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(32, num_classes, 2, stride=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 32 or x.shape[-1] % 32:  # five /2 steps undone by five x2 steps
            raise ValueError(f"LinkNet needs H and W divisible by 32, got {tuple(x.shape[-2:])}")
        x = self.stem(x)
        inputs = []
        for enc in self.encoders:
            inputs.append(x)
            x = enc(x)
        for dec, skip in zip(reversed(self.decoders), reversed(inputs)):
            x = torch.relu(skip + dec(x))
        return self.head(x)


@register("linknet", paper="linknet", num_classes=19, input_size=(512, 1024),
          official_code="https://github.com/e-lab/LinkNet/blob/master/models/model.lua")
def linknet(num_classes: int = 19) -> nn.Module:
    """LinkNet with a torchvision ResNet-18 encoder (weights=None), Cityscapes 19 classes at
    1024x512 (W x H) as the e-lab/LinkNet README."""
    return LinkNet(num_classes)
