"""EfficientViT-B0/B1/B2/B3/L1/L2 segmentation models (Cai et al., "EfficientViT: Lightweight
Multi-Scale Attention for High-Resolution Dense Prediction", ICCV 2023, arXiv 2205.14756).

Followed: the authors' mit-han-lab/efficientvit at commit
de7d7733cc0329f391b33f1f459271562ec27bd5: efficientvit/models/efficientvit/backbone.py
(EfficientViTBackbone, EfficientViTLargeBackbone), efficientvit/models/efficientvit/seg.py
(SegHead and the per-dataset factories efficientvit_seg_{b0..b3,l1,l2}),
efficientvit/models/nn/ops.py (ConvLayer, DSConv, MBConv, FusedMBConv, ResBlock, LiteMLA,
EfficientViTBlock, UpSampleLayer), efficientvit/models/nn/act.py (hswish = Hardswish, gelu =
GELU(approximate="tanh")), efficientvit/seg_model_zoo.py (norm eps 1e-5 for B, 1e-7 for L) and
applications/efficientvit_seg/eval_efficientvit_seg_model.py (logits resized to the label size,
bicubic).

Backbones (widths, depths; B: qkv dim; all: BN, B: Hardswish, L: tanh-GELU):
B0 ([8, 16, 32, 64, 128], [1, 2, 2, 2, 2], 16), B1 ([16, 32, 64, 128, 256], [1, 2, 3, 3, 4], 16),
B2 ([24, 48, 96, 192, 384], [1, 3, 4, 4, 6], 32), B3 ([32, 64, 128, 256, 512], [1, 4, 6, 6, 9], 32),
L1 ([32, 64, 128, 256, 512], [1, 1, 1, 6, 6]), L2 ([32, 64, 128, 256, 512], [1, 2, 2, 8, 8]).
- B: stem 3x3/s2 conv + BN + act, then depth[0] residual DSConvs; stages 1-2: MBConvs (expand
  4, the first stride 2 without shortcut); stages 3-4: a stride-2 MBConv (expand 4, biases on
  the expand and depth-wise convs, BN only after the projection) then depth[i] EfficientViT
  blocks (LiteMLA + MBConv, expand 4);
- L: stage 0 = 3x3/s2 conv + BN + GELU and depth[0] residual ResBlocks (two 3x3 convs);
  stages 1-2: a stride-2 FusedMBConv (expand 16) + depth[i] FusedMBConvs (expand 4); stage 3:
  a stride-2 MBConv (expand 16) + depth[3] MBConvs (expand 4), both with the fewer-norm layout;
  stage 4: a stride-2 MBConv (expand 24, fewer-norm) + depth[4] EfficientViT blocks (qkv dim
  32, MBConv expand 6);
- LiteMLA: heads = C // dim; 1x1 qkv conv (no bias), one multi-scale branch (5x5 depth-wise +
  1x1 grouped conv, 3*heads groups) concatenated to it; ReLU linear attention in fp32 with a
  row of ones padded onto v for the normaliser (eps 1e-15; the quadratic form when H*W <= dim);
  1x1 projection + BN; both halves of the block are residual.
SegHead (stages 4, 3, 2 at strides 32, 16, 8; head stride 8): per input a 1x1 conv + BN to the
head width, bicubic upsampling (align_corners=False) of the 1/32 and 1/16 inputs, summed;
head_depth residual MBConvs (BN after each conv, act, act, none) or FusedMBConvs; an optional
1x1 conv + BN + act to width * final_expand; a 1x1 classifier with bias. Per dataset (width,
depth, expand, middle op, final expand):
  Cityscapes (19): B0 (32, 1, 4, mbconv, 4), B1 (64, 3, 4, mbconv, 4), B2 (96, 3, 4, mbconv, 4),
  B3 (128, 3, 4, mbconv, 4), L1 (256, 3, 1, fmbconv, none), L2 (256, 5, 1, fmbconv, none);
  ADE20K (150): B1 (64, 3, 4, mbconv, none), B2 (96, ...), B3 (128, ...),
  L1 and L2 (128, 3, 4, fmbconv, 8). B0 has no ADE20K head (the factory raises).
The two datasets' networks differ beyond the classifier, so the builder picks the head by the
class count: 150 builds the ADE20K head, any other count the Cityscapes head with that many
classes (B0: always the Cityscapes head); `EfficientViTSeg(..., dataset=...)` overrides.
The official model returns logits at 1/8; the forward here resizes them to the input (bicubic,
align_corners=False, as the evaluation script does): FlopCounterMode counts no interpolation, so
the resize adds nothing to the MACs. The README's MACs (its counter is not named; torchprofile is
only listed in requirements.txt) are the multiply-adds of convolutions and matrix products:
FlopCounterMode / 2 gives all eleven at their printed precision (tests/models/
test_models_efficientvit.py).
Deviations: the official helper classes (ConvLayer, OpSequential, ResidualBlock, DAGBlock) become
nn.Sequential and small modules holding the same parameters; dropout is 0 in these configs and
is not built. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_COMMIT = "de7d7733cc0329f391b33f1f459271562ec27bd5"
_CODE = (f"https://github.com/mit-han-lab/efficientvit/blob/{_COMMIT}/"
         "efficientvit/models/efficientvit/seg.py")
_CITYSCAPES = dict(num_classes=19, input_size=(1024, 2048))

# variant -> (widths, depths, qkv dim); "b*" build EfficientViTBackbone, "l*" the large one
BACKBONES: dict[str, tuple[list[int], list[int], int]] = {
    "b0": ([8, 16, 32, 64, 128], [1, 2, 2, 2, 2], 16),
    "b1": ([16, 32, 64, 128, 256], [1, 2, 3, 3, 4], 16),
    "b2": ([24, 48, 96, 192, 384], [1, 3, 4, 4, 6], 32),
    "b3": ([32, 64, 128, 256, 512], [1, 4, 6, 6, 9], 32),
    "l1": ([32, 64, 128, 256, 512], [1, 1, 1, 6, 6], 32),
    "l2": ([32, 64, 128, 256, 512], [1, 2, 2, 8, 8], 32),
}
# (variant, dataset) -> (head width, head depth, expand ratio, middle op, final expand)
HEADS: dict[tuple[str, str], tuple[int, int, float, str, int | None]] = {
    ("b0", "cityscapes"): (32, 1, 4, "mbconv", 4),
    ("b1", "cityscapes"): (64, 3, 4, "mbconv", 4),
    ("b2", "cityscapes"): (96, 3, 4, "mbconv", 4),
    ("b3", "cityscapes"): (128, 3, 4, "mbconv", 4),
    ("l1", "cityscapes"): (256, 3, 1, "fmbconv", None),
    ("l2", "cityscapes"): (256, 5, 1, "fmbconv", None),
    ("b1", "ade20k"): (64, 3, 4, "mbconv", None),
    ("b2", "ade20k"): (96, 3, 4, "mbconv", None),
    ("b3", "ade20k"): (128, 3, 4, "mbconv", None),
    ("l1", "ade20k"): (128, 3, 4, "fmbconv", 8),
    ("l2", "ade20k"): (128, 3, 4, "fmbconv", 8),
}
NORM_EPS = {"b": 1e-5, "l": 1e-7}  # seg_model_zoo.py: set_norm_eps per registered model


def _act(name: str | None) -> nn.Module:
    if name is None:
        return nn.Identity()
    return {"hswish": nn.Hardswish, "gelu": lambda: nn.GELU(approximate="tanh")}[name]()


def conv(cin: int, cout: int, k: int = 1, stride: int = 1, groups: int = 1, bias: bool = False,
         norm: bool = True, act: str | None = None) -> nn.Sequential:
    """ConvLayer: k x k conv ('same' padding), then BatchNorm2d and the activation when set."""
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=bias)]
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    if act is not None:
        layers.append(_act(act))
    return nn.Sequential(*layers)


def _triple(v) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v, v)


def ds_conv(cin: int, cout: int, stride: int, act: str) -> nn.Sequential:
    """DSConv (plain layout): 3x3 depth-wise + BN + act, 1x1 + BN."""
    return nn.Sequential(conv(cin, cin, 3, stride, groups=cin, act=act), conv(cin, cout))


def mb_conv(cin: int, cout: int, stride: int, expand: float, act: str,
            fewer_norm: bool = False) -> nn.Sequential:
    """MBConv: 1x1 expand, 3x3 depth-wise, 1x1 project. Plain: no biases, BN after each conv;
    fewer-norm: biases on the first two, BN only after the projection."""
    mid = round(cin * expand)
    return nn.Sequential(
        conv(cin, mid, bias=fewer_norm, norm=not fewer_norm, act=act),
        conv(mid, mid, 3, stride, groups=mid, bias=fewer_norm, norm=not fewer_norm, act=act),
        conv(mid, cout))


def fused_mb_conv(cin: int, cout: int, stride: int, expand: float, act: str,
                  fewer_norm: bool = False) -> nn.Sequential:
    """FusedMBConv: 3x3 conv to cin * expand, 1x1 project (fewer-norm: bias, no BN on the
    first)."""
    mid = round(cin * expand)
    return nn.Sequential(conv(cin, mid, 3, stride, bias=fewer_norm, norm=not fewer_norm, act=act),
                         conv(mid, cout))


def res_conv(cin: int, cout: int, stride: int, act: str) -> nn.Sequential:
    """ResBlock (expand 1, plain layout): 3x3 conv + BN + act, 3x3 conv + BN."""
    return nn.Sequential(conv(cin, cout, 3, stride, act=act), conv(cout, cout, 3))


class Residual(nn.Module):
    def __init__(self, main: nn.Module):
        super().__init__()
        self.main = main

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.main(x)


class LiteMLA(nn.Module):
    """Lightweight multi-scale ReLU linear attention."""

    def __init__(self, channels: int, dim: int, scales: tuple[int, ...] = (5,), eps: float = 1e-15):
        super().__init__()
        heads = channels // dim
        total = heads * dim
        self.dim, self.eps = dim, eps
        self.qkv = conv(channels, 3 * total, norm=False)
        self.aggreg = nn.ModuleList(
            nn.Sequential(nn.Conv2d(3 * total, 3 * total, s, padding=s // 2, groups=3 * total, bias=False),
                          nn.Conv2d(3 * total, 3 * total, 1, groups=3 * heads, bias=False))
            for s in scales)
        self.proj = conv(total * (1 + len(scales)), channels)

    def linear(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """(v; 1) k^T q: (dim + 1, N) @ (N, dim) @ (dim, N); the last row is the normaliser."""
        v = F.pad(v, (0, 0, 0, 1), value=1.0)
        out = torch.matmul(torch.matmul(v, k.transpose(-1, -2)), q)
        return out[:, :, :-1] / (out[:, :, -1:] + self.eps)

    def quadratic(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """The N x N form, used when N <= dim."""
        att = torch.matmul(k.transpose(-1, -2), q)
        att = att / (att.sum(dim=2, keepdim=True) + self.eps)
        return torch.matmul(v, att)

    def _attend(self, qkv: torch.Tensor) -> torch.Tensor:
        b, _, h, w = qkv.shape
        dtype = qkv.dtype
        qkv = qkv.float().reshape(b, -1, 3 * self.dim, h * w)  # (B, heads, 3 dim, N), fp32
        q, k, v = qkv.split(self.dim, dim=2)
        q, k = F.relu(q), F.relu(k)
        out = (self.linear if h * w > self.dim else self.quadratic)(q, k, v)
        return out.reshape(b, -1, h, w).to(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qkv = self.qkv(x)
        qkv = torch.cat([qkv] + [op(qkv) for op in self.aggreg], dim=1)
        return self.proj(self._attend(qkv))


class EfficientViTBlock(nn.Module):
    """Residual LiteMLA (context) then a residual fewer-norm MBConv (local)."""

    def __init__(self, channels: int, dim: int, expand: float, act: str):
        super().__init__()
        self.context = Residual(LiteMLA(channels, dim))
        self.local = Residual(mb_conv(channels, channels, 1, expand, act, fewer_norm=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.local(self.context(x))


def _backbone_b(widths: list[int], depths: list[int], dim: int, act: str = "hswish") -> nn.ModuleList:
    stem = [conv(3, widths[0], 3, 2, act=act)]
    stem += [Residual(ds_conv(widths[0], widths[0], 1, act)) for _ in range(depths[0])]
    stages, cin = [nn.Sequential(*stem)], widths[0]
    for w, d in zip(widths[1:3], depths[1:3]):
        blocks = [mb_conv(cin, w, 2, 4, act)]
        blocks += [Residual(mb_conv(w, w, 1, 4, act)) for _ in range(d - 1)]
        stages.append(nn.Sequential(*blocks))
        cin = w
    for w, d in zip(widths[3:], depths[3:]):
        blocks = [mb_conv(cin, w, 2, 4, act, fewer_norm=True)]
        blocks += [EfficientViTBlock(w, dim, 4, act) for _ in range(d)]
        stages.append(nn.Sequential(*blocks))
        cin = w
    return nn.ModuleList(stages)


def _backbone_l(widths: list[int], depths: list[int], dim: int, act: str = "gelu") -> nn.ModuleList:
    stem = [conv(3, widths[0], 3, 2, act=act)]
    stem += [Residual(res_conv(widths[0], widths[0], 1, act)) for _ in range(depths[0])]
    stages, cin = [nn.Sequential(*stem)], widths[0]
    for i, (w, d) in enumerate(zip(widths[1:], depths[1:]), start=1):
        if i <= 2:    # "fmb", expand 4 (x4 for the downsampling block)
            blocks = [fused_mb_conv(cin, w, 2, 16, act)]
            blocks += [Residual(fused_mb_conv(w, w, 1, 4, act)) for _ in range(d)]
        elif i == 3:  # "mb", expand 4, fewer-norm
            blocks = [mb_conv(cin, w, 2, 16, act, fewer_norm=True)]
            blocks += [Residual(mb_conv(w, w, 1, 4, act, fewer_norm=True)) for _ in range(d)]
        else:         # "att", expand 6: a fewer-norm MBConv (expand 24) downsamples
            blocks = [mb_conv(cin, w, 2, 24, act, fewer_norm=True)]
            blocks += [EfficientViTBlock(w, dim, 6, act) for _ in range(d)]
        stages.append(nn.Sequential(*blocks))
        cin = w
    return nn.ModuleList(stages)


class SegHead(nn.Module):
    """Stages 4, 3, 2 projected to the head width, upsampled to 1/8 (bicubic) and summed; residual
    MBConv / FusedMBConv blocks; optional widening 1x1 conv; 1x1 classifier. Logits at 1/8."""

    def __init__(self, in_channels: list[int], width: int, depth: int, expand: float,
                 middle_op: str, final_expand: int | None, num_classes: int, act: str):
        super().__init__()
        self.inputs = nn.ModuleList(conv(c, width) for c in in_channels)  # strides 32, 16, 8
        self.factors = (4, 2, 1)
        block = {"mbconv": mb_conv, "fmbconv": fused_mb_conv}[middle_op]
        self.middle = nn.Sequential(*(Residual(block(width, width, 1, expand, act)) for _ in range(depth)))
        out = width
        layers = []
        if final_expand is not None:
            out = width * final_expand
            layers.append(conv(width, out, act=act))
        layers.append(nn.Conv2d(out, num_classes, 1))
        self.output = nn.Sequential(*layers)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        x = 0
        for op, factor, f in zip(self.inputs, self.factors, feats):
            y = op(f)
            if factor != 1:
                y = F.interpolate(y, scale_factor=factor, mode="bicubic", align_corners=False)
            x = x + y
        return self.output(self.middle(x))


class EfficientViTSeg(nn.Module):
    def __init__(self, variant: str, num_classes: int = 19, dataset: str | None = None):
        super().__init__()
        if dataset is None:
            dataset = "ade20k" if num_classes == 150 and (variant, "ade20k") in HEADS else "cityscapes"
        widths, depths, dim = BACKBONES[variant]
        large = variant.startswith("l")
        act = "gelu" if large else "hswish"
        self.backbone = (_backbone_l if large else _backbone_b)(widths, depths, dim)
        width, depth, expand, op, final = HEADS[(variant, dataset)]
        self.head = SegHead(widths[4:1:-1], width, depth, expand, op, final, num_classes, act)
        self.dataset = dataset
        eps = NORM_EPS["l" if large else "b"]
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eps = eps

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Stage outputs at strides 2, 4, 8, 16, 32."""
        feats = []
        for stage in self.backbone:
            x = stage(x)
            feats.append(x)
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.features(x)
        logits = self.head([feats[4], feats[3], feats[2]])
        return F.interpolate(logits, size=x.shape[2:], mode="bicubic", align_corners=False)


