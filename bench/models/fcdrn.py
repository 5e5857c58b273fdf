"""FC-DRN (Casanova et al., "On the iterative refinement of densely connected representation levels
for semantic segmentation", CVPR 2018 workshops, arXiv 1804.11332).

Followed: the authors' ArantxaCasanova/fc-drn at commit 51915c8d0c26e649cb644a5c35e0e74afcf8cb5e:
models/fc_drn_model.py (DenseResNet) configured as run.py builds it, with
utils/script_utils.py `setup_net_params('pools_ft_dils')` = FC-DRN-P-D, the variant whose
fine-tuned weights the repository ships and which utils/parser.py selects by default
(`--model pools_ft_dils`, `--exp-name fc-drn-p-d`); the catalog's "FC-DRN-P-D + ST" is this
network trained with soft targets (a loss, not an architecture change).

Configuration: 9 ResNets of 7 pre-activation basic blocks (BN(eps 1e-3)-ReLU-dropout-3x3 conv
with bias, twice; 1x1 conv with bias on the shortcut when widths differ), growth rates 30, 40,
40, 40, 50, 40, 40, 40, 30; 50 feature maps in and out; dropout 0.2; a 1x1 BN-ReLU-conv
"mixing" conv after every concatenation; initial downsampling block: 3x3 conv 3->50 + ReLU,
2x2 max pool (ceil), two 3x3 convs 50->50 (ReLU between them only).
Transformations between ResNets (applied separately to every earlier path): max pool, max
pool, dilated BN-ReLU-conv (rate 4, then 8), 3x3 BN-ReLU-conv (twice), nearest x2 upsampling
+ centre crop + 3x3 conv (twice). Final upsampling block: nearest x2, crop to the input size,
3x3 conv 400 -> 50; classifier 1x1 conv 50 -> classes.
Deviations: (1) for the 'dilation_mg' transformations the official DenseResBlock also creates a
`_pre` and a `_post` dilated BN-ReLU-conv per path (rates d and d) that its forward never
calls; we do not build them (`unused_mg_parameters()` gives their count, 268,560, so the
official module holds 3,901,541 parameters against the 3,632,981 that run: the catalog's
"3.9M" (seed survey) matches the module's count, dead blocks included, not the running net). (2) The official
classifier ends in LogSoftmax; we return the logits (same argmax). Random init (the official
code initialises dilated convs as identity, `--init-dils identity`).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_CODE = "https://github.com/ArantxaCasanova/fc-drn/blob/51915c8d0c26e649cb644a5c35e0e74afcf8cb5e/models/fc_drn_model.py"
GROWTH = (30, 40, 40, 40, 50, 40, 40, 40, 30)
# Transformation after ResNet k (k = 1..8): kind and the dilation rate its forward uses, and the
# paths it transforms, named as the official DenseResBlock `path_names` ("input" = block input,
# "resnetK" = output of ResNet K; _pN / _uN = N-th down / up transformation of that path).
TRANSFORMS = (
    ("pool", 1, ["input_p1", "resnet1_p1"]),
    ("pool", 1, ["input_p2", "resnet1_p2", "resnet2_p1"]),
    ("dil", 4, ["input_p3", "resnet1_p3", "resnet2_p2", "resnet3_p1"]),
    ("dil", 8, ["input_p4", "resnet1_p4", "resnet2_p3", "resnet3_p2", "resnet4_p1"]),
    ("conv", 1, ["resnet5_u1"]),
    ("conv", 1, ["resnet4_u1", "resnet5_u2", "resnet6_u1"]),
    ("up", 1, ["resnet3_u1", "resnet4_u2", "resnet5_u3", "resnet6_u2", "resnet7_u1"]),
    ("up", 1, ["resnet2_u1", "resnet3_u2", "resnet4_u3", "resnet5_u4", "resnet6_u3", "resnet7_u2", "resnet8_u1"]),
)


class BnReluConv(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, dropout: float = 0.2, dilation: int = 1):
        super().__init__(nn.BatchNorm2d(cin, eps=1e-3), nn.ReLU(), nn.Dropout(dropout),
                         nn.Conv2d(cin, cout, k, padding=dilation * (k - 1) // 2, dilation=dilation))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, dropout: float):
        super().__init__()
        self.body = nn.Sequential(BnReluConv(cin, cout, 3, dropout), BnReluConv(cout, cout, 3, dropout))
        self.proj = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x) + self.body(x)


class UpsampleConv(nn.Module):
    """Nearest x2 upsampling, centre crop to the target size, 3x3 conv (bias, no BN)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x: torch.Tensor, size) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        dh, dw = (x.shape[2] - size[0]) // 2, (x.shape[3] - size[1]) // 2
        return self.conv(x[:, :, dh:dh + size[0], dw:dw + size[1]])


class Transform(nn.Module):
    def __init__(self, kind: str, c: int, dilation: int, dropout: float):
        super().__init__()
        self.kind = kind
        if kind == "pool":
            self.op = nn.MaxPool2d(2, 2, ceil_mode=True)
        elif kind == "up":
            self.op = UpsampleConv(c, c)
        else:
            self.op = BnReluConv(c, c, 3, dropout, dilation)

    def forward(self, x: torch.Tensor, size) -> torch.Tensor:
        return self.op(x, size) if self.kind == "up" else self.op(x)


