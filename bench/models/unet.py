"""U-Net (Ronneberger, Fischer, Brox, MICCAI 2015), the paper's network (Fig. 1).

Followed: the paper (arXiv 1505.04597, Fig. 1 and Sec. 2) and its released Caffe model
(lmb.informatik.uni-freiburg.de/people/ronneber/u-net, no GitHub repository): 4 down steps of
two 3x3 conv + ReLU and 2x2 max pooling (64 -> 1024 channels), 4 up steps of a 2x2 up-convolution
halving the channels, concatenation with the encoder map, two 3x3 conv + ReLU, and a final
1x1 conv to the 2 classes (the paper's cell-segmentation setup). No batch norm, biases on.

Padding (the one choice the task leaves): the registered model uses SAME padding (pad=1), so
logits come out at the input size, which the bench requires; if a side is not divisible by 16
the up-sampled map is zero-padded to the skip's size before concatenation. Padding does not
change the parameter count. `UNet(padding="valid")` is the paper's unpadded variant (572x572
tile -> 388x388 output, encoder maps centre-cropped before concatenation), kept for FLOP
comparisons with the paper's tiling; it is not registered because its output is smaller.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register


def _double_conv(cin: int, cout: int, pad: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=pad), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=pad), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, num_classes: int = 2, in_channels: int = 1, padding: str = "same"):
        super().__init__()
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
        self.valid = padding == "valid"
        pad = 0 if self.valid else 1
        widths = [64, 128, 256, 512, 1024]
        self.down = nn.ModuleList()
        cin = in_channels
        for w in widths:
            self.down.append(_double_conv(cin, w, pad))
            cin = w
        self.upconv = nn.ModuleList(nn.ConvTranspose2d(w, w // 2, 2, stride=2)
                                    for w in reversed(widths[1:]))
        self.up = nn.ModuleList(_double_conv(w, w // 2, pad) for w in reversed(widths[1:]))
        self.classifier = nn.Conv2d(64, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            if i:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        skips.pop()  # the bottleneck output is x itself
        for upconv, block, skip in zip(self.upconv, self.up, reversed(skips)):
            x = upconv(x)
            dh, dw = skip.shape[-2] - x.shape[-2], skip.shape[-1] - x.shape[-1]
            if self.valid:  # paper: crop the encoder map to the centre
                skip = skip[..., dh // 2: dh // 2 + x.shape[-2], dw // 2: dw // 2 + x.shape[-1]]
            else:           # same padding, odd sizes: pad the up-sampled map instead
                x = F.pad(x, [dw // 2, dw - dw // 2, dh // 2, dh - dh // 2])
            x = block(torch.cat([skip, x], dim=1))
        return self.classifier(x)


@register("unet", paper="unet", num_classes=2, input_size=(572, 572),
          official_code="https://lmb.informatik.uni-freiburg.de/people/ronneber/u-net/")
def unet(num_classes: int = 2) -> nn.Module:
    """U-Net as in the paper (1-channel input, 2 classes, 572x572 tile, no BN) with SAME padding
    so logits match the input size (the paper uses valid padding: 572 -> 388). The bench feeds
    3-channel images, so this builder takes 3 input channels: +1,152 parameters over the paper's
    grey-scale first conv (2 extra channels x 64 x 3 x 3)."""
    return UNet(num_classes, in_channels=3, padding="same")
