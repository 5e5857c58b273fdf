"""Real-time CNNs and two seed models: exact parameter counts, output shapes, registry metadata.

Every count is `sum(p.numel() for p in model.parameters())` of the eval model at the registered
number of classes (auxiliary / training-only heads not built), measured on the meta device.
Where the authors publish a figure we compare with it and say where we read it; where ours
differs by more than rounding the comment says by how much and why (models are never tuned).
"""

from __future__ import annotations

import functools
import importlib

import pytest
import torch

# bench key -> family module that registers it
FAMILIES = {
    "bisenetv2": "bisenetv2",
    "stdc1": "stdc", "stdc2": "stdc",
    "ddrnet-23-slim": "ddrnet", "ddrnet-23": "ddrnet", "ddrnet-39": "ddrnet",
    "pidnet-s": "pidnet", "pidnet-m": "pidnet", "pidnet-l": "pidnet",
    "ppliteseg-t": "ppliteseg", "ppliteseg-b": "ppliteseg",
    "fc-drn-p-d-st": "fcdrn",
    "auto-deeplab-l": "autodeeplab",
}


def _spec(key: str):
    importlib.import_module(f"bench.models.{FAMILIES[key]}")  # registers the family
    from bench.models.registry import get_spec
    return get_spec(key)


@functools.cache
def _model(key: str, meta: bool = False) -> torch.nn.Module:
    spec = _spec(key)
    torch.manual_seed(0)
    with torch.device("meta" if meta else "cpu"):
        return spec.build(num_classes=spec.num_classes).eval()


def _count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


PARAMS = {
    # BiSeNet V2 as mmsegmentation builds it (no author code exists; see the module docstring),
    # FCN head with 1024 channels, booster heads not built. PaddleSeg docs/model_zoo_overview.md
    # (commit 02b1ed1b, "Summary table") lists 2.33M for its own BiSeNetv2, whose SegHead is
    # 128 wide instead of 1024: 1,051,008 fewer parameters in the head (test below), and
    # Paddle's ConvBNReLU convs keep a bias. The paper's own figure could not be opened here.
    "bisenetv2": 3_358_883,
    # STDC-Seg (MichaelFan01/STDC-Seg models/model_stages.py) without the aux / detail heads and
    # without the backbone's unused ImageNet classifier. The authors publish no parameter count
    # for the segmentation networks in their README. PaddleSeg docs/model_zoo_overview.md
    # (commit 02b1ed1b, "Summary table") lists its own re-implementation: STDC1-Seg50 8.29M,
    # STDC2-Seg50 12.33M; ours is 8.28M / 12.31M (-0.2%): consistent to 2 digits, and the
    # PaddleSeg module also holds training-only heads, so exact agreement is not expected.
    "stdc1": 8_275_104,
    "stdc2": 12_305_568,
    # DDRNet official segmentation/DDRNet_23_slim.py and DDRNet_23.py (augment=False). The
    # authors' repository README gives no parameter count; the paper's figures (5.7M / 20.1M)
    # could not be opened in a stored source here, so they are not asserted. Ours: 5.70M / 20.15M.
    "ddrnet-23-slim": 5_695_987,
    "ddrnet-23": 20_148_947,
    # DDRNet-39 (segmentation/DDRNet_39.py): no count in the README; ours 32.36M.
    "ddrnet-39": 32_360_275,
    # PIDNet official models/pidnet.py get_pred_model (augment=False). The README gives no
    # parameter count. PIDNet-S: 7.62M also in the third-party Hugging Face card aplux/PidNet
    # ("Number of parameters: 7.62M", built from the official code). The paper's table could not
    # be opened in a stored source, so -M / -L are pinned as ours only (28.54M / 36.94M).
    "pidnet-s": 7_625_715,
    "pidnet-m": 28_538_515,
    "pidnet-l": 36_939_571,
    # PP-LiteSeg (PaddleSeg pp_liteseg.py + configs) without the two training-only seg heads and
    # the unused STDCNet conv_last. Neither the PaddleSeg README for pp_liteseg nor its model zoo
    # overview lists a parameter count for PP-LiteSeg.
    "ppliteseg-t": 8_028_320,
    "ppliteseg-b": 12_234_752,
    # FC-DRN-P-D (ArantxaCasanova/fc-drn, setup_net_params('pools_ft_dils')), CamVid 11 classes,
    # the network its forward runs. Catalog (seed survey 000_120f5c55618baebb, model table,
    # column "para"): 3.9M. Ours is 3.63M (-7%): MISMATCH, explained and not adjusted: the
    # official module also creates `_pre`/`_post` dilated convs for the two 'dilation_mg'
    # transformations that its forward never calls (268,560 parameters); with them the module
    # holds 3,901,541 = 3.90M, which is the published figure (test below).
    "fc-drn-p-d-st": 3_632_981,
    # Auto-DeepLab-L (F=48), hnasnet genotype + ASPP + DeepLabv3+ decoder with plain 3x3 convs.
    # Paper (arXiv 1901.02985) Table 2, "Params" column, row Auto-DeepLab-L: 44.42M: matches
    # (44,424,691). The -S and -M rows match too (test below).
    "auto-deeplab-l": 44_424_691,
}


