"""TopFormer-T/S/B (Zhang et al., "TopFormer: Token Pyramid Transformer for Mobile Semantic
Segmentation", CVPR 2022, arXiv 2204.05525).

Followed: the authors' hustvl/TopFormer at commit cc0f4369698bd813a0d8eefcdcf2d28d91080e21:
mmseg/models/backbones/topformer.py (Topformer, TokenPyramidModule, InjectionMultiSum),
mmseg/models/decode_heads/simple_head.py (SimpleHead) and local_configs/topformer/
topformer_{tiny,small,base}.py (the 512x512 ADE20K configs only add the dataset and schedule;
the 448x448 TopFormer-T config is the same network).

Variants (channels of the four pyramid outputs, SIM / head width, heads, head conv):
T ([16, 32, 64, 96], 128, 4, depth-wise), S ([24, 48, 96, 128], 192, 6, dense 1x1),
B ([32, 64, 128, 160], 256, 8, dense 1x1); in all three key_dim 16, attention ratio 2, MLP
ratio 2, 4 transformer blocks, pooling stride 2 (c2t_stride), 16-channel stem.
The layer lists (kernel, expansion, channels, stride) are in CFGS below, copied from the configs.

Structure:
- token pyramid: 3x3/s2 conv + BN + ReLU, then MobileNetV2 inverted residuals (conv + BN, ReLU,
  residual when stride 1 and widths match); outputs at 1/4, 1/8, 1/16, 1/32 (embed_out_indice);
- the four outputs average-pooled to the 1/64 grid ((H/32 - 1) // 2 + 1) and concatenated
  (sum of the pyramid channels);
- 4 transformer blocks at 1/64, all 1x1 conv + BN: multi-head attention (q, k: key_dim x heads,
  v: 2 key_dim x heads; softmax(q k) v without the 1/sqrt(d) scale, as the official forward),
  ReLU6 + projection; MLP 1x1 conv + BN, 3x3 depth-wise conv (bias), ReLU6, 1x1 conv + BN;
- semantic injection for the 1/8, 1/16, 1/32 tokens (InjectionMultiSum): local 1x1 conv + BN
  times h_sigmoid(global 1x1 conv + BN) upsampled, plus global 1x1 conv + BN upsampled;
- SimpleHead: the three injected maps upsampled to 1/8 and summed, 1x1 conv (groups = width
  for T's `is_dw=True`, dense for S and B) + BN + ReLU, dropout (identity in eval), 1x1
  classifier (bias); logits (1/8) resized to the input (bilinear, align_corners=False).
Deviations: no mmcv/mmseg (ConvModule / Conv2d_BN = conv without bias + BatchNorm2d, SyncBN =
BatchNorm2d); stochastic depth and dropout are identity in eval and are not built; no auxiliary
head exists in these configs. Random init.

The token pyramid blocks, the MLP and h_sigmoid are shared with SeaFormer
(`bench.models.seaformer`), whose official code reproduces these classes.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_COMMIT = "cc0f4369698bd813a0d8eefcdcf2d28d91080e21"
_CODE = f"https://github.com/hustvl/TopFormer/blob/{_COMMIT}/mmseg/models/backbones/topformer.py"
_ADE20K = dict(num_classes=150, input_size=(512, 512))

# variant -> (layers (k, t, c, s), pyramid output layer indices, channels at those outputs,
#             SIM / head width, heads, depth-wise head conv)
CFGS: dict[str, tuple] = {
    "t": ([(3, 1, 16, 1), (3, 4, 16, 2), (3, 3, 16, 1), (5, 3, 32, 2), (5, 3, 32, 1),
           (3, 3, 64, 2), (3, 3, 64, 1), (5, 6, 96, 2), (5, 6, 96, 1)],
          (2, 4, 6, 8), [16, 32, 64, 96], 128, 4, True),
    "s": ([(3, 1, 16, 1), (3, 4, 24, 2), (3, 3, 24, 1), (5, 3, 48, 2), (5, 3, 48, 1),
           (3, 3, 96, 2), (3, 3, 96, 1), (5, 6, 128, 2), (5, 6, 128, 1), (3, 6, 128, 1)],
          (2, 4, 6, 9), [24, 48, 96, 128], 192, 6, False),
    "b": ([(3, 1, 16, 1), (3, 4, 32, 2), (3, 3, 32, 1), (5, 3, 64, 2), (5, 3, 64, 1),
           (3, 3, 128, 2), (3, 3, 128, 1), (5, 6, 160, 2), (5, 6, 160, 1), (3, 6, 160, 1)],
          (2, 4, 6, 9), [32, 64, 128, 160], 256, 8, False),
}


def resize(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def conv_bn(cin: int, cout: int, k: int = 1, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Official Conv2d_BN (and mmcv ConvModule with BN, no activation): conv without bias + BN."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class HSigmoid(nn.Module):
    """h_sigmoid: ReLU6(x + 3) / 6."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(x + 3) / 6


