"""RefineNet (Lin et al., CVPR 2017): 4-cascaded multi-path refinement on ResNet-101.

Followed: guosheng/refinenet (the authors' MatConvNet release), main/gen_net_opts_model_type1.m
(configuration), main/gen_network_refine_group.m (adaptation + cascade), main/My_net_util.m
(RCU = ReLU, 3x3 conv with bias, ReLU, 3x3 conv without bias, identity sum; "dim reduce" = 3x3
conv without bias), main/gen_network_pool_block.m (chained residual pooling, the code's
"improved version": ReLU, then twice [3x3 conv, 5x5/s1 max pool] chained, all summed),
main/gen_network_loss_group.m (dropout 0.5, 3x3 conv with bias to classes).

- Backbone: ResNet-101 (MSRA/Caffe layout: stride on the first 1x1 conv of a stage) without
  pool5/fc; features at 1/32, 1/16, 1/8, 1/4 (2048, 1024, 512, 256 channels). Dropout on the
  1024/2048 outputs (identity at inference). We use torchvision's resnet101 with the stride moved
  to the 1x1 conv (same parameters).
- Adaptation per level: 3x3 conv to 512 (1/32) or 256 (others), then 2 RCUs.
- 4 cascaded RefineNet blocks (path_group_ids [1 2 3 4]): inputs of a block = previous block's
  output + one level; each input gets a 3x3 conv to the smallest width (256; the 1/32 block has a
  single 512 input and no fusion conv); sum after bilinear resizing to the largest map
  (My_sum_layer); chained residual pooling with 2 pools of size 5 (chained_pool_num=2);
  3 RCUs (refine_block_conv_num_mainflow=3).
- Classifier at 1/4: 3x3 conv (bias) to classes; bilinear upsampling to the input size.
Deviations: the paper's figure draws 1 output RCU per block and 2 RCUs before the softmax; we
follow the released code (3 per block, none before the classifier). The released test protocol
resizes the image by 1.2 (input_img_scale) first: a protocol, not part of the network. BN is
frozen in the release (same parameters as our BatchNorm).
Registered: Pascal VOC 2012, 21 classes, 500x500 (largest VOC image).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models import resnet101

from bench.models.registry import register

_CODE = "https://github.com/guosheng/refinenet"


def _conv3(cin: int, cout: int, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, 1, 1, bias=bias)


class _RCU(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1, self.conv2 = _conv3(c, c, bias=True), _conv3(c, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


class _CRP(nn.Module):
    """Chained residual pooling, conv-before-pool version used by the release."""

    def __init__(self, c: int, n: int = 2):
        super().__init__()
        self.convs = nn.ModuleList(_conv3(c, c) for _ in range(n))
        self.pool = nn.MaxPool2d(5, 1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x)
        out, y = x, x
        for conv in self.convs:
            y = self.pool(conv(y))
            out = out + y
        return out


class _RefineBlock(nn.Module):
    def __init__(self, in_dims: tuple[int, ...]):
        super().__init__()
        width = min(in_dims)
        # A single-input block has no fusion conv (stage_num == 1 in gen_network_refine_group.m).
        self.fuse = nn.ModuleList(_conv3(d, width) for d in in_dims) if len(in_dims) > 1 else None
        self.crp = _CRP(width)
        self.out = nn.Sequential(*[_RCU(width) for _ in range(3)])

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if self.fuse is None:
            y = xs[0]
        else:
            size = max((x.shape[2:] for x in xs), key=lambda s: s[0] * s[1])
            y = sum(F.interpolate(conv(x), size, mode="bilinear", align_corners=False)
                    if x.shape[2:] != size else conv(x) for conv, x in zip(self.fuse, xs))
        return self.out(self.crp(y))


class RefineNet(nn.Module):
    def __init__(self, num_classes: int = 21):
        super().__init__()
        net = resnet101(weights=None)
        for layer in (net.layer2, net.layer3, net.layer4):  # Caffe/MSRA stride placement
            layer[0].conv1.stride, layer[0].conv2.stride = (2, 2), (1, 1)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layers = nn.ModuleList([net.layer1, net.layer2, net.layer3, net.layer4])
        dims, adapt = (2048, 1024, 512, 256), (512, 256, 256, 256)  # deepest level first
        self.adapt = nn.ModuleList(nn.Sequential(_conv3(d, a), _RCU(a), _RCU(a))
                                   for d, a in zip(dims, adapt))
        self.blocks = nn.ModuleList([_RefineBlock((512,)), _RefineBlock((512, 256)),
                                     _RefineBlock((256, 256)), _RefineBlock((256, 256))])
        self.classifier = nn.Sequential(nn.Dropout(0.5), _conv3(256, num_classes, bias=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats, y = [], self.stem(x)
        for layer in self.layers:
            y = layer(y)
            feats.append(y)
        levels = [a(f) for a, f in zip(self.adapt, reversed(feats))]
        y = self.blocks[0](levels[0])
        for block, level in zip(self.blocks[1:], levels[1:]):
            y = block(y, level)
        return F.interpolate(self.classifier(y), x.shape[2:], mode="bilinear",
                             align_corners=False)


@register("refinenet-resnet101", paper="refinenet", num_classes=21, input_size=(500, 500),
          official_code=_CODE,
          notes="guosheng/refinenet MatConvNet release (4-cascaded, ResNet-101, CRP with 2 "
                "pools, 3 output RCUs per block as in the code); no 1.2x input rescaling")
def refinenet_resnet101(num_classes: int = 21) -> nn.Module:
    """4-cascaded RefineNet with ResNet-101, as the authors' released MatConvNet network."""
    return RefineNet(num_classes)
