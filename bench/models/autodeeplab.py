"""Auto-DeepLab-L (Liu et al., "Auto-DeepLab: Hierarchical Neural Architecture Search for Semantic
Image Segmentation", CVPR 2019, arXiv 1901.02985): the searched architecture, not the search.

Followed: the authors' release in tensorflow/models research/deeplab (Google; the paper's
second to fifth authors), core/nas_network.py `hnasnet` (commit
fb7472a4a9e65c35cebb15c567b2d91c6fdde68a; the genotype is the same at 33395b05), core/nas_cell.py
`NASBaseCell` (commit 00b613a457601f3037ea90bd46d9331b87cb0ce1), core/feature_extractor.py
(decoder end point 'Cell_2' for nas_hnasnet; commit 965cc3eef54a3a173a2347fe0059a35f1e5f2496),
and DeepLab's model.py ASPP + decoder (aspp_with_batch_norm and add_image_level_feature on,
as common.py's defaults; see below for the separable-conv flags).
The paper, Sec. 5.2: "our encoder consists of our found best network architecture augmented
with the ASPP module, and our decoder is the same as the one in DeepLabv3+ [...] low-level
features that have downsample rate 4"; Table 2: -S/-M/-L are F = 20/32/48.

Network (F = 48 for -L):
- stem: 3x3/s2 conv 64 + BN + ReLU, 3x3 conv 64 + BN, ReLU, 3x3/s2 conv 128 + BN (no conv bias
  anywhere in the backbone: nas_arg_scope sets biases_initializer=None);
- 12 cells on the path [4, 4, 4, 8, 16, 8, 16, 16, 32, 32, 16, 8] (output strides), F * s/4
  filters per block, 5 blocks concatenated (5 F s/4 channels); moving down a level the
  cell's ops are strided, moving up the input is bilinearly upsampled first;
- a cell: ReLU-1x1 conv-BN of the previous cell, ReLU-1x1 conv-BN of the cell before it
  (bilinearly resized first when its resolution differs); blocks of two ops summed (genotype:
  atrous 5x5 / sep 3x3; sep 3x3 / atrous 3x3; sep 3x3 / sep 3x3; sep 5x5 / sep 5x5; sep 5x5 /
  atrous 5x5, on hidden states (1, 0), (1, 0), (3, 1), (4, 2), (3, 5)). sep kxk = two of
  [ReLU, depth-wise kxk, point-wise 1x1, BN]; atrous kxk = ReLU, kxk conv rate 2, BN (a
  strided atrous op halves the input bilinearly and uses rate 1, as nas_cell.py does);
- ReLU, ASPP 256 (image pooling, 1x1, three 3x3 atrous branches; concat, 1x1), DeepLabv3+
  decoder (1x1 48 on the Cell_2 output at stride 4, two 3x3 convs 256), conv + BN + ReLU
  throughout, 1x1 conv to the classes (with bias), bilinear (align_corners=True) to the input.
Separable or plain 3x3 convs in ASPP and decoder: the paper does not say, and DeepLab's
common.py defaults to separable (aspp_with_separable_conv, decoder_use_separable_conv). With
plain convs this build has exactly the paper's Table 2 counts for all three variants
(F=20/32/48: 10,147,427 / 21,622,451 / 44,424,691 = 10.15M / 21.62M / 44.42M); with the
separable defaults it has 7.78M / 18.53M / 40.35M. Three independent matches to four digits
identify the configuration the authors counted, so plain convs are the default here;
`AutoDeepLab(separable_head=True)` builds the code-default variant.
Deviations / unknowns: the ASPP atrous rates do not change the parameter count and are not
stated for Auto-DeepLab in the paper text we read; we use DeepLab's output-stride-8 rates
(12, 24, 36). Drop path and the dropout after the ASPP projection are training-only. Image
pooling is a global average (DeepLab pools over the crop size at training). Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/tensorflow/models/blob/fb7472a4a9e65c35cebb15c567b2d91c6fdde68a/research/deeplab/core/nas_network.py"

# nas_network.hnasnet genotype
OPERATIONS = ("atrous_5x5", "separable_3x3_2", "separable_3x3_2", "atrous_3x3", "separable_3x3_2",
              "separable_3x3_2", "separable_5x5_2", "separable_5x5_2", "separable_5x5_2", "atrous_5x5")
HIDDENSTATE_INDICES = (1, 0, 1, 0, 3, 1, 4, 2, 3, 5)
BACKBONE = (0, 0, 0, 1, 2, 1, 2, 2, 3, 3, 2, 1)  # level l = output stride 4 * 2**l


def _resize(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bilinear", align_corners=True)  # tf resize_bilinear(align_corners=True)


def _half(n: int) -> int:
    return (n - 1) // 2 + 1  # deeplab utils.scale_dimension(n, 0.5) for n > 0


def _double(n: int) -> int:
    return (n - 1) * 2 + 1  # deeplab utils.scale_dimension(n, 2)


class _ReluConvBN(nn.Sequential):
    def __init__(self, cin: int, cout: int):
        super().__init__(nn.ReLU(), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3))


class _SepOp(nn.Module):
    """num_layers x [ReLU, depth-wise kxk (stride on the first), point-wise 1x1, BN]."""

    def __init__(self, c: int, k: int, layers: int, stride: int):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, stride if i == 0 else 1, k // 2, groups=c, bias=False),
                          nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c, eps=1e-3))
            for i in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


class _AtrousOp(nn.Module):
    def __init__(self, c: int, k: int, stride: int):
        super().__init__()
        self.stride = stride
        rate = 1 if stride == 2 else 2
        self.conv = nn.Conv2d(c, c, k, 1, rate * (k - 1) // 2, dilation=rate, bias=False)
        self.bn = nn.BatchNorm2d(c, eps=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x)
        if self.stride == 2:
            x = _resize(x, (_half(x.shape[2]), _half(x.shape[3])))
        return self.bn(self.conv(x))


def _op(name: str, c: int, stride: int) -> nn.Module:
    k = int(name.split("x")[0][-1])
    if name.startswith("separable"):
        return _SepOp(c, k, int(name.split("_")[-1]), stride)
    return _AtrousOp(c, k, stride)


class Cell(nn.Module):
    def __init__(self, cin: int, prev_cin: int, c: int, stride: int):
        super().__init__()
        self.pre = _ReluConvBN(cin, c)
        self.prev = _ReluConvBN(prev_cin, c) if prev_cin != c else nn.Identity()
        # an op strides only when it reads one of the two cell inputs (nas_cell.py)
        self.ops = nn.ModuleList(_op(name, c, stride if idx < 2 else 1)
                                 for name, idx in zip(OPERATIONS, HIDDENSTATE_INDICES))

    def forward(self, x: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        if prev.shape[2:] != x.shape[2:]:
            prev = _resize(prev, x.shape[2:])
        states = [self.pre(x), self.prev(prev)]
        for i in range(0, len(self.ops), 2):
            a, b = HIDDENSTATE_INDICES[i], HIDDENSTATE_INDICES[i + 1]
            states.append(self.ops[i](states[a]) + self.ops[i + 1](states[b]))
        return torch.cat(states[2:], 1)  # used_hiddenstates = [1, 1, 0, 0, 0, 0, 0]


def _sep_conv_bn_relu(cin: int, cout: int, rate: int = 1) -> nn.Sequential:
    """DeepLab _split_separable_conv2d: depth-wise 3x3 + BN + ReLU, point-wise 1x1 + BN + ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, 1, rate, dilation=rate, groups=cin, bias=False),
                         nn.BatchNorm2d(cin), nn.ReLU(),
                         nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def _conv_bn_relu(cin: int, cout: int, k: int = 1, rate: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, 1, rate * (k // 2), dilation=rate, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU())


def _head_conv(cin: int, cout: int, rate: int, separable: bool) -> nn.Sequential:
    return _sep_conv_bn_relu(cin, cout, rate) if separable else _conv_bn_relu(cin, cout, 3, rate)


class AutoDeepLab(nn.Module):
    def __init__(self, num_classes: int = 19, filter_multiplier: int = 48, rates=(12, 24, 36),
                 aspp_depth: int = 256, decoder_depth: int = 256, separable_head: bool = False):
        super().__init__()
        f = filter_multiplier
        self.stem0 = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64, eps=1e-3), nn.ReLU(),
                                   nn.Conv2d(64, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64, eps=1e-3))
        self.stem1 = nn.Sequential(nn.ReLU(), nn.Conv2d(64, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128, eps=1e-3))
        self.cells = nn.ModuleList()
        out_ch = [64, 128]  # channels of the stem outputs, then of every cell
        for i, level in enumerate(BACKBONE):
            stride = 2 if (level == 1 if i == 0 else level == BACKBONE[i - 1] + 1) else 1
            c = f * 2 ** level
            self.cells.append(Cell(out_ch[-1], out_ch[-2], c, stride))
            out_ch.append(5 * c)
        self.low_level_index = 2  # feature_extractor: decoder end point 'Cell_2' (stride 4)
        cin = out_ch[-1]
        self.image_pool = _conv_bn_relu(cin, aspp_depth)
        self.aspp = nn.ModuleList([_conv_bn_relu(cin, aspp_depth)] +
                                  [_head_conv(cin, aspp_depth, r, separable_head) for r in rates])
        self.project = _conv_bn_relu(aspp_depth * (len(rates) + 2), aspp_depth)
        self.low_project = _conv_bn_relu(out_ch[2 + self.low_level_index], 48)
        self.decoder = nn.Sequential(_head_conv(aspp_depth + 48, decoder_depth, 1, separable_head),
                                     _head_conv(decoder_depth, decoder_depth, 1, separable_head))
        self.logits = nn.Conv2d(decoder_depth, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = self.stem0(x)
        net = self.stem1(s0)
        outs = [s0, net]
        for i, cell in enumerate(self.cells):
            if i > 0 and BACKBONE[i] == BACKBONE[i - 1] - 1:
                net = _resize(net, (_double(net.shape[2]), _double(net.shape[3])))
            net = cell(net, outs[-2])
            outs.append(net)
        net = F.relu(net)
        pooled = _resize(self.image_pool(net.mean((2, 3), keepdim=True)), net.shape[2:])
        aspp = self.project(torch.cat([pooled] + [b(net) for b in self.aspp], 1))
        low = outs[2 + self.low_level_index]
        y = torch.cat([_resize(aspp, low.shape[2:]), self.low_project(low)], 1)
        y = self.logits(self.decoder(y))
        return _resize(y, x.shape[2:])


@register("auto-deeplab-l", paper="auto-deeplab", catalog_model="auto-deeplab", num_classes=19,
          input_size=(1024, 2048), official_code=_CODE,
          notes="Auto-DeepLab-L (F=48). The catalog's model 'auto-deeplab' (44.42M params; VOC test "
                "85.6, Cityscapes test 82.1) is Auto-DeepLab-L: the paper's Table 2 gives 44.42M for "
                "-L, and Tables 4 and 6 attribute 82.1 and 85.6 to -L. ASPP rates (12, 24, 36) assumed")
def auto_deeplab_l(num_classes: int = 19) -> nn.Module:
    """Auto-DeepLab-L: hnasnet genotype, F=48, ASPP + DeepLabv3+ decoder."""
    return AutoDeepLab(num_classes, filter_multiplier=48)
