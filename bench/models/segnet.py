"""SegNet (Badrinarayanan, Kendall, Cipolla, TPAMI 2017), VGG-16 encoder + max-unpooling decoder.

Followed: alexgkendall/SegNet-Tutorial, `Models/segnet_inference.prototxt` (the CamVid model,
11 classes, 360x480 input):
- encoder = the 13 VGG-16 convolutions, each conv(3x3, bias) -> BN -> ReLU, 2x2/2 max pooling
  that also returns the argmax indices ("pool*_mask");
- decoder mirrors it: unpool with those indices ("Upsample" layers) then conv-BN-ReLU, channel
  widths 512,512,512 | 512,512,256 | 256,256,128 | 128,64 | 64 and a final 3x3 conv to the
  classes (no BN/ReLU), whose output is the logits (the prototxt then applies Softmax).
- Caffe pooling rounds up (360x480 gives 23x30 at pool5's input; the prototxt unpools to
  upsample_h 23 / upsample_w 30), so `ceil_mode=True` and each unpool gets the pre-pool size.
Deviation: Caffe's "BN" layer holds a scale and a shift per channel, the same 2C parameters as
`nn.BatchNorm2d(affine=True)`; its running statistics are buffers here, not parameters.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

# (in, out) per conv, per stage; encoder = VGG-16, decoder = segnet_inference.prototxt
_ENC = [[(3, 64), (64, 64)],
        [(64, 128), (128, 128)],
        [(128, 256), (256, 256), (256, 256)],
        [(256, 512), (512, 512), (512, 512)],
        [(512, 512), (512, 512), (512, 512)]]
_DEC = [[(512, 512), (512, 512), (512, 512)],   # after upsample5: conv5_3_D .. conv5_1_D
        [(512, 512), (512, 512), (512, 256)],   # conv4_*_D
        [(256, 256), (256, 256), (256, 128)],   # conv3_*_D
        [(128, 128), (128, 64)],                # conv2_*_D
        [(64, 64)]]                             # conv1_2_D (conv1_1_D is the classifier)


def _cbr(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class SegNet(nn.Module):
    def __init__(self, num_classes: int = 11):
        super().__init__()
        self.enc = nn.ModuleList(nn.Sequential(*(_cbr(a, b) for a, b in s)) for s in _ENC)
        self.dec = nn.ModuleList(nn.Sequential(*(_cbr(a, b) for a, b in s)) for s in _DEC)
        self.classifier = nn.Conv2d(64, num_classes, 3, padding=1)  # conv1_1_D

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []  # (indices, size before pooling) per stage
        for stage in self.enc:
            x = stage(x)
            size = x.shape[-2:]
            x, idx = F.max_pool2d(x, 2, 2, ceil_mode=True, return_indices=True)
            skips.append((idx, size))
        for stage, (idx, size) in zip(self.dec, reversed(skips)):
            x = F.max_unpool2d(x, idx, 2, 2, output_size=size)
            x = stage(x)
        return self.classifier(x)


@register("segnet", paper="segnet", num_classes=11, input_size=(360, 480),
          official_code="https://github.com/alexgkendall/SegNet-Tutorial/blob/master/Models/"
                        "segnet_inference.prototxt")
def segnet(num_classes: int = 11) -> nn.Module:
    """SegNet (VGG-16 encoder, 13+13 conv-BN-ReLU, max-unpooling decoder), CamVid 11 classes at
    360x480 as in SegNet-Tutorial; BN scale/shift = BatchNorm2d affine; random init."""
    return SegNet(num_classes)
