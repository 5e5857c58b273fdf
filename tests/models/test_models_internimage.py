"""UperNet + InternImage (bench.models.internimage): exact counts against the official README,
and the pure-PyTorch DCNv3 sampling checked by what it must do with known offsets and masks."""

from __future__ import annotations

import pytest
import torch

from bench.models.internimage import dcnv3_sample

from .conftest import check_counts

# (bench count without the aux head, aux head) and the README's #param (M), which counts the
# whole EncoderDecoder. OpenGVLab/InternImage README.md @ 31c962d, "ADE20K Semantic
# Segmentation" table, rows InternImage-T..XL UperNet, column #param.
COUNTS = {
    "upernet-internimage-t": (58_448_262, 628_886, 59),
    "upernet-internimage-s": (79_090_614, 776_342, 80),
    "upernet-internimage-b": (127_316_598, 1_071_254, 128),
    "upernet-internimage-l": (254_086_984, 1_513_622, 256),
    "upernet-internimage-xl": (365_924_466, 1_808_534, 368),
    # README "1.12B": InternImage-H's residual post-norms, 5x5 depth-wise conv, centre feature
    # scale and level-2 post-norms (configs/ade20k/upernet_internimage_h_896_160k_ade20k.py)
    "upernet-internimage-h": (1_117_350_214, 2_988_182, 1120),
}


# SegformerHead models: segmentation/configs/cityscapes/README.md @ 31c962d, "SegFormerHead +
# InternImage (with additional data)" table, #param (no auxiliary head).
SEGFORMER_HEAD = {"internimage-l-segformer-head": (219_836_357, 220),
                  "internimage-xl-segformer-head": (329_978_095, 330)}


@pytest.mark.parametrize("key", list(SEGFORMER_HEAD))
def test_segformer_head_params_against_the_cityscapes_readme(key):
    total, readme = SEGFORMER_HEAD[key]
    check_counts(key, total, 0, readme)


@pytest.mark.parametrize("key", list(COUNTS))
def test_params_exact_and_against_the_readme(key):
    check_counts(key, *COUNTS[key])


def _input(n=1, h=5, w=6, c=8):
    torch.manual_seed(0)
    return torch.randn(n, h, w, c)


def test_dcnv3_with_zero_offsets_and_the_centre_point_is_the_identity():
    x = _input()
    n, h, w, c = x.shape
    group = 2
    offset = torch.zeros(n, h, w, group * 9 * 2)
    mask = torch.zeros(n, h, w, group, 9)
    mask[..., 4] = 1.0                                   # the kernel's centre point
    out = dcnv3_sample(x, offset, mask.reshape(n, h, w, -1), group, offset_scale=1.0)
    assert torch.allclose(out, x, atol=1e-5)


def test_dcnv3_points_are_the_3x3_neighbourhood_zero_padded():
    x = _input()
    n, h, w, c = x.shape
    offset = torch.zeros(n, h, w, 9 * 2)
    mask = torch.full((n, h, w, 9), 1.0 / 9)
    out = dcnv3_sample(x, offset, mask, group=1, offset_scale=1.0)
    box = torch.nn.functional.avg_pool2d(x.permute(0, 3, 1, 2), 3, stride=1, padding=1,
                                         count_include_pad=True).permute(0, 2, 3, 1)
    assert torch.allclose(out, box, atol=1e-5)


def test_dcnv3_offsets_move_a_point_by_whole_pixels():
    x = _input()
    n, h, w, c = x.shape
    offset = torch.zeros(n, h, w, 9, 2)
    offset[..., 4, 0] = 1.0                              # the centre point, one pixel right
    mask = torch.zeros(n, h, w, 9)
    mask[..., 4] = 1.0
    out = dcnv3_sample(x, offset.reshape(n, h, w, -1), mask, group=1, offset_scale=1.0)
    shifted = torch.zeros_like(x)
    shifted[:, :, :-1] = x[:, :, 1:]
    assert torch.allclose(out, shifted, atol=1e-5)


def test_centre_feature_scale_mixes_sampled_output_and_projected_input():
    from bench.models.internimage import DCNv3

    torch.manual_seed(0)
    m = DCNv3(channels=8, group=2, offset_scale=1.0, dw_kernel_size=5, center_feature_scale=True).eval()
    x = torch.randn(1, 4, 4, 8)
    with torch.no_grad():
        # a gate of 1 everywhere returns the projected input through the output projection
        m.center_feature_scale_proj_bias.fill_(50.0)
        assert torch.allclose(m(x), m.output_proj(m.input_proj(x)), atol=1e-5)
