"""PSPNet / DeepLabv3 + MobileViTv2 (bench.models.mobilevitv2): exact counts, against apple/ml-cvnets
docs/source/en/general/README-model-zoo.md @ 0c0f798, Segmentation tables "ADE20K Dataset" (150
classes) and "Pascal VOC 2012 Dataset" (21 classes), column Parameters ("The number of
parameters reported does not include the auxiliary branches"). Every printed figure matches the
build at its table's class count. The models are registered at 150 classes;
the bench judges each params claim with its dataset's head (VOC: 21 classes)."""

from __future__ import annotations

import pytest
import torch

from bench.measure.params import count_params
from bench.models.mobilevitv2 import WIDTHS, MobileViTv2, MobileViTv2Seg

from .conftest import check_counts

COUNTS = {  # key: (without aux, aux, README ADE20K M); 150 classes
    "pspnet-mobilevitv2-0p5": (3_616_911, 240_790, 3.6),
    "pspnet-mobilevitv2-0p75": (6_246_151, 351_382, 6.2),
    "pspnet-mobilevitv2-1p0": (9_448_575, 461_974, 9.4),
    "pspnet-mobilevitv2-1p25": (13_224_183, 572_566, 13.2),
    "pspnet-mobilevitv2-1p5": (17_572_975, 768_534, 17.6),
    "pspnet-mobilevitv2-1p75": (22_494_951, 1_041_750, 22.5),
    "deeplabv3-mobilevitv2-0p5": (6_308_495, 240_790, 6.3),
    "deeplabv3-mobilevitv2-0p75": (9_576_455, 351_382, 9.6),
    "deeplabv3-mobilevitv2-1p0": (13_384_831, 461_974, 13.4),
    "deeplabv3-mobilevitv2-1p25": (17_733_623, 572_566, 17.7),
    "deeplabv3-mobilevitv2-1p5": (22_622_831, 768_534, 22.6),
    "deeplabv3-mobilevitv2-1p75": (28_052_455, 1_041_750, 28.1),
    "deeplabv3-mobilevitv2-2p0": (34_022_495, 1_356_438, 34.0),
}

VOC = {  # (head, width): (without aux at 21 classes, README VOC M)
    ("pspnet", "0p5"): (3_550_734, 3.6),
    ("pspnet", "0p75"): (6_179_974, 6.2),
    ("pspnet", "1p0"): (9_382_398, 9.4),
    ("pspnet", "1p25"): (13_158_006, 13.2),
    ("pspnet", "1p5"): (17_506_798, 17.5),   # ADE20K 17.6: the 150-class head
    ("deeplabv3", "0p5"): (6_242_318, 6.2),  # ADE20K 6.3: the 150-class head
    ("deeplabv3", "1p0"): (13_318_654, 13.3),
    ("deeplabv3", "1p25"): (17_667_446, 17.7),
    ("deeplabv3", "1p5"): (22_556_654, 22.6),
}

# The README's ImageNet-1k table (MobileViTv2 256x256), column Parameters: encoder + linear
# classifier on layer 5 (1000 classes).
IMAGENET = {"0p5": (1_370_593, 1.4), "0p75": (2_866_009, 2.9), "1p0": (4_901_841, 4.9),
            "1p25": (7_478_089, 7.5), "1p5": (10_594_753, 10.6), "1p75": (14_251_833, 14.3),
            "2p0": (18_449_329, 18.4)}


def _rounds_to(count: int, published_m: float) -> bool:
    return round(count / 1e6, 1) == published_m


@pytest.mark.parametrize("key", list(COUNTS))
def test_params(key):
    total, aux, readme = COUNTS[key]
    check_counts(key, total, aux)   # the README excludes the aux head: compare the total alone
    assert _rounds_to(total, readme)


@pytest.mark.parametrize("head, width", list(VOC))
def test_voc_params(head, width):
    total, readme = VOC[(head, width)]
    with torch.device("meta"):
        c = count_params(MobileViTv2Seg(head, WIDTHS[width], num_classes=21))
    assert c["total"] == total and _rounds_to(total, readme)
    assert COUNTS[f"{head}-mobilevitv2-{width}"][0] - total == (150 - 21) * 513


@pytest.mark.parametrize("width", list(IMAGENET))
def test_encoder_against_the_imagenet_table(width):
    total, readme = IMAGENET[width]
    with torch.device("meta"):
        enc = MobileViTv2(WIDTHS[width])
        n = sum(p.numel() for p in enc.parameters())
    c5 = enc.channels[-1]
    assert n + c5 * 1000 + 1000 == total and _rounds_to(total, readme)


def test_forward_returns_logits_at_input_size():
    model = MobileViTv2Seg("deeplabv3", 0.5, num_classes=21).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 96))
    assert out.shape == (1, 21, 64, 96)
