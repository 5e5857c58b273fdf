"""DeepLab v1 (LargeFOV), v2 (ResNet-101 ASPP) and v3 (ResNet-101 ASPP + image pooling).

All are Pascal VOC 2012 models (21 classes) evaluated at 513x513 (the official test crop: VOC
images are at most 500x500, padded to 513). Logits are upsampled bilinearly with
align_corners=True, like Caffe's Interp layer and TF's resize_bilinear(align_corners=True).
DeepLab v3+ lives in `deeplabv3plus.py`.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models import resnet101

from bench.models.pspnet import _dilate_layer
from bench.models.registry import register

_VOC = dict(num_classes=21, input_size=(513, 513))


def _upsample_to(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=True)


# --------------------------------------------------------------------------- DeepLab v1

class DeepLabLargeFOV(nn.Module):
    """DeepLab-LargeFOV (Chen et al., ICLR 2015), VGG-16, output stride 8.

    Followed: the authors' Caffe prototxt (http://www.cs.jhu.edu/~alanlab/ccvl/DeepLab-LargeFOV/
    train.prototxt, the URL fetched by mitmul/deeplab-public-ver2 deeplab/download.sh), as ported
    layer by layer in DrSleep/tensorflow-deeplab-lfov (deeplab_lfov/model.py, whose header lists:
    3x3/s2 max pools after conv1-3, 3x3/s1 max pool after conv4, conv5 with dilation 2, a 3x3/s1
    max pool and a 3x3/s1 average pool after conv5, fc6 3x3 dilation 12 with 1024 channels, fc7
    1x1 1024, fc8 1x1 classes). Pools use Caffe's ceil rounding. Dropout 0.5 after fc6 and fc7.
    The fully connected CRF post-processing is not part of the network.
    """

    def __init__(self, num_classes: int = 21):
        super().__init__()
        cfg = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
        layers: list[nn.Module] = []
        cin = 3
        for i, (cout, n) in enumerate(cfg):
            dil = 2 if i == 4 else 1
            for _ in range(n):
                layers += [nn.Conv2d(cin, cout, 3, padding=dil, dilation=dil), nn.ReLU(True)]
                cin = cout
            stride = 2 if i < 3 else 1
            layers.append(nn.MaxPool2d(3, stride, 1, ceil_mode=True))
        layers.append(nn.AvgPool2d(3, 1, 1, ceil_mode=True))  # pool5a
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Conv2d(512, 1024, 3, padding=12, dilation=12), nn.ReLU(True), nn.Dropout2d(0.5),
            nn.Conv2d(1024, 1024, 1), nn.ReLU(True), nn.Dropout2d(0.5),
            nn.Conv2d(1024, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _upsample_to(self.classifier(self.features(x)), x.shape[2:])


@register("deeplab-largefov", paper="deeplab", **_VOC,
          official_code="https://bitbucket.org/deeplab/deeplab-public/",
          notes="Caffe DeepLab-LargeFOV prototxt (via DrSleep/tensorflow-deeplab-lfov); "
                "no CRF; logits upsampled x8 bilinearly")
def deeplab_largefov(num_classes: int = 21) -> nn.Module:
    """DeepLab v1 LargeFOV: VGG-16, fc6 3x3 dilation 12 with 1024 channels, no CRF."""
    return DeepLabLargeFOV(num_classes)


# --------------------------------------------------------------------------- ResNet-101

def _resnet101_body(output_stride: int, multi_grid: tuple[int, ...] = (1, 1, 1),
                    caffe_stride: bool = False) -> nn.Module:
    """torchvision ResNet-101 (random init) with atrous layer3/layer4; fc/avgpool removed.

    Every 3x3 conv of a dilated stage gets the stage rate (times `multi_grid` in layer4), as in
    the DeepLab prototxts / TF code (torchvision's own dilated ResNet keeps the previous rate
    in the first block). `caffe_stride` puts the stride of layer2's first block on its 1x1
    conv, as in the MSRA Caffe ResNet that DeepLab v2 used; max pool rounds up like Caffe.
    """
    net = resnet101(weights=None)
    del net.fc, net.avgpool
    if caffe_stride:
        block = net.layer2[0]
        block.conv1.stride, block.conv2.stride = (2, 2), (1, 1)
        net.maxpool.ceil_mode = True
    rates = {16: (1, 2), 8: (2, 4)}[output_stride]
    if output_stride == 8:
        _dilate_layer(net.layer3, rates[0])
    _dilate_layer(net.layer4, rates[1])
    for block, grid in zip(net.layer4, multi_grid):
        r = rates[1] * grid
        block.conv2.dilation, block.conv2.padding = (r, r), (r, r)
    return net


def _resnet_features(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    return net.layer4(net.layer3(net.layer2(net.layer1(x))))


# --------------------------------------------------------------------------- DeepLab v2

class DeepLabV2(nn.Module):
    """DeepLab v2 (Chen et al., TPAMI 2017), ResNet-101, ASPP-L, output stride 8.

    Followed: the DeepLab-v2 ResNet-101 Caffe model released with deeplab-public-ver2
    (bitbucket.org/aquariusjay/deeplab-public-ver2), as converted layer by layer in
    DrSleep/tensorflow-deeplab-resnet deeplab_resnet/model.py: res4 dilation 2, res5 dilation 4,
    classifier = four 3x3 convs 2048->classes (with bias) at rates 6, 12, 18, 24, summed.
    Deviations: BatchNorm modules instead of Caffe's frozen BN+Scale (same parameter count);
    the multi-scale input (MSC, max fusion over scales 1, 0.75, 0.5) is a test protocol with
    shared weights and is not built in; no CRF.
    """

    def __init__(self, num_classes: int = 21, rates: tuple[int, ...] = (6, 12, 18, 24)):
        super().__init__()
        self.backbone = _resnet101_body(8, caffe_stride=True)
        self.aspp = nn.ModuleList(nn.Conv2d(2048, num_classes, 3, padding=r, dilation=r)
                                  for r in rates)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = _resnet_features(self.backbone, x)
        return _upsample_to(sum(branch(f) for branch in self.aspp), x.shape[2:])


@register("deeplabv2-resnet101", paper="deeplabv2", **_VOC,
          official_code="https://bitbucket.org/aquariusjay/deeplab-public-ver2",
          notes="ResNet-101 (torchvision layout, Caffe stride placement), ASPP-L rates "
                "6/12/18/24 summed; no MSC, no CRF")
def deeplabv2_resnet101(num_classes: int = 21) -> nn.Module:
    """DeepLab v2 ResNet-101 with ASPP-L (rates 6, 12, 18, 24), single scale, no CRF."""
    return DeepLabV2(num_classes)


# --------------------------------------------------------------------------- DeepLab v3

def _conv_bn_relu(cin: int, cout: int, k: int, rate: int = 1) -> nn.Sequential:
    pad = rate * (k // 2)
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, dilation=rate, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    """DeepLabv3 ASPP: 1x1, three 3x3 atrous convs, image pooling; concat -> 1x1 projection.

    `separable=True` gives DeepLabv3+'s version (depthwise 3x3 + BN + ReLU, then pointwise
    1x1 + BN + ReLU, as in tensorflow/models research/deeplab core/utils.py
    split_separable_conv2d).
    """

    def __init__(self, cin: int, rates: tuple[int, int, int], out: int = 256,
                 separable: bool = False):
        super().__init__()
        branches = [_conv_bn_relu(cin, out, 1)]
        for r in rates:
            branches.append(_sep_conv_bn_relu(cin, out, r) if separable
                            else _conv_bn_relu(cin, out, 3, r))
        self.branches = nn.ModuleList(branches)
        self.image_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), _conv_bn_relu(cin, out, 1))
        self.project = _conv_bn_relu(out * (len(rates) + 2), out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [b(x) for b in self.branches]
        feats.append(_upsample_to(self.image_pool(x), x.shape[2:]))
        return self.project(torch.cat(feats, 1))


def _sep_conv_bn_relu(cin: int, cout: int, rate: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, padding=rate, dilation=rate, groups=cin, bias=False),
        nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DeepLabV3(nn.Module):
    """DeepLabv3 (Chen et al., arXiv 1706.05587), ResNet-101, ASPP with image pooling.

    Followed: the paper (Sec. 3.3, 4.3) and tensorflow/models research/deeplab (model.py,
    `_extract_features`: ASPP 1x1 + three 3x3 atrous convs + image pooling, each 256 channels
    with BN, concat -> 1x1 256 + BN -> 1x1 logits with bias). Inference setting of the paper's
    final model: output stride 8 (trained at 16, evaluated at 8), so ASPP rates are doubled to
    (12, 24, 36), and layer4 uses multi-grid (1, 2, 4) times rate 4. `output_stride=16` gives
    rates (6, 12, 18) and layer4 rates 2*(1, 2, 4). Dropout (keep 0.9) after the projection is
    a training-time op and is omitted.
    Deviation: torchvision's ResNet-101 downsamples in the first unit of each stage while TF
    slim's resnet_v1_101 does it in the last; the parameters are identical, the FLOPs of the
    stride-2 stages differ slightly.
    """

    def __init__(self, num_classes: int = 21, output_stride: int = 8):
        super().__init__()
        self.backbone = _resnet101_body(output_stride, multi_grid=(1, 2, 4))
        rates = tuple(r * 16 // output_stride for r in (6, 12, 18))
        self.aspp = ASPP(2048, rates)
        self.classifier = nn.Conv2d(256, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.classifier(self.aspp(_resnet_features(self.backbone, x)))
        return _upsample_to(y, x.shape[2:])


@register("deeplabv3", paper="deeplabv3", **_VOC,
          official_code="https://github.com/tensorflow/models/tree/master/research/deeplab",
          notes="ResNet-101 (torchvision), output stride 8 at inference (paper's eval setting), "
                "multi-grid (1,2,4), ASPP rates 12/24/36 + image pooling; no aux")
def deeplabv3(num_classes: int = 21, output_stride: int = 8) -> nn.Module:
    """DeepLabv3 ResNet-101, evaluated at output stride 8 as the paper's final model."""
    return DeepLabV3(num_classes, output_stride)