@pytest.mark.parametrize("key", sorted(PARAMS))
def test_param_count(key: str) -> None:
    assert _count(_model(key, meta=True)) == PARAMS[key]


def test_every_family_model_is_pinned() -> None:
    assert set(PARAMS) == set(FAMILIES)


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_forward_shape(key: str) -> None:
    spec = _spec(key)
    with torch.no_grad():
        y = _model(key)(torch.randn(1, 3, 64, 128))
    assert tuple(y.shape) == (1, spec.num_classes, 64, 128)
    assert torch.isfinite(y).all()


SETTINGS = {  # key -> (paper id, classes, input size (H, W))
    "bisenetv2": ("bisenetv2", 19, (1024, 2048)),
    "stdc1": ("stdc", 19, (512, 1024)), "stdc2": ("stdc", 19, (512, 1024)),
    "ddrnet-23-slim": ("ddrnet", 19, (1024, 2048)), "ddrnet-23": ("ddrnet", 19, (1024, 2048)),
    "ddrnet-39": ("ddrnet", 19, (1024, 2048)),
    "pidnet-s": ("pidnet", 19, (1024, 2048)), "pidnet-m": ("pidnet", 19, (1024, 2048)),
    "pidnet-l": ("pidnet", 19, (1024, 2048)),
    "ppliteseg-t": ("pp-liteseg", 19, (512, 1024)), "ppliteseg-b": ("pp-liteseg", 19, (512, 1024)),
}


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_registered_claim_setting(key: str) -> None:
    spec = _spec(key)
    assert (spec.paper, spec.num_classes, spec.input_size) == SETTINGS[key]
    assert spec.official_code.startswith("https://github.com/")


# --- family-specific checks ---------------------------------------------------------------

@pytest.mark.parametrize("layers,expected", [((2, 2, 2), 8_443_552), ((4, 5, 3), 12_474_016)])
def test_stdc_backbone_with_imagenet_classifier(layers, expected) -> None:
    # STDCNet813 / STDCNet1446 as the official nets/stdcnet.py builds them for ImageNet: our
    # feature extractor + conv_last (1x1 1024->1024 + BN), fc (1024x1024), BatchNorm1d, linear
    # (1024x1000), all without bias. 8.44M / 12.47M.
    from bench.models.stdc import STDCNet
    with torch.device("meta"):
        trunk = _count(STDCNet(layers))
    assert trunk + (1024 * 1024 + 2048) + 1024 * 1024 + 2048 + 1024 * 1000 == expected


def test_stdc_official_module_holds_unused_parameters() -> None:
    # model_stages.BiSeNet as instantiated by the official code also holds the aux heads
    # conv_out16/32 (ConvBNReLU 128->64 3x3 + 1x1 64->19 each), the detail heads sp2/4/8/16
    # (ConvBNReLU c->64 3x3 + 1x1 64->1) and the backbone classifier; none runs at inference.
    aux = 2 * (128 * 64 * 9 + 128 + 64 * 19)
    detail = sum(c * 64 * 9 + 128 + 64 for c in (32, 64, 256, 512))
    classifier = (1024 * 1024 + 2048) + 1024 * 1024 + 2048 + 1024 * 1000
    assert PARAMS["stdc1"] + aux + detail + classifier == 12_048_928


