"""UperNet and Semantic FPN + VAN-B0..B6 (Guo et al., Visual Attention Network, CVMJ 2023),
from the official segmentation code: Visual-Attention-Network/VAN-Segmentation @ 8285fc7,
tools/van.py (the mmseg `VAN` backbone: overlapping patch embeddings with BN, blocks of BN ->
large-kernel attention (5x5 depth-wise, 7x7 depth-wise dilation 3, 1x1) and BN -> conv MLP with
a 3x3 depth-wise conv, layer scale 1e-2, a LayerNorm after each stage; MLP ratios 8, 8, 4, 4),
configs/_base_/models/upernet_van.py and configs/upernet/{1k,22k}_pretrained/*.py (widths and
depths per variant; UPerHead 512 channels, auxiliary FCNHead 256 on stage 3), and
configs/sem_fpn/fpn_van_b*_ade20k_40k.py (Semantic FPN). The heads are bench.models._timm_seg's.
"""

from __future__ import annotations

import torch
from torch import nn

from bench.models._timm_seg import SemanticFPNOnTimm, UperNetOnTimm
from bench.models.registry import register

CODE = "https://github.com/Visual-Attention-Network/VAN-Segmentation/tree/8285fc7ad39e7944d5f25ba132f1cdfdce7d865d"

# variant -> (embed_dims, depths)
VARIANTS: dict[str, tuple[list[int], list[int]]] = {
    "b0": ([32, 64, 160, 256], [3, 3, 5, 2]),
    "b1": ([64, 128, 320, 512], [2, 2, 4, 2]),
    "b2": ([64, 128, 320, 512], [3, 3, 12, 3]),
    "b3": ([64, 128, 320, 512], [3, 5, 27, 3]),
    "b4": ([64, 128, 320, 512], [3, 6, 40, 3]),
    "b5": ([96, 192, 480, 768], [3, 3, 24, 3]),
    "b6": ([96, 192, 384, 768], [6, 6, 90, 6]),
}
MLP_RATIOS = (8, 8, 4, 4)


class LKA(nn.Module):
    """The large-kernel attention of the official `AttentionModule`."""

    def __init__(self, dim: int):
        super().__init__()
        self.conv0 = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.conv_spatial = nn.Conv2d(dim, dim, 7, padding=9, groups=dim, dilation=3)
        self.conv1 = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv1(self.conv_spatial(self.conv0(x)))


class SpatialAttention(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.proj_1 = nn.Conv2d(dim, dim, 1)
        self.activation = nn.GELU()
        self.spatial_gating_unit = LKA(dim)
        self.proj_2 = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.proj_2(self.spatial_gating_unit(self.activation(self.proj_1(x))))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.dwconv = nn.Module()
        self.dwconv.dwconv = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.dwconv.dwconv(self.fc1(x))))


class Block(nn.Module):
    def __init__(self, dim: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(dim)
        self.attn = SpatialAttention(dim)
        self.norm2 = nn.BatchNorm2d(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.layer_scale_1 = nn.Parameter(1e-2 * torch.ones(dim))
        self.layer_scale_2 = nn.Parameter(1e-2 * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.layer_scale_1[:, None, None] * self.attn(self.norm1(x))
        return x + self.layer_scale_2[:, None, None] * self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, cin: int, dim: int, k: int, stride: int):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, k, stride, padding=k // 2)
        self.norm = nn.BatchNorm2d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x))


class VAN(nn.Module):
    def __init__(self, embed_dims: list[int], depths: list[int]):
        super().__init__()
        self.channels, self.reductions = list(embed_dims), [4, 8, 16, 32]
        for i, (dim, depth) in enumerate(zip(embed_dims, depths)):
            setattr(self, f"patch_embed{i + 1}", PatchEmbed(3 if i == 0 else embed_dims[i - 1], dim,
                                                            7 if i == 0 else 3, 4 if i == 0 else 2))
            setattr(self, f"block{i + 1}", nn.ModuleList(Block(dim, MLP_RATIOS[i]) for _ in range(depth)))
            setattr(self, f"norm{i + 1}", nn.LayerNorm(dim))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        for i in range(4):
            x = getattr(self, f"patch_embed{i + 1}")(x)
            for blk in getattr(self, f"block{i + 1}"):
                x = blk(x)
            x = getattr(self, f"norm{i + 1}")(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()
            outs.append(x)
        return outs


def _register_all() -> None:
    for v, (dims, depths) in VARIANTS.items():
        keys = [f"upernet-van-{v}"] + ([f"upernet-van-{v}-in22k"] if v == "b4" else [])
        notes = f"VAN-{v.upper()} (dims {dims}, depths {depths}) + UPerHead 512 ch; aux FCN head built, not run; random init"
        for key in keys:
            def build(num_classes: int = 150, _v: str = v) -> nn.Module:
                return UperNetOnTimm(VAN(*VARIANTS[_v]), num_classes).eval()

            build.__module__, build.__doc__ = __name__, notes
            register(key, paper="van", num_classes=150, input_size=(512, 512), official_code=CODE,
                     notes=notes)(build)
        if v in ("b0", "b1", "b2", "b3"):
            fnotes = f"VAN-{v.upper()} (dims {dims}, depths {depths}) + Semantic FPN (mmseg fpn_r50 recipe); random init"

            def build_fpn(num_classes: int = 150, _v: str = v) -> nn.Module:
                return SemanticFPNOnTimm(VAN(*VARIANTS[_v]), num_classes).eval()

            build_fpn.__module__, build_fpn.__doc__ = __name__, fnotes
            register(f"fpn-van-{v}", paper="van", num_classes=150, input_size=(512, 512),
                     official_code=CODE, notes=fnotes)(build_fpn)


_register_all()
