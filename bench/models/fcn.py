"""FCN-32s / FCN-16s / FCN-8s (Long, Shelhamer, Darrell, CVPR 2015), VGG-16 backbone.

Followed layer by layer: shelhamer/fcn.berkeleyvision.org, `voc-fcn32s/net.py`,
`voc-fcn16s/net.py`, `voc-fcn8s/net.py` (crop offsets from the generated
`voc-fcn8s/val.prototxt`: score_pool4c 5, score_pool3c 9, score 31; FCN-16s 5 / 27; FCN-32s 19).

- conv1_1 has pad=100 so the 7x7 `fc6` (a convolution, not a Linear) fits any input; the crops
  then cut the padding back out, so the output is exactly the input size.
- Caffe pools round up (ceil), hence `ceil_mode=True`; the crop offsets assume it.
- Upsampling is `ConvTranspose2d(bias=False)` initialised to bilinear, as the official solve.py
  does (`surgery.interp`); the nets fix them (lr_mult 0) but Caffe still stores them as blobs,
  so they are counted as parameters here too (127,008 of them for FCN-8s at 21 classes).
- Dropout (p=0.5 after fc6 and fc7) is identity in eval mode. No deviations otherwise.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from bench.models.registry import register

OFFICIAL = "https://github.com/shelhamer/fcn.berkeleyvision.org"
_VGG16 = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]  # (channels, convs) per stage


def _bilinear_kernel(channels: int, size: int) -> torch.Tensor:
    """Per-channel bilinear upsampling kernel (as fcn's surgery.upsample_filt / interp)."""
    factor = (size + 1) // 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    og = torch.arange(size, dtype=torch.float32)
    filt1d = 1 - (og - center).abs() / factor
    w = torch.zeros(channels, channels, size, size)
    w[range(channels), range(channels)] = filt1d[:, None] * filt1d[None, :]
    return w


def _upscore(num_classes: int, factor: int) -> nn.ConvTranspose2d:
    up = nn.ConvTranspose2d(num_classes, num_classes, 2 * factor, stride=factor, bias=False)
    with torch.no_grad():
        up.weight.copy_(_bilinear_kernel(num_classes, 2 * factor))
    return up


def _crop(x: torch.Tensor, offset: int, like: torch.Tensor) -> torch.Tensor:
    """Caffe Crop(axis=2): take like's H, W from x starting at (offset, offset)."""
    h, w = like.shape[-2:]
    return x[:, :, offset:offset + h, offset:offset + w]


class FCN(nn.Module):
    """VGG-16 FCN; `stride` 32, 16 or 8 selects FCN-32s, -16s or -8s."""

    def __init__(self, num_classes: int = 21, stride: int = 8):
        super().__init__()
        if stride not in (32, 16, 8):
            raise ValueError(f"FCN stride must be 32, 16 or 8, got {stride}")
        self.stride = stride
        stages, cin = [], 3
        for i, (cout, n) in enumerate(_VGG16):
            layers: list[nn.Module] = []
            for j in range(n):
                pad = 100 if (i, j) == (0, 0) else 1  # conv1_1 pad=100 (net.py)
                layers += [nn.Conv2d(cin, cout, 3, padding=pad), nn.ReLU(inplace=True)]
                cin = cout
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))  # Caffe pooling rounds up
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)  # outputs pool1 .. pool5
        self.fc = nn.Sequential(
            nn.Conv2d(512, 4096, 7), nn.ReLU(inplace=True), nn.Dropout(0.5),   # fc6
            nn.Conv2d(4096, 4096, 1), nn.ReLU(inplace=True), nn.Dropout(0.5),  # fc7
        )
        self.score_fr = nn.Conv2d(4096, num_classes, 1)
        if stride == 32:
            self.upscore = _upscore(num_classes, 32)
        else:
            self.upscore2 = _upscore(num_classes, 2)
            self.score_pool4 = nn.Conv2d(512, num_classes, 1)
            if stride == 16:
                self.upscore16 = _upscore(num_classes, 16)
            else:
                self.upscore_pool4 = _upscore(num_classes, 2)
                self.score_pool3 = nn.Conv2d(256, num_classes, 1)
                self.upscore8 = _upscore(num_classes, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = []
        h = x
        for stage in self.stages:
            h = stage(h)
            feats.append(h)
        pool3, pool4 = feats[2], feats[3]
        score = self.score_fr(self.fc(h))
        if self.stride == 32:
            return _crop(self.upscore(score), 19, x)
        up = self.upscore2(score)
        up = up + _crop(self.score_pool4(pool4), 5, up)          # fuse_pool4
        if self.stride == 16:
            return _crop(self.upscore16(up), 27, x)
        up = self.upscore_pool4(up)
        up = up + _crop(self.score_pool3(pool3), 9, up)          # fuse_pool3
        return _crop(self.upscore8(up), 31, x)


_NOTES = ("VGG-16 exactly as the official Caffe net.py (pad 100, fc6 7x7 conv, ceil pooling, "
          "crops); bias-free bilinear-initialised deconvolutions counted as parameters; "
          "random init (no ImageNet/VOC weights).")


@register("fcn32s", paper="fcn", num_classes=21, input_size=(500, 500),
          official_code=f"{OFFICIAL}/blob/master/voc-fcn32s/net.py", notes=_NOTES)
def fcn32s(num_classes: int = 21) -> nn.Module:
    """FCN-32s: score_fr upsampled 32x by one 64x64 deconvolution (voc-fcn32s/net.py)."""
    return FCN(num_classes, stride=32)


@register("fcn16s", paper="fcn", num_classes=21, input_size=(500, 500),
          official_code=f"{OFFICIAL}/blob/master/voc-fcn16s/net.py", notes=_NOTES)
def fcn16s(num_classes: int = 21) -> nn.Module:
    """FCN-16s: + pool4 skip, then a 32x32 stride-16 deconvolution (voc-fcn16s/net.py)."""
    return FCN(num_classes, stride=16)


@register("fcn8s", paper="fcn", num_classes=21, input_size=(500, 500),
          official_code=f"{OFFICIAL}/blob/master/voc-fcn8s/net.py", notes=_NOTES)
def fcn8s(num_classes: int = 21) -> nn.Module:
    """FCN-8s: + pool4 and pool3 skips, then a 16x16 stride-8 deconvolution (voc-fcn8s/net.py)."""
    return FCN(num_classes, stride=8)
