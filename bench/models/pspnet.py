"""PSPNet (Zhao et al., CVPR 2017): dilated ResNet-101 with the deep stem + pyramid pooling.

Followed: hszhao/semseg, model/pspnet.py and model/resnet.py (the authors' PyTorch release;
the original is the Caffe hszhao/PSPNet, whose prototxt has the same layers: a 3-conv stem
conv1_1..conv1_3 (64, 64, 128), res4 dilated 2 and res5 dilated 4, output stride 8).

- Backbone: ResNet-101 with the deep stem (3x3 convs 3->64 s2, 64->64, 64->128, then max pool),
  so layer1 takes 128 channels; layer3 dilation 2, layer4 dilation 4 on *every* 3x3 conv and
  stride 1 (semseg modifies all conv2 of the layer, unlike torchvision's dilated ResNet).
- PPM: bins 1, 2, 3, 6; each AdaptiveAvgPool -> 1x1 conv 2048->512 (no bias) -> BN -> ReLU,
  upsampled bilinearly (align_corners=True) and concatenated with the input (4096 channels).
- Head: 3x3 conv 4096->512 (no bias), BN, ReLU, Dropout2d(0.1), 1x1 conv 512->classes;
  logits upsampled x8 bilinearly (align_corners=True) to the input size.
- The auxiliary head on layer3 (1024->256->classes) is built only for training in semseg
  (``if self.training``), so it is not built here and not counted.
- Deviation: plain BatchNorm (semseg trains with SyncBN; same parameters).

Parameters: ours 65,708,501 at 21 classes (65,707,475 at 19 Cityscapes classes), i.e. 65.7M,
matching the surveys' 65.7M (seed 000_120f5c55618baebb); neither the paper nor the code states a
count. With the training-only aux head (2,365,205 params at 21 classes) it would be 68.07M, so
the survey figure is the inference network.
Registered: Pascal VOC 2012, 21 classes, 473x473 (semseg's VOC crop; ``(H-1) % 8 == 0`` as
semseg asserts; our forward accepts any size and resizes the logits to the input).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import Bottleneck, ResNet

from bench.models.registry import register

_CODE = "https://github.com/hszhao/semseg"


def _dilate_layer(layer: nn.Sequential, dilation: int) -> None:
    """semseg's surgery: every 3x3 conv of the stage gets `dilation`, and the stage stride 1."""
    for name, m in layer.named_modules():
        if name.endswith("conv2"):
            m.dilation, m.padding, m.stride = (dilation, dilation), (dilation, dilation), (1, 1)
        elif name.endswith("downsample.0"):
            m.stride = (1, 1)


def _conv_bn_relu(cin: int, cout: int, k: int = 3, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True)]


def deep_stem_resnet(layers: tuple[int, int, int, int] = (3, 4, 23, 3)) -> nn.Module:
    """semseg's ResNet (deep_base=True) as a torchvision ResNet with the 3-conv stem.

    Returns a module with layer0 (stem + max pool) and layer1..layer4; fc/avgpool removed.
    """
    net = ResNet(Bottleneck, list(layers))
    net.layer0 = nn.Sequential(*_conv_bn_relu(3, 64, stride=2), *_conv_bn_relu(64, 64),
                               *_conv_bn_relu(64, 128), nn.MaxPool2d(3, 2, 1))
    net.inplanes = 128  # layer1 is rebuilt for the 128-channel stem output
    net.layer1 = net._make_layer(Bottleneck, 64, layers[0])
    del net.conv1, net.bn1, net.relu, net.maxpool, net.avgpool, net.fc
    return net


class _PPM(nn.Module):
    def __init__(self, in_dim: int, reduction_dim: int, bins: tuple[int, ...]):
        super().__init__()
        self.features = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), *_conv_bn_relu(in_dim, reduction_dim, k=1))
            for b in bins)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        return torch.cat([x] + [F.interpolate(f(x), size, mode="bilinear", align_corners=True)
                                for f in self.features], 1)


class PSPNet(nn.Module):
    def __init__(self, num_classes: int = 21, layers: tuple[int, int, int, int] = (3, 4, 23, 3),
                 bins: tuple[int, ...] = (1, 2, 3, 6), dropout: float = 0.1):
        super().__init__()
        resnet = deep_stem_resnet(layers)
        _dilate_layer(resnet.layer3, 2)
        _dilate_layer(resnet.layer4, 4)
        self.layer0, self.layer1, self.layer2 = resnet.layer0, resnet.layer1, resnet.layer2
        self.layer3, self.layer4 = resnet.layer3, resnet.layer4
        self.ppm = _PPM(2048, 2048 // len(bins), bins)
        self.cls = nn.Sequential(*_conv_bn_relu(4096, 512), nn.Dropout2d(dropout),
                                 nn.Conv2d(512, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        for stage in (self.layer0, self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        x = self.cls(self.ppm(x))
        return F.interpolate(x, size, mode="bilinear", align_corners=True)


@register("pspnet", paper="pspnet", num_classes=21, input_size=(473, 473), official_code=_CODE,
          notes="semseg model/pspnet.py, layers=101, deep stem, bins (1,2,3,6); aux head "
                "(training only in semseg) not built; BatchNorm instead of SyncBN")
def pspnet(num_classes: int = 21) -> nn.Module:
    """PSPNet, dilated ResNet-101 (deep stem), output stride 8, no aux head at inference."""
    return PSPNet(num_classes)
