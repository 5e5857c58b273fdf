"""UperNet + InternImage-T/S/B/L/XL (Wang et al., CVPR 2023) for ADE20K, in pure PyTorch.

Built from OpenGVLab/InternImage @ 31c962d: segmentation/mmseg_custom/models/backbones/
intern_image.py (stem, levels, DownsampleLayer, InternImageLayer with post-norm / layer scale),
segmentation/ops_dcnv3/modules/dcnv3.py (DCNv3: depth-wise 3x3 conv + LN + GELU feeding the
offset and mask projections, input / output projections) and the repository's own pure-PyTorch
DCNv3 core (ops_dcnv3/functions/dcnv3_func.py `dcnv3_core_pytorch`: bilinear `grid_sample` at
the reference points plus the learned offsets, weighted by a per-group softmax mask), which the
CUDA op computes the same function as. Configs: segmentation/configs/ade20k/
upernet_internimage_{t,s,b}_512_160k_ade20k.py and upernet_internimage_{l,xl}_640_160k_ade20k.py
(channels, depths, groups, post_norm, offset_scale, layer_scale 1.0, mlp_ratio 4, LN), with the
`upernet_r50.py` heads: UPerHead 512 channels, PPM (1, 2, 3, 6), auxiliary FCNHead 256 channels
on stage 3 (built, never run; the bench reports it as `excluded`).

FLOPs: the sampling (`grid_sample`) has no formula in FlopCounterMode, so the DCNv3 core's
bilinear interpolation is not counted; every projection and convolution is.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import UperNetConfig
from transformers.models.upernet.modeling_upernet import UperNetFCNHead, UperNetHead

from bench.models.registry import register

CODE = "https://github.com/OpenGVLab/InternImage/tree/31c962dc6c1ceb23e580772f7daaa6944694fbe6/segmentation"

# variant -> (channels, depths, groups, post_norm, offset_scale, ADE20K crop)
VARIANTS: dict[str, tuple[int, list[int], list[int], bool, float, int]] = {
    "t": (64, [4, 4, 18, 4], [4, 8, 16, 32], False, 1.0, 512),
    "s": (80, [4, 4, 21, 4], [5, 10, 20, 40], True, 1.0, 512),
    "b": (112, [4, 4, 21, 4], [7, 14, 28, 56], True, 1.0, 512),
    "l": (160, [5, 5, 22, 5], [10, 20, 40, 80], True, 2.0, 640),
    "xl": (192, [5, 5, 24, 5], [12, 24, 48, 96], True, 2.0, 640),
    "h": (320, [6, 6, 32, 6], [10, 20, 40, 80], False, 1.0, 896),
}
# InternImage-H (configs/ade20k/upernet_internimage_h_896_160k_ade20k.py): no layer scale,
# residual post-norms, a 5x5 depth-wise conv and the centre feature scale in DCNv3, and extra
# LayerNorms after blocks 5, 11, 17, 23, 29 of level 2.
H_OPTIONS = {"dw_kernel_size": 5, "center_feature_scale": True,
             "level2_post_norm_block_ids": [5, 11, 17, 23, 29]}


class Permute(nn.Module):
    def __init__(self, *dims: int):
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(*self.dims)


def ChannelsLastNorm(dim: int, out_last: bool) -> nn.Sequential:
    """LayerNorm over the channels of an NCHW map, laid out as the official `build_norm_layer`
    (so checkpoints' `...norm.1.weight` keys load): to channels-last, LN, back if asked."""
    layers = [Permute(0, 2, 3, 1), nn.LayerNorm(dim, eps=1e-6)]
    return nn.Sequential(*layers, *([] if out_last else [Permute(0, 3, 1, 2)]))


def dcnv3_sample(x: torch.Tensor, offset: torch.Tensor, mask: torch.Tensor, group: int,
                 offset_scale: float, k: int = 3, pad: int = 1) -> torch.Tensor:
    """DCNv3 with a 3x3 kernel, stride 1, dilation 1 on (N, H, W, C) maps: every group samples
    its k*k points (the grid around each pixel plus learned offsets, in pixels) bilinearly with
    zero padding and sums them weighted by its mask."""
    n, h, w, c = x.shape
    gc = c // group
    x = F.pad(x, [0, 0, pad, pad, pad, pad])
    hp, wp = h + 2 * pad, w + 2 * pad
    dev, dt = x.device, x.dtype
    ys = torch.linspace(pad + 0.5, pad + 0.5 + (h - 1), h, device=dev, dtype=dt) / hp
    xs = torch.linspace(pad + 0.5, pad + 0.5 + (w - 1), w, device=dev, dtype=dt) / wp
    ry, rx = torch.meshgrid(ys, xs, indexing="ij")
    ref = torch.stack((rx, ry), -1).reshape(1, h, w, 1, 2)
    r = (k - 1) // 2
    gx, gy = torch.meshgrid(torch.arange(-r, r + 1, device=dev, dtype=dt) / wp,
                            torch.arange(-r, r + 1, device=dev, dtype=dt) / hp, indexing="ij")
    grid = torch.stack((gx, gy), -1).reshape(-1, 1, 2).repeat(1, group, 1).permute(1, 0, 2)
    grid = grid.reshape(1, 1, 1, group * k * k, 2)
    norm = torch.tensor([wp, hp], device=dev, dtype=dt).reshape(1, 1, 1, 2).repeat(1, 1, 1, group * k * k)
    loc = (ref + grid * offset_scale).repeat(n, 1, 1, 1, 1).flatten(3, 4) + offset * offset_scale / norm
    grids = (2 * loc - 1).view(n, h * w, group, k * k, 2).transpose(1, 2).flatten(0, 1)
    inp = x.view(n, hp * wp, c).transpose(1, 2).reshape(n * group, gc, hp, wp)
    sampled = F.grid_sample(inp, grids, mode="bilinear", padding_mode="zeros", align_corners=False)
    m = mask.view(n, h * w, group, k * k).transpose(1, 2).reshape(n * group, 1, h * w, k * k)
    out = (sampled * m).sum(-1).view(n, c, h * w)
    return out.transpose(1, 2).reshape(n, h, w, c)


class DCNv3(nn.Module):
    """DCNv3 (modules/dcnv3.py). InternImage-H adds a 5x5 depth-wise conv (`dw_kernel_size`)
    and the centre feature scale: a per-group sigmoid gate, from the depth-wise branch, that
    mixes the sampled output with the projected input."""

    def __init__(self, channels: int, group: int, offset_scale: float, k: int = 3,
                 dw_kernel_size: int | None = None, center_feature_scale: bool = False):
        super().__init__()
        self.group, self.offset_scale, self.k = group, offset_scale, k
        dk = dw_kernel_size or k
        self.dw_conv = nn.Sequential(nn.Conv2d(channels, channels, dk, padding=(dk - 1) // 2, groups=channels),
                                     ChannelsLastNorm(channels, out_last=True), nn.GELU())
        self.offset = nn.Linear(channels, group * k * k * 2)
        self.mask = nn.Linear(channels, group * k * k)
        self.input_proj = nn.Linear(channels, channels)
        self.output_proj = nn.Linear(channels, channels)
        self.center_feature_scale = center_feature_scale
        if center_feature_scale:
            self.center_feature_scale_proj_weight = nn.Parameter(torch.zeros(group, channels))
            self.center_feature_scale_proj_bias = nn.Parameter(torch.zeros(group))

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # (N, H, W, C)
        n, h, w, c = x.shape
        v = self.input_proj(x)
        q = self.dw_conv(x.permute(0, 3, 1, 2))
        offset = self.offset(q)
        mask = F.softmax(self.mask(q).reshape(n, h, w, self.group, -1), -1).reshape(n, h, w, -1)
        out = dcnv3_sample(v, offset, mask, self.group, self.offset_scale, self.k)
        if self.center_feature_scale:
            gate = F.linear(q, self.center_feature_scale_proj_weight, self.center_feature_scale_proj_bias).sigmoid()
            gate = gate[..., None].repeat(1, 1, 1, 1, c // self.group).flatten(-2)
            out = out * (1 - gate) + v * gate
        return self.output_proj(out)


class Layer(nn.Module):
    """InternImageLayer: layer scale 1.0 (T-XL) or none with residual post-norms (H)."""

    def __init__(self, channels: int, group: int, post_norm: bool, offset_scale: float,
                 mlp_ratio: float = 4.0, layer_scale: float | None = 1.0, h_options: dict | None = None):
        super().__init__()
        h = h_options or {}
        self.post_norm = post_norm
        self.res_post_norm = bool(h)
        self.norm1 = nn.LayerNorm(channels, eps=1e-6)
        self.dcn = DCNv3(channels, group, offset_scale, dw_kernel_size=h.get("dw_kernel_size"),
                         center_feature_scale=h.get("center_feature_scale", False))
        self.norm2 = nn.LayerNorm(channels, eps=1e-6)
        hidden = int(channels * mlp_ratio)
        self.mlp = nn.ModuleDict({"fc1": nn.Linear(channels, hidden), "fc2": nn.Linear(hidden, channels)})
        if layer_scale is not None:
            self.gamma1 = nn.Parameter(layer_scale * torch.ones(channels))
            self.gamma2 = nn.Parameter(layer_scale * torch.ones(channels))
        else:
            self.gamma1 = self.gamma2 = None
        if self.res_post_norm:
            self.res_post_norm1 = nn.LayerNorm(channels, eps=1e-6)
            self.res_post_norm2 = nn.LayerNorm(channels, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.gamma1 is None:   # InternImage-H: res_post_norm
            x = x + self.res_post_norm1(self.dcn(self.norm1(x)))
            return x + self.res_post_norm2(self._mlp(self.norm2(x)))
        if self.post_norm:
            x = x + self.gamma1 * self.norm1(self.dcn(x))
            return x + self.gamma2 * self.norm2(self._mlp(x))
        x = x + self.gamma1 * self.dcn(self.norm1(x))
        return x + self.gamma2 * self._mlp(self.norm2(x))

    def _mlp(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp["fc2"](F.gelu(self.mlp["fc1"](x)))


class Level(nn.Module):
    def __init__(self, channels: int, depth: int, group: int, post_norm: bool, offset_scale: float,
                 downsample: bool, h_options: dict | None = None, post_norm_block_ids=None):
        super().__init__()
        scale = None if h_options else 1.0
        self.blocks = nn.ModuleList(Layer(channels, group, post_norm, offset_scale, layer_scale=scale,
                                          h_options=h_options) for _ in range(depth))
        keep_norm = not post_norm or (h_options or {}).get("center_feature_scale", False)
        self.norm = nn.LayerNorm(channels, eps=1e-6) if keep_norm else None
        self.post_norm_block_ids = list(post_norm_block_ids or [])
        self.post_norms = (nn.ModuleList(nn.LayerNorm(channels, eps=1e-6) for _ in self.post_norm_block_ids)
                           if self.post_norm_block_ids else None)
        self.downsample = (nn.ModuleDict({"conv": nn.Conv2d(channels, 2 * channels, 3, 2, 1, bias=False),
                                          "norm": ChannelsLastNorm(2 * channels, out_last=True)})
                           if downsample else None)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in self.post_norm_block_ids:
                x = self.post_norms[self.post_norm_block_ids.index(i)](x)
        if self.norm is not None:
            x = self.norm(x)
        out = x
        if self.downsample is not None:
            x = self.downsample["norm"](self.downsample["conv"](x.permute(0, 3, 1, 2)))
        return x, out


class InternImage(nn.Module):
    def __init__(self, channels: int, depths: list[int], groups: list[int], post_norm: bool,
                 offset_scale: float, h_options: dict | None = None):
        super().__init__()
        h = h_options or {}
        self.patch_embed = nn.Sequential(
            nn.Conv2d(3, channels // 2, 3, 2, 1), ChannelsLastNorm(channels // 2, out_last=False), nn.GELU(),
            nn.Conv2d(channels // 2, channels, 3, 2, 1), ChannelsLastNorm(channels, out_last=True))
        self.levels = nn.ModuleList(
            Level(channels * 2 ** i, d, g, post_norm, offset_scale, downsample=i < len(depths) - 1,
                  h_options=h or None, post_norm_block_ids=h.get("level2_post_norm_block_ids") if i == 2 else None)
            for i, (d, g) in enumerate(zip(depths, groups)))
        self.channels = [channels * 2 ** i for i in range(len(depths))]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.patch_embed(x)
        outs = []
        for level in self.levels:
            x, out = level(x)
            outs.append(out.permute(0, 3, 1, 2).contiguous())
        return outs


class UperNetInternImage(nn.Module):
    def __init__(self, variant: str, num_classes: int = 150):
        super().__init__()
        channels, depths, groups, post_norm, offset_scale, _ = VARIANTS[variant]
        self.backbone = InternImage(channels, depths, groups, post_norm, offset_scale,
                                    H_OPTIONS if variant == "h" else None)
        cfg = UperNetConfig(num_labels=num_classes, hidden_size=512, pool_scales=[1, 2, 3, 6],
                            use_auxiliary_head=True, auxiliary_channels=256, auxiliary_num_convs=1,
                            auxiliary_concat_input=False)
        self.decode_head = UperNetHead(cfg, in_channels=self.backbone.channels)
        self.auxiliary_head = UperNetFCNHead(cfg, in_channels=self.backbone.channels, in_index=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.decode_head(self.backbone(x))   # the auxiliary head is training-only
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


class SegFormerHead(nn.Module):
    """mmseg `SegformerHead` (configs/_base_/models/segformer_mit-b0.py: 256 channels): a 1x1
    conv + BN + ReLU per level, all resized to the first level, concatenated, fused by another
    1x1 conv + BN + ReLU, then the classifier (dropout 0.1, off at inference)."""

    def __init__(self, in_channels: list[int], num_classes: int, channels: int = 256):
        super().__init__()

        def cbr(cin: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, channels, 1, bias=False), nn.BatchNorm2d(channels),
                                 nn.ReLU(inplace=True))

        self.convs = nn.ModuleList(cbr(c) for c in in_channels)
        self.fusion_conv = cbr(channels * len(in_channels))
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        size = feats[0].shape[-2:]
        outs = [F.interpolate(conv(f), size=size, mode="bilinear", align_corners=False)
                for conv, f in zip(self.convs, feats)]
        return self.conv_seg(self.fusion_conv(torch.cat(outs, dim=1)))


class SegFormerHeadInternImage(nn.Module):
    def __init__(self, variant: str, num_classes: int = 19):
        super().__init__()
        channels, depths, groups, post_norm, offset_scale, _ = VARIANTS[variant]
        self.backbone = InternImage(channels, depths, groups, post_norm, offset_scale)
        self.decode_head = SegFormerHead(self.backbone.channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.decode_head(self.backbone(x))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


def _register_all() -> None:
    for v, (channels, depths, groups, post_norm, offset_scale, crop) in VARIANTS.items():
        notes = (f"pure-PyTorch InternImage-{v.upper()} (channels {channels}, depths {depths}, groups "
                 f"{groups}, post_norm {post_norm}, offset_scale {offset_scale}) + UPerHead 512 ch; "
                 "DCNv3 sampled with grid_sample as the repository's PyTorch core; aux FCN head built "
                 "but not run; random init")

        def build(num_classes: int = 150, _v: str = v) -> nn.Module:
            return UperNetInternImage(_v, num_classes).eval()

        build.__module__, build.__doc__ = __name__, notes
        register(f"upernet-internimage-{v}", paper="internimage", num_classes=150,
                 input_size=(crop, crop), official_code=CODE, notes=notes)(build)
    # Cityscapes (configs/cityscapes/segformer_internimage_{l,xl}_512x1024_160k_
    # mapillary2cityscapes.py): the L / XL backbone with mmseg's SegformerHead (256 channels).
    # The configs leave the head's num_classes at 150; the Cityscapes model predicts 19 classes,
    # which we build (the difference is 131 x 257 weights).
    for v in ("l", "xl"):
        notes = (f"pure-PyTorch InternImage-{v.upper()} + mmseg SegformerHead (256 ch), 19 classes; "
                 "DCNv3 sampled with grid_sample; random init")

        def build_sf(num_classes: int = 19, _v: str = v) -> nn.Module:
            return SegFormerHeadInternImage(_v, num_classes).eval()

        build_sf.__module__, build_sf.__doc__ = __name__, notes
        register(f"internimage-{v}-segformer-head", paper="internimage", num_classes=19,
                 input_size=(1024, 2048), official_code=CODE, notes=notes)(build_sf)


_register_all()