class InvertedResidual(nn.Module):
    """MobileNetV2 block: [1x1 expand + BN + ReLU], k x k depth-wise + BN + ReLU, 1x1 + BN."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, expand: int):
        super().__init__()
        hidden = int(round(cin * expand))
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [conv_bn(cin, hidden), nn.ReLU()]
        layers += [conv_bn(hidden, hidden, k, stride, groups=hidden), nn.ReLU(), conv_bn(hidden, cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


def inverted_residuals(layers, cin: int) -> list[nn.Module]:
    """(kernel, expansion, channels, stride) rows -> blocks (widths already multiples of 8)."""
    blocks = []
    for k, t, c, s in layers:
        if c % 8:
            raise ValueError(f"channel count {c} is not a multiple of 8 (_make_divisible)")
        blocks.append(InvertedResidual(cin, c, k, s, t))
        cin = c
    return blocks


class MLP(nn.Sequential):
    """1x1 conv + BN, 3x3 depth-wise conv (bias), ReLU6, 1x1 conv + BN."""

    def __init__(self, dim: int, hidden: int):
        super().__init__(conv_bn(dim, hidden), nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden),
                         nn.ReLU6(), conv_bn(hidden, dim))


class Attention(nn.Module):
    def __init__(self, dim: int, key_dim: int, heads: int, attn_ratio: int = 2):
        super().__init__()
        self.heads, self.key_dim, self.d = heads, key_dim, attn_ratio * key_dim
        self.to_q = conv_bn(dim, key_dim * heads)
        self.to_k = conv_bn(dim, key_dim * heads)
        self.to_v = conv_bn(dim, self.d * heads)
        self.proj = nn.Sequential(nn.ReLU6(), conv_bn(self.d * heads, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        q = self.to_q(x).reshape(b, self.heads, self.key_dim, h * w).transpose(2, 3)
        k = self.to_k(x).reshape(b, self.heads, self.key_dim, h * w)
        v = self.to_v(x).reshape(b, self.heads, self.d, h * w).transpose(2, 3)
        out = torch.matmul(torch.matmul(q, k).softmax(dim=-1), v)  # no scale, as the official
        return self.proj(out.transpose(2, 3).reshape(b, self.heads * self.d, h, w))


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, key_dim: int, heads: int, mlp_ratio: int = 2):
        super().__init__()
        self.attn = Attention(dim, key_dim, heads)
        self.mlp = MLP(dim, dim * mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        return x + self.mlp(x)


class Injection(nn.Module):
    """InjectionMultiSum: local * h_sigmoid(global act) + global embedding, at the local size."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.local_embedding = conv_bn(cin, cout)
        self.global_embedding = conv_bn(cin, cout)
        self.global_act = conv_bn(cin, cout)
        self.act = HSigmoid()

    def forward(self, local: torch.Tensor, glob: torch.Tensor) -> torch.Tensor:
        size = local.shape[2:]
        return (self.local_embedding(local) * resize(self.act(self.global_act(glob)), size)
                + resize(self.global_embedding(glob), size))


class TopFormer(nn.Module):
    def __init__(self, variant: str, num_classes: int = 150, depth: int = 4, key_dim: int = 16,
                 c2t_stride: int = 2):
        super().__init__()
        layers, self.out_indices, self.channels, width, heads, dw = CFGS[variant]
        self.stem = nn.Sequential(conv_bn(3, 16, 3, 2), nn.ReLU())
        self.layers = nn.ModuleList(inverted_residuals(layers, 16))
        self.c2t_stride = c2t_stride
        dim = sum(self.channels)
        self.trans = nn.Sequential(*(TransformerBlock(dim, key_dim, heads) for _ in range(depth)))
        self.sim = nn.ModuleList(Injection(c, width) for c in self.channels[1:])
        self.linear_fuse = nn.Sequential(
            nn.Conv2d(width, width, 1, groups=width if dw else 1, bias=False),
            nn.BatchNorm2d(width), nn.ReLU())
        self.conv_seg = nn.Conv2d(width, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        tokens, y = [], self.stem(x)
        for i, layer in enumerate(self.layers):
            y = layer(y)
            if i in self.out_indices:
                tokens.append(y)
        h, w = tokens[-1].shape[2:]
        grid = ((h - 1) // self.c2t_stride + 1, (w - 1) // self.c2t_stride + 1)
        glob = self.trans(torch.cat([F.adaptive_avg_pool2d(t, grid) for t in tokens], dim=1))
        semantics = glob.split(self.channels, dim=1)
        injected = [sim(t, g) for sim, t, g in zip(self.sim, tokens[1:], semantics[1:])]
        fused = injected[0]
        for extra in injected[1:]:
            fused = fused + resize(extra, fused.shape[2:])
        return resize(self.conv_seg(self.linear_fuse(fused)), size)


_NOTE = ("local_configs/topformer/topformer_{tiny,small,base}.py (ADE20K, 150 classes); "
         "SimpleHead on the injected 1/8, 1/16, 1/32 tokens; logits resized from 1/8 to the "
         "input; random init")


@register("topformer-t", paper="topformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def topformer_t(num_classes: int = 150) -> nn.Module:
    """TopFormer-T: pyramid [16, 32, 64, 96], 4 heads, width 128, depth-wise head conv."""
    return TopFormer("t", num_classes)


@register("topformer-s", paper="topformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def topformer_s(num_classes: int = 150) -> nn.Module:
    """TopFormer-S: pyramid [24, 48, 96, 128], 6 heads, width 192."""
    return TopFormer("s", num_classes)


@register("topformer-b", paper="topformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def topformer_b(num_classes: int = 150) -> nn.Module:
    """TopFormer-B: pyramid [32, 64, 128, 160], 8 heads, width 256."""
    return TopFormer("b", num_classes)
