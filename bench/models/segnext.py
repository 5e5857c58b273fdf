"""SegNeXt-T/S/B/L (Guo et al., "SegNeXt: Rethinking Convolutional Attention Design for Semantic
Segmentation", NeurIPS 2022, arXiv 2209.08575): an MSCAN encoder and the LightHamHead decoder.

Followed: the authors' Visual-Attention-Network/SegNeXt at commit
c87bcaef22ed2ad72ed3decb3727e5f879343516: mmseg/models/backbones/mscan.py (MSCAN),
mmseg/models/decode_heads/ham_head.py (LightHamHead, Hamburger, NMF2D),
local_configs/_base_/models/mscan.py and local_configs/segnext/{tiny,small,base,large}/
segnext.*.512x512.ade.160k.py (150 classes) and segnext.*.1024x1024.city.160k.py (19 classes;
the same networks apart from the class count).

Variants (embed dims, depths, MLP ratios, head channels = ham channels, NMF rank MD_R):
T ([32, 64, 160, 256], [3, 3, 5, 2], [8, 8, 4, 4], 256, 16),
S ([64, 128, 320, 512], [2, 2, 4, 2], [8, 8, 4, 4], 256, 16),
B ([64, 128, 320, 512], [3, 3, 12, 3], [8, 8, 4, 4], 512, 64),
L ([64, 128, 320, 512], [3, 5, 27, 3], [8, 8, 4, 4], 1024, 64)
(the MLP ratios come from the base config, which no variant overrides; MD_R=64 is NMF2D's default
where a config sets no `ham_kwargs`).

Structure:
- stem: 3x3/s2 conv (C/2, bias) + BN + GELU + 3x3/s2 conv (C, bias) + BN -> 1/4; stages 2-4
  start with a 3x3/s2 conv (bias) + BN (OverlapPatchEmbed with patch 3, stride 2);
- block: x + ls1 * SpatialAttention(BN(x)), then x + ls2 * MLP(BN(x)), layer scales per
  channel; SpatialAttention = 1x1 conv, GELU, MSCA, 1x1 conv, plus its input; MSCA = 5x5
  depth-wise conv, three strip branches (1x7 + 7x1, 1x11 + 11x1, 1x21 + 21x1, depth-wise), summed
  with the 5x5 output, 1x1 conv, times the MSCA input; MLP = 1x1 conv, 3x3 depth-wise conv
  (bias), GELU, 1x1 conv; every stage ends with a LayerNorm over channels;
- LightHamHead on stages 2-4 (1/8, 1/16, 1/32), resized to 1/8 (bilinear, align_corners=False)
  and concatenated: squeeze 1x1 conv + GroupNorm(32) + ReLU; Hamburger = 1x1 conv (bias) + ReLU,
  NMF, 1x1 conv + GroupNorm(32), added to its input, ReLU; align 1x1 conv + GroupNorm(32) + ReLU;
  dropout (identity in eval) and the 1x1 classifier (bias); the logits (1/8) are resized to the
  input size (EncoderDecoder, bilinear, align_corners=False).
- NMF2D (eval path): S=1, bases drawn uniformly at random on every forward and L2-normalised
  over D (RAND_INIT=True), coefficients softmax(x^T bases) (inv_t=1), EVAL_STEPS=7
  multiplicative updates of coefficients then bases, one more coefficient update, output
  bases @ coef^T.
Deviations: no mmcv/mmseg (ConvModule = conv + norm + act with torch.nn; SyncBN = BatchNorm2d);
stochastic depth and dropout are identity in eval and are not built. The official decode head
has no auxiliary head in these configs. The random NMF bases make the output differ between
two forwards of the same input, as in the official code. Random init.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.models.registry import register

_COMMIT = "c87bcaef22ed2ad72ed3decb3727e5f879343516"
_CODE = (f"https://github.com/Visual-Attention-Network/SegNeXt/blob/{_COMMIT}/"
         "mmseg/models/backbones/mscan.py")
_ADE20K = dict(num_classes=150, input_size=(512, 512))

# variant -> (embed dims, depths, head channels, NMF rank)
VARIANTS: dict[str, tuple[list[int], list[int], int, int]] = {
    "t": ([32, 64, 160, 256], [3, 3, 5, 2], 256, 16),
    "s": ([64, 128, 320, 512], [2, 2, 4, 2], 256, 16),
    "b": ([64, 128, 320, 512], [3, 3, 12, 3], 512, 64),
    "l": ([64, 128, 320, 512], [3, 5, 27, 3], 1024, 64),
}
MLP_RATIOS = (8, 8, 4, 4)


def resize(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class MSCA(nn.Module):
    """Multi-scale convolutional attention: depth-wise 5x5 and three strip-conv branches."""

    def __init__(self, dim: int):
        super().__init__()
        self.conv0 = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.strips = nn.ModuleList(
            nn.Sequential(nn.Conv2d(dim, dim, (1, k), padding=(0, k // 2), groups=dim),
                          nn.Conv2d(dim, dim, (k, 1), padding=(k // 2, 0), groups=dim))
            for k in (7, 11, 21))
        self.conv3 = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attn = self.conv0(x)
        attn = attn + sum(strip(attn) for strip in self.strips)
        return self.conv3(attn) * x


class SpatialAttention(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.proj_1, self.act = nn.Conv2d(dim, dim, 1), nn.GELU()
        self.msca = MSCA(dim)
        self.proj_2 = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj_2(self.msca(self.act(self.proj_1(x)))) + x


class MLP(nn.Sequential):
    def __init__(self, dim: int, hidden: int):
        super().__init__(nn.Conv2d(dim, hidden, 1),
                         nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden),
                         nn.GELU(), nn.Conv2d(hidden, dim, 1))


class MSCANBlock(nn.Module):
    def __init__(self, dim: int, mlp_ratio: int):
        super().__init__()
        self.norm1, self.attn = nn.BatchNorm2d(dim), SpatialAttention(dim)
        self.norm2, self.mlp = nn.BatchNorm2d(dim), MLP(dim, dim * mlp_ratio)
        # official init 1e-2; learned per-channel scales
        self.layer_scale_1 = nn.Parameter(torch.full((dim,), 1e-2))
        self.layer_scale_2 = nn.Parameter(torch.full((dim,), 1e-2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.layer_scale_1[:, None, None] * self.attn(self.norm1(x))
        return x + self.layer_scale_2[:, None, None] * self.mlp(self.norm2(x))


class MSCAN(nn.Module):
    """The encoder: four stages at 1/4, 1/8, 1/16, 1/32; returns all four feature maps."""

    def __init__(self, dims: list[int], depths: list[int], mlp_ratios=MLP_RATIOS):
        super().__init__()
        c0 = dims[0]
        embeds = [nn.Sequential(nn.Conv2d(3, c0 // 2, 3, 2, 1), nn.BatchNorm2d(c0 // 2), nn.GELU(),
                                nn.Conv2d(c0 // 2, c0, 3, 2, 1), nn.BatchNorm2d(c0))]
        embeds += [nn.Sequential(nn.Conv2d(dims[i - 1], dims[i], 3, 2, 1), nn.BatchNorm2d(dims[i]))
                   for i in range(1, 4)]
        self.patch_embeds = nn.ModuleList(embeds)
        self.stages = nn.ModuleList(nn.Sequential(*(MSCANBlock(d, r) for _ in range(n)))
                                    for d, n, r in zip(dims, depths, mlp_ratios))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for d in dims)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        for embed, stage, norm in zip(self.patch_embeds, self.stages, self.norms):
            x = stage(embed(x))
            x = norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()  # LayerNorm on C
            outs.append(x)
        return outs


class NMF2D(nn.Module):
    """Non-negative matrix factorisation x ~ bases @ coef^T by multiplicative updates (eval path
    of the official NMF2D: S=1, random bases each forward, inv_t=1)."""

    def __init__(self, rank: int, steps: int = 7, eps: float = 1e-6):
        super().__init__()
        self.rank, self.steps, self.eps = rank, steps, eps

    def _update_coef(self, x, bases, coef):
        num = torch.bmm(x.transpose(1, 2), bases)             # (B, N, R)
        den = coef.bmm(bases.transpose(1, 2).bmm(bases))      # (B, N, R)
        return coef * num / (den + self.eps)

    def _update_bases(self, x, bases, coef):
        num = torch.bmm(x, coef)                              # (B, D, R)
        den = bases.bmm(coef.transpose(1, 2).bmm(coef))       # (B, D, R)
        return bases * num / (den + self.eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        x = x.reshape(b, c, h * w)                            # (B, D, N)
        bases = F.normalize(torch.rand(b, c, self.rank, device=x.device, dtype=x.dtype), dim=1)
        coef = F.softmax(torch.bmm(x.transpose(1, 2), bases), dim=-1)
        for _ in range(self.steps):
            coef = self._update_coef(x, bases, coef)
            bases = self._update_bases(x, bases, coef)
        coef = self._update_coef(x, bases, coef)
        return torch.bmm(bases, coef.transpose(1, 2)).reshape(b, c, h, w)


def conv_gn_relu(cin: int, cout: int) -> nn.Sequential:
    """mmcv ConvModule(1x1, norm GN(32), ReLU): the conv has no bias since a norm follows."""
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.GroupNorm(32, cout), nn.ReLU())


class Hamburger(nn.Module):
    def __init__(self, channels: int, rank: int):
        super().__init__()
        self.ham_in = nn.Conv2d(channels, channels, 1)        # ConvModule without norm: bias
        self.ham = NMF2D(rank)
        self.ham_out = nn.Sequential(nn.Conv2d(channels, channels, 1, bias=False),
                                     nn.GroupNorm(32, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        enjoy = self.ham_out(self.ham(F.relu(self.ham_in(x))))
        return F.relu(x + enjoy)


class LightHamHead(nn.Module):
    def __init__(self, in_channels: list[int], channels: int, rank: int, num_classes: int):
        super().__init__()
        self.squeeze = conv_gn_relu(sum(in_channels), channels)
        self.hamburger = Hamburger(channels, rank)
        self.align = conv_gn_relu(channels, channels)
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        size = feats[0].shape[2:]
        x = torch.cat([feats[0]] + [resize(f, size) for f in feats[1:]], dim=1)
        return self.conv_seg(self.align(self.hamburger(self.squeeze(x))))


class SegNeXt(nn.Module):
    def __init__(self, variant: str, num_classes: int = 150):
        super().__init__()
        dims, depths, channels, rank = VARIANTS[variant]
        self.backbone = MSCAN(dims, depths)
        self.decode_head = LightHamHead(dims[1:], channels, rank, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resize(self.decode_head(self.backbone(x)[1:]), x.shape[2:])


_NOTE = ("local_configs/segnext ADE20K / Cityscapes configs (same network, 150 / 19 classes); "
         "LightHamHead NMF with 7 eval steps and random bases per forward, as the official "
         "eval path; logits resized from 1/8 to the input; random init")


@register("segnext-t", paper="segnext", **_ADE20K, official_code=_CODE, notes=_NOTE)
def segnext_t(num_classes: int = 150) -> nn.Module:
    """SegNeXt-T: MSCAN dims [32, 64, 160, 256], depths [3, 3, 5, 2]; head 256, NMF rank 16."""
    return SegNeXt("t", num_classes)


@register("segnext-s", paper="segnext", **_ADE20K, official_code=_CODE, notes=_NOTE)
def segnext_s(num_classes: int = 150) -> nn.Module:
    """SegNeXt-S: MSCAN dims [64, 128, 320, 512], depths [2, 2, 4, 2]; head 256, NMF rank 16."""
    return SegNeXt("s", num_classes)


@register("segnext-b", paper="segnext", **_ADE20K, official_code=_CODE, notes=_NOTE)
def segnext_b(num_classes: int = 150) -> nn.Module:
    """SegNeXt-B: MSCAN dims [64, 128, 320, 512], depths [3, 3, 12, 3]; head 512, NMF rank 64."""
    return SegNeXt("b", num_classes)


@register("segnext-l", paper="segnext", **_ADE20K, official_code=_CODE, notes=_NOTE)
def segnext_l(num_classes: int = 150) -> nn.Module:
    """SegNeXt-L: MSCAN dims [64, 128, 320, 512], depths [3, 5, 27, 3]; head 1024, NMF rank 64."""
    return SegNeXt("l", num_classes)
