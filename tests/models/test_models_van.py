"""VAN + UperNet / Semantic FPN (bench.models.van): exact counts, against the official README.

Published: Visual-Attention-Network/VAN-Segmentation README.md @ 8285fc7, table "VAN + UperNet",
column Params (M, the whole EncoderDecoder with its auxiliary head). B5 is printed as 117 M;
the B5 config (configs/upernet/22k_pretrained/upernet_van_b5_512x512_160k_ade20k_22k.py: dims
96/192/480/768, depths 3/3/24/3, MLP ratios 8/8/4/4) builds 121.9 M: a finding, not tuned.
"""

from __future__ import annotations

import pytest
import torch

from bench.models.registry import get_spec

from .conftest import check_counts

COUNTS = {  # key: (without aux, aux, README M or None)
    "upernet-van-b0": (31_725_302, 407_702, 32),
    "upernet-van-b1": (43_060_310, 776_342, 44),
    "upernet-van-b2": (55_776_982, 776_342, 57),
    "upernet-van-b3": (73_964_118, 776_342, 75),
    "upernet-van-b4": (89_481_686, 776_342, 90),
    "upernet-van-b4-in22k": (89_481_686, 776_342, 90),
    "upernet-van-b5": (120_745_206, 1_144_982, None),
    "upernet-van-b6": (230_557_782, 923_798, 231),
    "fpn-van-b0": (7_984_374, 0, None),
    "fpn-van-b2": (30_332_118, 0, None),
}


@pytest.mark.parametrize("key", list(COUNTS))
def test_params(key):
    check_counts(key, *COUNTS[key])


def test_b5_differs_from_its_readme_row():
    total, aux, _ = COUNTS["upernet-van-b5"]
    assert round((total + aux) / 1e6, 1) == 121.9   # the README prints 117


def test_forward_shape():
    m = get_spec("fpn-van-b0").build()
    with torch.no_grad():
        assert tuple(m(torch.randn(1, 3, 64, 64)).shape) == (1, 150, 64, 64)
