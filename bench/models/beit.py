"""UperNet with BEiT-B and BEiT-L backbones (Bao et al., ICLR 2022) for ADE20K, from
`transformers` (BeitForSemanticSegmentation: BEiT encoder, multi-scale FPN neck, UPerHead).

Configuration read from microsoft/unilm @ 2312c6f,
beit/semantic_segmentation/configs/beit/upernet/upernet_beit_base_12_640_slide_160k_ade20k.py:
BEiT img_size 640, patch 16, embed 768, depth 12, 12 heads, MLP ratio 4, qkv bias, no absolute
position embedding, relative position bias in every block (not shared), layer scale init 0.1,
features after blocks [3, 5, 7, 11]; UPerHead channels 768, 150 classes; auxiliary FCN head
(training only: built, never run, excluded from the bench's parameter count); 640x640 crops,
sliding-window test.
transformers fields: hidden_size 768, num_hidden_layers 12, num_attention_heads 12,
intermediate_size 3072, image_size 640, patch_size 16, use_relative_position_bias True,
use_shared_relative_position_bias False, use_absolute_position_embeddings False,
layer_scale_init_value 0.1, pool_scales (1, 2, 3, 6); the UPerHead width is hidden_size (768).
BEiT-L (upernet_beit_large_24_640_slide_160k_ade20k.py @ 2312c6f): embed 1024, depth 24,
16 heads, layer scale init 1e-6, features after blocks [7, 11, 15, 23], UPerHead 1024 channels,
640x640.

Finding (transformers 5.24): BeitForSemanticSegmentation takes `hidden_states[i - 1]` for i in
`out_indices`, where hidden_states[0] is the patch embedding and hidden_states[k] the output of
block k (1-based), so no valid `out_indices` reaches the official blocks: [4, 6, 8, 12] (the
backbone's stage4/6/8/12, i.e. blocks 3, 5, 7, 11 0-based) yields blocks 2, 4, 6, 10, and the
last block's output is never used (a traced forward, as fvcore's, then drops that block
entirely). Our adapter's forward takes `hidden_states[i]`, the official features, then the
library's FPN neck and UPerHead: modules and state_dict keys are unchanged.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BeitConfig, BeitForSemanticSegmentation

from bench.models._hf import resize_to
from bench.models.registry import register

CODE = "https://github.com/microsoft/unilm/tree/master/beit/semantic_segmentation"
V2_CODE = "https://github.com/microsoft/unilm/tree/80d673a1c3462406900711c20275162c91156767/beit2/semantic_segmentation"


class BenchBeitForSemanticSegmentation(BeitForSemanticSegmentation):
    """forward(x) -> (N, num_classes, H, W) logits from the official blocks' outputs (module
    doc); the training-only auxiliary head is built but not run."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states = self.beit(x, output_hidden_states=True).hidden_states
        n, _, h, w = x.shape
        p = self.config.patch_size
        feats = tuple(states[i][:, 1:].transpose(1, 2).reshape(n, -1, h // p, w // p)
                      for i in self.config.out_indices)
        return resize_to(self.decode_head(self.fpn(feats)), (h, w))


# variant -> (hidden, layers, heads, layer scale init, out_indices = official blocks + 1)
VARIANTS = {
    "b": (768, 12, 12, 0.1, [4, 6, 8, 12]),
    "l": (1024, 24, 16, 1e-6, [8, 12, 16, 24]),
}


def build_upernet_beit(variant: str, num_classes: int = 150, image_size: int = 640) -> nn.Module:
    hidden, layers, heads, init, out_indices = VARIANTS[variant]
    cfg = BeitConfig(num_labels=num_classes, hidden_size=hidden, num_hidden_layers=layers,
                     num_attention_heads=heads, intermediate_size=4 * hidden, image_size=image_size,
                     patch_size=16, use_relative_position_bias=True,
                     use_shared_relative_position_bias=False,
                     use_absolute_position_embeddings=False, layer_scale_init_value=init,
                     out_indices=out_indices, pool_scales=[1, 2, 3, 6],
                     use_auxiliary_head=True, auxiliary_channels=256)
    return BenchBeitForSemanticSegmentation(cfg).eval()


def _register_all() -> None:
    for v, (hidden, layers, heads, init, out_indices) in VARIANTS.items():
        notes = (f"transformers BeitForSemanticSegmentation: BEiT-{v.upper()}/16 at 640 ({hidden} "
                 f"wide, {layers} blocks, {heads} heads, relative position bias per block, layer "
                 f"scale {init}), FPN neck, UPerHead {hidden} ch; aux FCN head built, not run "
                 f"(training only); features after blocks {[i - 1 for i in out_indices]} (0-based, "
                 "as official; transformers' own forward is off by one); random init")

        def builder(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_upernet_beit(_v, num_classes)

        builder.__module__, builder.__doc__ = __name__, notes
        register(f"upernet-beit-{v}", paper="beit", num_classes=150, input_size=(640, 640),
                 official_code=CODE, notes=notes)(builder)

    # BEiT v2 (Peng et al. 2022) fine-tunes the same network at 512x512: microsoft/unilm @ 80d673a,
    # beit2/semantic_segmentation/configs/beit/upernet/upernet_beit_{base_12,large_24}_512_slide_
    # 160k_ade20k.py (img_size 512, the same widths, depths, heads, layer scale 0.1 / 1e-6, out
    # indices, relative position bias per block, UPerHead as wide as the backbone). Only the
    # relative position tables differ from v1's, being sized for a 32x32 patch grid.
    for v, (hidden, layers, heads, init, _out_indices) in VARIANTS.items():
        notes = (f"transformers BeitForSemanticSegmentation: BEiT-{v.upper()}/16 at 512 as BEiT v2's "
                 f"configs ({hidden} wide, {layers} blocks, {heads} heads, relative position bias per "
                 f"block, layer scale {init}), FPN neck, UPerHead {hidden} ch; aux FCN head built, "
                 "not run; random init")

        def builder2(num_classes: int = 150, _v: str = v) -> nn.Module:
            return build_upernet_beit(_v, num_classes, image_size=512)

        builder2.__module__, builder2.__doc__ = __name__, notes
        register(f"upernet-beitv2-{v}", paper="beitv2", num_classes=150, input_size=(512, 512),
                 official_code=V2_CODE, notes=notes)(builder2)


_register_all()
