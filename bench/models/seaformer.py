"""SeaFormer-T/S/B/L with the Light Head (Wan et al., "SeaFormer: Squeeze-enhanced Axial
Transformer for Mobile Semantic Segmentation", ICLR 2023, arXiv 2301.13156).

Followed: the authors' fudan-zvg/SeaFormer at commit 9718d05b6e70d0561dda7c052b8457feed74d4d9:
seaformer-seg/mmseg/models/backbones/seaformer.py (SeaFormer, StackedMV2Block, Sea_Attention),
seaformer-seg/mmseg/models/decode_heads/light_head.py (LightHead, Fusion_block) and
seaformer-seg/local_configs/seaformer/seaformer_{tiny,small,base,large}.py (the
512x512 ADE20K configs only add dataset and schedule; the Cityscapes configs change only the
class count to 19).

Variants (MobileNetV2 stage widths `channels`, transformer stages: widths, key dims, depths,
MLP ratios; heads; head fusion widths `embed_dims`):
T ([16, 16, 32, 64, 128, 160]; [128, 160], [16, 24], [2, 2], [2, 4]; 4; [64, 96]),
S ([16, 24, 48, 96, 160, 192]; [160, 192], [16, 24], [3, 3], [2, 4]; 6; [96, 128]),
B ([16, 32, 64, 128, 192, 256]; [192, 256], [16, 24], [4, 4], [2, 4]; 8; [128, 160]),
L ([32, 64, 128, 192, 256, 320]; [192, 256, 320], [16, 20, 24], [3, 3, 3], [2, 4, 6]; 8;
[128, 160, 192]); attention ratio 2 throughout. The MobileNetV2 rows (kernel, expansion,
channels, stride) are in STAGES below, copied from the configs.

Structure:
- five stacks of MobileNetV2 inverted residuals (the first after a 3x3/s2 conv + BN + ReLU; shared
  with `bench.models.topformer`); the 1/8 output of stack 2 is the detail feature; SeaFormer
  blocks follow the last two stacks (T/S/B: 1/32, 1/64) or three (L: 1/16, 1/32, 1/64);
- SeaFormer block: x + SeaAttention(x), x + MLP(x) (1x1 conv + BN, 3x3 depth-wise conv (bias),
  ReLU6, 1x1 conv + BN). SeaAttention: q, k (key_dim x heads), v (2 key_dim x heads), 1x1 conv
  + BN; detail enhancement: 3x3 depth-wise conv + BN of cat(q, k, v), ReLU6, 1x1 conv + BN;
  squeeze axial attention: q, k, v averaged over width (rows) and over height (columns), learned
  positional embeddings (length 16, linearly interpolated) added to q and k, softmax(q k^T /
  sqrt(key_dim)) v per axis, ReLU6 + 1x1 conv + BN per axis, both broadcast-added to v, ReLU6 +
  1x1 conv + BN to the block width, h_sigmoid, times the detail branch;
- Light Head: for each transformer output, Fusion_block = 1x1 conv + BN of the running detail
  feature times h_sigmoid(1x1 conv + BN of the global feature) upsampled (bilinear,
  align_corners=False); then a depth-wise 1x1 conv + BN + ReLU (`is_dw=True`), dropout (identity
  in eval), 1x1 classifier (bias); logits (1/8) resized to the input (bilinear,
  align_corners=False).
Deviations: no mmcv/mmseg (ConvModule / Conv2d_BN = conv without bias + BatchNorm2d, SyncBN =
BatchNorm2d); stochastic depth and dropout are identity in eval and are not built; no auxiliary
head exists in these configs. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register
from bench.models.topformer import MLP, HSigmoid, conv_bn, inverted_residuals, resize

_COMMIT = "9718d05b6e70d0561dda7c052b8457feed74d4d9"
_CODE = (f"https://github.com/fudan-zvg/SeaFormer/blob/{_COMMIT}/"
         "seaformer-seg/mmseg/models/backbones/seaformer.py")
_ADE20K = dict(num_classes=150, input_size=(512, 512))

# variant -> five stacks of (kernel, expansion, channels, stride) rows
STAGES: dict[str, list[list[tuple[int, int, int, int]]]] = {
    "t": [[(3, 1, 16, 1), (3, 4, 16, 2), (3, 3, 16, 1)], [(5, 3, 32, 2), (5, 3, 32, 1)],
          [(3, 3, 64, 2), (3, 3, 64, 1)], [(5, 3, 128, 2)], [(3, 6, 160, 2)]],
    "s": [[(3, 1, 16, 1), (3, 4, 24, 2), (3, 3, 24, 1)], [(5, 3, 48, 2), (5, 3, 48, 1)],
          [(3, 3, 96, 2), (3, 3, 96, 1)], [(5, 4, 160, 2)], [(3, 6, 192, 2)]],
    "b": [[(3, 1, 16, 1), (3, 4, 32, 2), (3, 3, 32, 1)], [(5, 3, 64, 2), (5, 3, 64, 1)],
          [(3, 3, 128, 2), (3, 3, 128, 1)], [(5, 4, 192, 2)], [(3, 6, 256, 2)]],
    "l": [[(3, 3, 32, 1), (3, 4, 64, 2), (3, 4, 64, 1)], [(5, 4, 128, 2), (5, 4, 128, 1)],
          [(3, 4, 192, 2), (3, 4, 192, 1)], [(5, 4, 256, 2)], [(3, 6, 320, 2)]],
}
# variant -> (stem width, key dims, depths, MLP ratios, heads, head embed dims); the transformer
# widths are the output widths of the last len(depths) stacks.
VARIANTS: dict[str, tuple] = {
    "t": (16, [16, 24], [2, 2], [2, 4], 4, [64, 96]),
    "s": (16, [16, 24], [3, 3], [2, 4], 6, [96, 128]),
    "b": (16, [16, 24], [4, 4], [2, 4], 8, [128, 160]),
    "l": (32, [16, 20, 24], [3, 3, 3], [2, 4, 6], 8, [128, 160, 192]),
}


class AxialPositionalEmbedding(nn.Module):
    """SqueezeAxialPositionalEmbedding: a learned (1, C, 16) table resized to the axis length."""

    def __init__(self, dim: int, length: int = 16):
        super().__init__()
        self.pos_embed = nn.Parameter(torch.randn(1, dim, length))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, N)
        return x + F.interpolate(self.pos_embed, size=x.shape[-1], mode="linear", align_corners=False)


class SeaAttention(nn.Module):
    def __init__(self, dim: int, key_dim: int, heads: int, attn_ratio: int = 2):
        super().__init__()
        self.heads, self.scale = heads, key_dim ** -0.5
        nh_kd, dh = key_dim * heads, attn_ratio * key_dim * heads
        self.to_q, self.to_k, self.to_v = conv_bn(dim, nh_kd), conv_bn(dim, nh_kd), conv_bn(dim, dh)
        self.proj = nn.Sequential(nn.ReLU6(), conv_bn(dh, dim))
        self.proj_encode_row = nn.Sequential(nn.ReLU6(), conv_bn(dh, dh))
        self.proj_encode_column = nn.Sequential(nn.ReLU6(), conv_bn(dh, dh))
        self.pos_emb_rowq, self.pos_emb_rowk = AxialPositionalEmbedding(nh_kd), AxialPositionalEmbedding(nh_kd)
        self.pos_emb_columnq = AxialPositionalEmbedding(nh_kd)
        self.pos_emb_columnk = AxialPositionalEmbedding(nh_kd)
        cat = 2 * nh_kd + dh  # = 2 dh with attention ratio 2, as the official dwconv assumes
        self.dwconv = conv_bn(cat, cat, 3, groups=cat)
        self.act = nn.ReLU6()
        self.pwconv = conv_bn(cat, dim)
        self.gate = HSigmoid()

    def _axis(self, q, k, v, pos_q, pos_k) -> torch.Tensor:
        """Attention along one squeezed axis: q, k, v are (B, C, L); returns (B, C_v, L)."""
        b, _, n = q.shape
        q = pos_q(q).reshape(b, self.heads, -1, n).transpose(2, 3)
        k = pos_k(k).reshape(b, self.heads, -1, n)
        v = v.reshape(b, self.heads, -1, n).transpose(2, 3)
        attn = (torch.matmul(q, k) * self.scale).softmax(dim=-1)
        return torch.matmul(attn, v).transpose(2, 3).reshape(b, -1, n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        q, k, v = self.to_q(x), self.to_k(x), self.to_v(x)
        detail = self.pwconv(self.act(self.dwconv(torch.cat([q, k, v], dim=1))))
        row = self._axis(q.mean(-1), k.mean(-1), v.mean(-1), self.pos_emb_rowq, self.pos_emb_rowk)
        col = self._axis(q.mean(-2), k.mean(-2), v.mean(-2), self.pos_emb_columnq, self.pos_emb_columnk)
        row = self.proj_encode_row(row.reshape(b, -1, h, 1))
        col = self.proj_encode_column(col.reshape(b, -1, 1, w))
        return self.gate(self.proj(v + row + col)) * detail


class SeaFormerBlock(nn.Module):
    def __init__(self, dim: int, key_dim: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.attn = SeaAttention(dim, key_dim, heads)
        self.mlp = MLP(dim, dim * mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        return x + self.mlp(x)


class FusionBlock(nn.Module):
    """Light Head fusion: local 1x1 conv + BN times h_sigmoid(global 1x1 conv + BN), upsampled."""

    def __init__(self, cin_local: int, cin_global: int, cout: int):
        super().__init__()
        self.local_embedding = conv_bn(cin_local, cout)
        self.global_act = conv_bn(cin_global, cout)
        self.act = HSigmoid()

    def forward(self, local: torch.Tensor, glob: torch.Tensor) -> torch.Tensor:
        return self.local_embedding(local) * resize(self.act(self.global_act(glob)), local.shape[2:])


class SeaFormer(nn.Module):
    def __init__(self, variant: str, num_classes: int = 150):
        super().__init__()
        stem, key_dims, depths, mlp_ratios, heads, embed_dims = VARIANTS[variant]
        stacks, cin = [], stem
        for i, rows in enumerate(STAGES[variant]):
            blocks = inverted_residuals(rows, cin)
            if i == 0:
                blocks = [nn.Sequential(conv_bn(3, stem, 3, 2), nn.ReLU()), *blocks]
            stacks.append(nn.Sequential(*blocks))
            cin = rows[-1][2]
        self.stacks = nn.ModuleList(stacks)
        widths = [rows[-1][2] for rows in STAGES[variant]]
        self.first_trans = len(widths) - len(depths)
        self.trans = nn.ModuleList(
            nn.Sequential(*(SeaFormerBlock(dim, kd, heads, r) for _ in range(n)))
            for dim, kd, n, r in zip(widths[self.first_trans:], key_dims, depths, mlp_ratios))
        locals_ = [widths[1]] + embed_dims[:-1]
        self.fuse = nn.ModuleList(FusionBlock(cl, cg, e) for cl, cg, e in
                                  zip(locals_, widths[self.first_trans:], embed_dims))
        width = embed_dims[-1]
        self.linear_fuse = nn.Sequential(nn.Conv2d(width, width, 1, groups=width, bias=False),
                                         nn.BatchNorm2d(width), nn.ReLU())
        self.conv_seg = nn.Conv2d(width, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size, feats, y = x.shape[2:], [], x
        for i, stack in enumerate(self.stacks):
            y = stack(y)
            if i == 1:
                feats.append(y)  # the 1/8 detail feature
            if i >= self.first_trans:
                y = self.trans[i - self.first_trans](y)
                feats.append(y)
        detail = feats[0]
        for fuse, glob in zip(self.fuse, feats[1:]):
            detail = fuse(detail, glob)
        return resize(self.conv_seg(self.linear_fuse(detail)), size)


_NOTE = ("seaformer-seg/local_configs/seaformer/seaformer_{tiny,small,base,large}.py (ADE20K, "
         "150 classes; the Cityscapes configs differ only in the class count); Light Head with "
         "a depth-wise fuse conv; logits resized from 1/8 to the input; random init")


@register("seaformer-t", paper="seaformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def seaformer_t(num_classes: int = 150) -> nn.Module:
    """SeaFormer-Tiny + Light Head: transformer widths [128, 160], 4 heads, head [64, 96]."""
    return SeaFormer("t", num_classes)


@register("seaformer-s", paper="seaformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def seaformer_s(num_classes: int = 150) -> nn.Module:
    """SeaFormer-Small + Light Head: transformer widths [160, 192], 6 heads, head [96, 128]."""
    return SeaFormer("s", num_classes)


@register("seaformer-b", paper="seaformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def seaformer_b(num_classes: int = 150) -> nn.Module:
    """SeaFormer-Base + Light Head: transformer widths [192, 256], 8 heads, head [128, 160]."""
    return SeaFormer("b", num_classes)


@register("seaformer-l", paper="seaformer", **_ADE20K, official_code=_CODE, notes=_NOTE)
def seaformer_l(num_classes: int = 150) -> nn.Module:
    """SeaFormer-Large + Light Head: transformer widths [192, 256, 320], 8 heads, head
    [128, 160, 192]."""
    return SeaFormer("l", num_classes)
