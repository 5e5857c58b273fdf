"""DeepLabv3+ (Chen et al., ECCV 2018): DeepLabv3 encoder + a simple decoder.

Followed: tensorflow/models research/deeplab, model.py (`refine_by_decoder`, `_extract_features`),
core/xception.py (xception_65) and core/utils.py (split_separable_conv2d).

- Xception-65: timm's ``xception65`` (timm/models/xception_aligned.py, "Modified Aligned
  Xception", written to be weight-compatible with the TF deeplab checkpoints), random init, with
  the stride-2 blocks beyond the output stride turned into atrous ones (timm's output_stride).
  Low-level features: entry_flow/block2 separable_conv2_pointwise (256 channels, stride 4,
  before the ReLU) exactly as the TF feature map `decoder_end_points` names.
  ASPP and decoder use separable convs (depthwise 3x3 + BN + ReLU, pointwise 1x1 + BN + ReLU),
  as the paper's best Xception model (aspp_with_separable_conv, decoder_use_separable_conv).
- ResNet-101: torchvision resnet101 with atrous layer4 (multi-grid (1, 2, 4)); regular ASPP and
  regular 3x3 decoder convs (the paper's ResNet-101 decoder study, Sec. 4.1); low-level features
  from the conv2_x stage (256 channels, stride 4). Deviation: torchvision downsamples in the
  first unit of each stage, TF slim's resnet_v1_101 in the last (same parameters).
- Decoder: 1x1 conv 48 + BN + ReLU on the low-level features; ASPP output upsampled to stride 4
  (bilinear, align_corners=True), concatenated (304 channels), two 3x3 convs with 256 channels,
  1x1 logits with bias, upsampled to the input.
- Output stride 16 (encoder output_stride=16, ASPP rates 6/12/18), the paper's default for
  training and its efficient evaluation setting; output_stride=8 (rates 12/24/36) is available
  for its best (and ~3x more expensive) evaluation setting. Dropout is training-only; no aux head.
"""

from __future__ import annotations

import timm
import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.deeplab import ASPP, _conv_bn_relu, _resnet101_body, _sep_conv_bn_relu
from bench.models.registry import register

_CODE = "https://github.com/tensorflow/models/tree/master/research/deeplab"


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=True)


class _Decoder(nn.Module):
    def __init__(self, low_channels: int, num_classes: int, separable: bool):
        super().__init__()
        self.project = _conv_bn_relu(low_channels, 48, 1)
        conv = _sep_conv_bn_relu if separable else (lambda c, o: _conv_bn_relu(c, o, 3))
        self.refine = nn.Sequential(conv(256 + 48, 256), conv(256, 256))
        self.classifier = nn.Conv2d(256, num_classes, 1)

    def forward(self, aspp: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        x = torch.cat([_up(aspp, low.shape[2:]), self.project(low)], 1)
        return self.classifier(self.refine(x))


class _XceptionEncoder(nn.Module):
    """timm xception65 trunk returning (stride-4 low-level features, final features)."""

    def __init__(self, output_stride: int):
        super().__init__()
        net = timm.create_model("xception65", pretrained=False, num_classes=0,
                                output_stride=output_stride)
        self.stem, self.blocks = net.stem, net.blocks
        # Keep the tap (conv2 output, pre-ReLU) intact: the ReLU after it must not be in-place.
        self.blocks[1].stack.act3 = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.blocks[0](self.stem(x))
        block = self.blocks[1]
        y = x
        for name, m in block.stack.named_children():
            y = m(y)
            if name == "conv2":
                low = y
        x = block._residual(y, x)
        for b in self.blocks[2:]:
            x = b(x)
        return low, x


class DeepLabV3PlusXception(nn.Module):
    def __init__(self, num_classes: int = 21, output_stride: int = 16):
        super().__init__()
        self.encoder = _XceptionEncoder(output_stride)
        rates = tuple(r * 16 // output_stride for r in (6, 12, 18))
        self.aspp = ASPP(2048, rates, separable=True)
        self.decoder = _Decoder(256, num_classes, separable=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low, feats = self.encoder(x)
        return _up(self.decoder(self.aspp(feats), low), x.shape[2:])


class DeepLabV3PlusResNet(nn.Module):
    def __init__(self, num_classes: int = 21, output_stride: int = 16):
        super().__init__()
        self.backbone = _resnet101_body(output_stride, multi_grid=(1, 2, 4))
        rates = tuple(r * 16 // output_stride for r in (6, 12, 18))
        self.aspp = ASPP(2048, rates)
        self.decoder = _Decoder(256, num_classes, separable=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = self.backbone
        low = b.layer1(b.maxpool(b.relu(b.bn1(b.conv1(x)))))
        feats = b.layer4(b.layer3(b.layer2(low)))
        return _up(self.decoder(self.aspp(feats), low), x.shape[2:])


@register("deeplabv3plus-xception65", paper="deeplabv3plus", num_classes=21,
          input_size=(513, 513), official_code=_CODE,
          notes="timm xception65 (modified aligned Xception, random init), output stride 16, "
                "separable ASPP (6/12/18 + image pooling) and separable decoder; no aux")
def deeplabv3plus_xception65(num_classes: int = 21, output_stride: int = 16) -> nn.Module:
    """DeepLabv3+ with modified aligned Xception-65, output stride 16, separable ASPP/decoder."""
    return DeepLabV3PlusXception(num_classes, output_stride)


@register("deeplabv3plus-resnet101", paper="deeplabv3plus", num_classes=21,
          input_size=(513, 513), official_code=_CODE,
          notes="torchvision ResNet-101 (random init), output stride 16, multi-grid (1,2,4), "
                "ASPP 6/12/18 + image pooling, decoder with regular 3x3 convs; no aux")
def deeplabv3plus_resnet101(num_classes: int = 21, output_stride: int = 16) -> nn.Module:
    """DeepLabv3+ with ResNet-101, output stride 16, regular ASPP and decoder convs."""
    return DeepLabV3PlusResNet(num_classes, output_stride)