_NOTE = ("efficientvit/models/efficientvit/seg.py per-dataset factories: the 19-class build is "
         "the Cityscapes network, a 150-class build the ADE20K one (different head width, depth, "
         "expand ratio and final expand, not only the classifier); logits resized from 1/8 to "
         "the input (bicubic, as the evaluation script); random init")


@register("efficientvit-seg-b0", paper="efficientvit", **_CITYSCAPES, official_code=_CODE,
          notes=_NOTE + "; B0 has no ADE20K head")
def efficientvit_seg_b0(num_classes: int = 19) -> nn.Module:
    """EfficientViT-B0 seg: widths [8, 16, 32, 64, 128], depths [1, 2, 2, 2, 2]; head 32."""
    return EfficientViTSeg("b0", num_classes)


@register("efficientvit-seg-b1", paper="efficientvit", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def efficientvit_seg_b1(num_classes: int = 19) -> nn.Module:
    """EfficientViT-B1 seg: widths [16, 32, 64, 128, 256], depths [1, 2, 3, 3, 4]; head 64."""
    return EfficientViTSeg("b1", num_classes)


@register("efficientvit-seg-b2", paper="efficientvit", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def efficientvit_seg_b2(num_classes: int = 19) -> nn.Module:
    """EfficientViT-B2 seg: widths [24, 48, 96, 192, 384], depths [1, 3, 4, 4, 6]; head 96."""
    return EfficientViTSeg("b2", num_classes)


@register("efficientvit-seg-b3", paper="efficientvit", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def efficientvit_seg_b3(num_classes: int = 19) -> nn.Module:
    """EfficientViT-B3 seg: widths [32, 64, 128, 256, 512], depths [1, 4, 6, 6, 9]; head 128."""
    return EfficientViTSeg("b3", num_classes)


@register("efficientvit-seg-l1", paper="efficientvit", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def efficientvit_seg_l1(num_classes: int = 19) -> nn.Module:
    """EfficientViT-L1 seg: widths [32, 64, 128, 256, 512], depths [1, 1, 1, 6, 6]; head 256
    (Cityscapes) / 128 (ADE20K)."""
    return EfficientViTSeg("l1", num_classes)


@register("efficientvit-seg-l2", paper="efficientvit", **_CITYSCAPES, official_code=_CODE, notes=_NOTE)
def efficientvit_seg_l2(num_classes: int = 19) -> nn.Module:
    """EfficientViT-L2 seg: widths [32, 64, 128, 256, 512], depths [1, 2, 2, 8, 8]; head 256
    (Cityscapes) / 128 (ADE20K)."""
    return EfficientViTSeg("l2", num_classes)
