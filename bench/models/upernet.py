"""UperNet with Swin (Liu et al., ICCV 2021) and ConvNeXt (Liu et al., CVPR 2022) backbones, from
`transformers` (UperNetForSemanticSegmentation with a SwinConfig / ConvNextConfig backbone).

Head, as in the authors' mmseg configs: UPerHead with 512 channels, PPM scales (1, 2, 3, 6),
150 ADE20K classes; the auxiliary FCNHead (256 channels on stage 3) is a training-only head:
it is built (the authors' #params include it, as mmseg counts the whole EncoderDecoder, and
converted checkpoints carry it) but never run (bench.models._hf), and the bench's parameter
count excludes it (reported as `excluded`).

Backbones (transformers field = paper field):
- Swin: embed_dim, depths, num_heads, window_size. T: 96, [2,2,6,2], [3,6,12,24], window 7;
  S: 96, [2,2,18,2], [3,6,12,24], 7; B: 128, [2,2,18,2], [4,8,16,32], 7; L: 192, [2,2,18,2],
  [6,12,24,48], window 12. Read from the UperNet configs in open-mmlab/mmsegmentation
  configs/swin/ (swin-large-patch4-window7-in22k-pre_upernet_8xb2-160k_ade20k-512x512.py @
  04d3c87 gives L's widths; its window12 variant @ bd1097a sets window 12); the authors' table
  (SwinTransformer/Swin-Transformer-Semantic-Segmentation README @ 8fdda7b) lists T/S/B at
  512x512 with window 7. Each stage output has its own LayerNorm (transformers'
  `hidden_states_norms`, mmseg's `norm{i}`).
- ConvNeXt: hidden_sizes (dims), depths. T: [96,192,384,768], [3,3,9,3]; S: same dims,
  [3,3,27,3]; B: [128,256,512,1024], [3,3,27,3]; L: [192,384,768,1536], [3,3,27,3];
  XL: [256,512,1024,2048], [3,3,27,3]. Read from facebookresearch/ConvNeXt
  semantic_segmentation/configs (_base_/models/upernet_convnext.py @ 516276f for T and the
  head; upernet_convnext_large_640_160k_ade20k_ss.py @ dcb9287 for L); crop 512x512 for T/S/B
  (ImageNet-1K rows of semantic_segmentation/README.md @ 83f3920), 640x640 for L/XL.
"""

from __future__ import annotations

from torch import nn
from transformers import ConvNextConfig, SwinConfig, UperNetConfig, UperNetForSemanticSegmentation

from bench.models._hf import adapt
from bench.models.registry import register

SWIN_CODE = "https://github.com/SwinTransformer/Swin-Transformer-Semantic-Segmentation"
CONVNEXT_CODE = "https://github.com/facebookresearch/ConvNeXt/tree/main/semantic_segmentation"
STAGES = ["stage1", "stage2", "stage3", "stage4"]

# variant -> (embed_dim, depths, num_heads, window_size, ADE20K crop)
SWIN: dict[str, tuple[int, list[int], list[int], int, int]] = {
    "t": (96, [2, 2, 6, 2], [3, 6, 12, 24], 7, 512),
    "s": (96, [2, 2, 18, 2], [3, 6, 12, 24], 7, 512),
    "b": (128, [2, 2, 18, 2], [4, 8, 16, 32], 7, 512),
    "l": (192, [2, 2, 18, 2], [6, 12, 24, 48], 12, 512),
}
# variant -> (hidden_sizes, depths, ADE20K crop)
CONVNEXT: dict[str, tuple[list[int], list[int], int]] = {
    "t": ([96, 192, 384, 768], [3, 3, 9, 3], 512),
    "s": ([96, 192, 384, 768], [3, 3, 27, 3], 512),
    "b": ([128, 256, 512, 1024], [3, 3, 27, 3], 512),
    "l": ([192, 384, 768, 1536], [3, 3, 27, 3], 640),
    "xl": ([256, 512, 1024, 2048], [3, 3, 27, 3], 640),
}


def swin_backbone(variant: str) -> SwinConfig:
    dim, depths, heads, window, _ = SWIN[variant]
    return SwinConfig(embed_dim=dim, depths=depths, num_heads=heads, window_size=window,
                      out_features=STAGES)


def convnext_backbone(variant: str) -> ConvNextConfig:
    dims, depths, _ = CONVNEXT[variant]
    return ConvNextConfig(hidden_sizes=dims, depths=depths, out_features=STAGES)


def build_upernet(backbone, num_classes: int = 150) -> nn.Module:
    cfg = UperNetConfig(backbone_config=backbone, num_labels=num_classes, hidden_size=512,
                        pool_scales=[1, 2, 3, 6], use_auxiliary_head=True,
                        auxiliary_channels=256, auxiliary_num_convs=1)
    return adapt(UperNetForSemanticSegmentation(cfg), "pixel")


def _register_all() -> None:
    for v, (dim, depths, heads, window, crop) in SWIN.items():
        notes = (f"transformers UperNetForSemanticSegmentation + SwinBackbone (embed {dim}, "
                 f"depths {depths}, heads {heads}, window {window}); UPerHead 512 ch; aux FCN "
                 "head built but not run (training only); random init")

        def sw(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_upernet(swin_backbone(_v), num_classes)

        sw.__module__, sw.__doc__ = __name__, notes
        register(f"upernet-swin-{v}", paper="swin", num_classes=150, input_size=(crop, crop),
                 official_code=SWIN_CODE, notes=notes)(sw)
    for v, (dims, depths, crop) in CONVNEXT.items():
        notes = (f"transformers UperNetForSemanticSegmentation + ConvNextBackbone (dims {dims}, "
                 f"depths {depths}); UPerHead 512 ch; aux FCN head built but not run (training "
                 "only); random init")

        def cn(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_upernet(convnext_backbone(_v), num_classes)

        cn.__module__, cn.__doc__ = __name__, notes
        register(f"upernet-convnext-{v}", paper="convnext", num_classes=150,
                 input_size=(crop, crop), official_code=CONVNEXT_CODE, notes=notes)(cn)

    # ConvNeXt-B pre-trained on ImageNet-22K is the same network (the README's 122M) trained and
    # scored at 640x640 (its 1828G are at 640x2560): registered at that size as its own claim.
    notes = ("transformers UperNetForSemanticSegmentation + ConvNextBackbone (ConvNeXt-B dims, "
             "depths); the ImageNet-22K row at 640x640; aux FCN head built but not run; random init")

    def cn_b22k(num_classes: int = 150) -> nn.Module:
        return build_upernet(convnext_backbone("b"), num_classes)

    cn_b22k.__module__, cn_b22k.__doc__ = __name__, notes
    register("upernet-convnext-b-in22k", paper="convnext", num_classes=150, input_size=(640, 640),
             official_code=CONVNEXT_CODE, notes=notes)(cn_b22k)


_register_all()