class FCDRN(nn.Module):
    def __init__(self, num_classes: int = 11, n_inout: int = 50, growth=GROWTH, blocks: int = 7,
                 dropout: float = 0.2):
        super().__init__()
        self.ini_conv = nn.Sequential(nn.Conv2d(3, n_inout, 3, padding=1), nn.ReLU(),
                                      nn.MaxPool2d(2, 2, ceil_mode=True),
                                      nn.Conv2d(n_inout, n_inout, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(n_inout, n_inout, 3, padding=1))
        self.resnets, self.mixing = nn.ModuleList(), nn.ModuleList()
        self.t = nn.ModuleDict()
        cin = n_inout
        for i, g in enumerate(growth):
            self.resnets.append(nn.Sequential(BasicBlock(cin, g, dropout),
                                              *(BasicBlock(g, g, dropout) for _ in range(blocks - 1))))
            cin = n_inout + sum(growth[:i + 1])
            self.mixing.append(BnReluConv(cin, cin, 1, dropout))
        for kind, dil, names in TRANSFORMS:
            for name in names:
                width = n_inout if name.startswith("input") else growth[int(name[6]) - 1]
                self.t[name] = Transform(kind, width, dil, dropout)
        self.final_upsample = UpsampleConv(cin, n_inout)
        self.classifier = nn.Conv2d(n_inout, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, r, m = self.t, self.resnets, self.mixing
        inp = self.ini_conv(x)
        # encoder: every earlier path is pooled / dilated-convolved again before each ResNet
        r1 = r[0](inp)
        i1, r1p1 = t["input_p1"](inp, None), t["resnet1_p1"](r1, None)
        r2 = r[1](m[0](torch.cat([i1, r1p1], 1)))
        i2, r1p2, r2p1 = t["input_p2"](i1, None), t["resnet1_p2"](r1p1, None), t["resnet2_p1"](r2, None)
        r3 = r[2](m[1](torch.cat([i2, r1p2, r2p1], 1)))
        i3, r1p3, r2p2 = t["input_p3"](i2, None), t["resnet1_p3"](r1p2, None), t["resnet2_p2"](r2p1, None)
        r3p1 = t["resnet3_p1"](r3, None)
        r4 = r[3](m[2](torch.cat([i3, r1p3, r2p2, r3p1], 1)))
        i4, r1p4, r2p3 = t["input_p4"](i3, None), t["resnet1_p4"](r1p3, None), t["resnet2_p3"](r2p2, None)
        r3p2, r4p1 = t["resnet3_p2"](r3p1, None), t["resnet4_p1"](r4, None)
        r5 = r[4](m[3](torch.cat([i4, r1p4, r2p3, r3p2, r4p1], 1)))
        # decoder: deeper paths are brought to the resolution of the matching encoder level
        r5u1 = t["resnet5_u1"](r5, r4.shape[2:])
        r6 = r[5](m[4](torch.cat([i3, r1p3, r2p2, r3p1, r4, r5u1], 1)))
        s3 = r3.shape[2:]
        r4u1, r5u2, r6u1 = t["resnet4_u1"](r4, s3), t["resnet5_u2"](r5u1, s3), t["resnet6_u1"](r6, s3)
        r7 = r[6](m[5](torch.cat([i2, r1p2, r2p1, r3, r4u1, r5u2, r6u1], 1)))
        s2 = r2.shape[2:]
        r3u1, r4u2, r5u3 = t["resnet3_u1"](r3, s2), t["resnet4_u2"](r4u1, s2), t["resnet5_u3"](r5u2, s2)
        r6u2, r7u1 = t["resnet6_u2"](r6u1, s2), t["resnet7_u1"](r7, s2)
        r8 = r[7](m[6](torch.cat([i1, r1p1, r2, r3u1, r4u2, r5u3, r6u2, r7u1], 1)))
        s1 = r1.shape[2:]
        ups = [t["resnet2_u1"](r2, s1), t["resnet3_u2"](r3u1, s1), t["resnet4_u3"](r4u2, s1),
               t["resnet5_u4"](r5u3, s1), t["resnet6_u3"](r6u2, s1), t["resnet7_u2"](r7u1, s1),
               t["resnet8_u1"](r8, s1)]
        r9 = r[8](m[7](torch.cat([inp, r1, *ups], 1)))
        out = m[8](torch.cat([inp, r1, *ups, r9], 1))
        return self.classifier(self.final_upsample(out, x.shape[2:]))


def unused_mg_parameters(n_inout: int = 50, growth=GROWTH) -> int:
    """Parameters of the official `_pre`/`_post` dilated BN-ReLU-convs (one pair per path of the
    two 'dilation_mg' transformations) that the official forward never calls."""
    widths = [n_inout if n.startswith("input") else growth[int(n[6]) - 1]
              for kind, _, names in TRANSFORMS if kind == "dil" for n in names]
    return sum(2 * (2 * c + 9 * c * c + c) for c in widths)  # BN (2c) + 3x3 conv with bias


@register("fc-drn-p-d-st", paper="fc-drn", num_classes=11, input_size=(360, 480), official_code=_CODE,
          notes="FC-DRN-P-D (setup_net_params('pools_ft_dils')); unused '_pre'/'_post' dilated convs "
                "of the official module not built; logits instead of log_softmax")
def fc_drn_p_d(num_classes: int = 11) -> nn.Module:
    """FC-DRN-P-D from the official code, CamVid 11 classes at 360x480."""
    return FCDRN(num_classes)
