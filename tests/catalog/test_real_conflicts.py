"""The disagreements between the seed surveys that the catalog must keep visible."""

import pytest

from catalog import DEFAULT_CATALOG
from catalog.checks import find_conflicts
from catalog.load import load_catalog

pytestmark = pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="no data/papers.yaml")


@pytest.fixture(scope="module")
def conflicts():
    return find_conflicts(load_catalog(DEFAULT_CATALOG))


def _values(conflicts, kind, model):
    return {s.value for c in conflicts if c.kind == kind and c.model == model for s in c.sides}


def test_fcn8s_voc_62_2_vs_67_2(conflicts):
    assert {62.2, 67.2} <= _values(conflicts, "result", "fcn8s")


def test_refinenet_83_4_vs_84_2(conflicts):
    # 83.4 (seeds 000/001, +COCO) vs 84.2 (seed 004: +COCO, multi-scale, CRF): seeds 000/001
    # leave multi-scale and CRF unstated, so the two may describe the same submission.
    assert {83.4, 84.2} <= _values(conflicts, "result", "refinenet-resnet101")


def test_fcn_latency_175ms_vs_a_third_of_a_second(conflicts):
    assert {175, 0.333} <= _values(conflicts, "efficiency", "fcn8s")


def test_deeplabv3plus_code_link_to_dilation_repo(conflicts):
    stated = [c.stated for c in conflicts if c.kind == "erratum"]
    assert "https://github.com/fyu/dilation" in stated


def test_different_extra_data_is_no_conflict(conflicts):
    # PSPNet 85.4 +COCO (seed 001) and 82.6 without COCO are different experiments. (The
    # abstract's 85.4 quoted without a word on COCO may still be flagged against 82.6.)
    for c in conflicts:
        if c.kind == "result" and c.model == "pspnet":
            assert not any(s.value == 85.4 and "+coco" in s.detail for s in c.sides)