def test_pidnet_s_and_m_use_pappm_l_uses_dappm() -> None:
    from bench.models.ddrnet import DAPPM
    from bench.models.pidnet import PAPPM
    assert isinstance(_model("pidnet-s", meta=True).spp, PAPPM)
    assert isinstance(_model("pidnet-l", meta=True).spp, DAPPM)
    assert _model("pidnet-m", meta=True).spp.process[-1].groups == 4


def test_ddrnet_stem_convs_keep_their_bias() -> None:
    stem = _model("ddrnet-23", meta=True).conv1
    assert stem[0].bias is not None and stem[3].bias is not None


def test_bisenetv2_head_width_explains_paddleseg_gap() -> None:
    # mmseg FCNHead(128 -> 1024 -> 19) vs PaddleSeg SegHead(128 -> 128 -> 19); conv3x3 without
    # bias + BN (2 per channel), conv1x1 with bias.
    head = lambda mid: 128 * mid * 9 + 2 * mid + mid * 19 + 19  # noqa: E731
    assert _count(_model("bisenetv2", meta=True).head) == head(1024)
    assert head(1024) - head(128) == 1_051_008


def test_fcdrn_official_module_count_includes_dead_dilated_convs() -> None:
    from bench.models.fcdrn import unused_mg_parameters
    assert unused_mg_parameters() == 268_560
    assert PARAMS["fc-drn-p-d-st"] + unused_mg_parameters() == 3_901_541  # "3.9M"


@pytest.mark.parametrize("size", [(50, 70), (51, 77)])
def test_fcdrn_crops_to_odd_sizes(size) -> None:
    # ceil-mode pools and nearest x2 upsampling + centre crop, as the official Upsample_conv
    with torch.no_grad():
        y = _model("fc-drn-p-d-st")(torch.randn(1, 3, *size))
    assert tuple(y.shape[-2:]) == size


@pytest.mark.parametrize("f,separable,expected", [
    # paper Table 2: Auto-DeepLab-S 10.15M (F=20), -M 21.62M (F=32), -L 44.42M (F=48)
    (20, False, 10_147_427), (32, False, 21_622_451), (48, False, 44_424_691),
    # DeepLab common.py defaults (separable ASPP and decoder convs): no row of Table 2 matches
    (48, True, 40_350_691),
])
def test_auto_deeplab_variants_match_paper_table2(f: int, separable: bool, expected: int) -> None:
    from bench.models.autodeeplab import AutoDeepLab
    with torch.device("meta"):
        model = AutoDeepLab(19, filter_multiplier=f, separable_head=separable)
    assert _count(model) == expected


def test_auto_deeplab_l_is_the_catalog_model() -> None:
    spec = _spec("auto-deeplab-l")
    assert spec.model_id == "auto-deeplab" and spec.catalog_model == "auto-deeplab"
    # cell widths follow the searched path: 5 blocks x F x 2**level, F = 48
    from bench.models.autodeeplab import BACKBONE
    cells = _model("auto-deeplab-l", meta=True).cells
    assert [c.pre[1].out_channels for c in cells] == [48 * 2 ** lvl for lvl in BACKBONE]


@pytest.mark.parametrize("key", ["ddrnet-23-slim", "ddrnet-39", "pidnet-s"])
def test_dual_resolution_size_constraint_is_a_clear_error(key: str) -> None:
    # the official forward resizes to (H // 8, W // 8); other sizes cannot be fused
    with pytest.raises(ValueError, match="divisible by 8"):
        _model(key)(torch.randn(1, 3, 50, 70))


@pytest.mark.parametrize("key", ["bisenetv2", "stdc1", "ppliteseg-t", "auto-deeplab-l"])
def test_odd_input_sizes(key: str) -> None:
    with torch.no_grad():
        y = _model(key)(torch.randn(1, 3, 50, 70))
    assert tuple(y.shape[-2:]) == (50, 70)
