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


def test_refinenet_unnamed_backbone_is_its_own_model():
    # Seeds 000/001 say only "RefineNet" (83.4, +COCO); 004 names ResNet-101 (84.2). The bare
    # name is not filed under a guessed backbone.
    cat = load_catalog(DEFAULT_CATALOG)
    results, _ = cat.claims_for("refinenet")
    assert {(r.dataset, r.value) for r in results} >= {("voc2012", 83.4), ("ade20k", 40.7)}
    results, _ = cat.claims_for("refinenet-resnet101")
    assert {r.value for r in results} == {84.2}


def test_same_number_on_two_variants_is_reported(conflicts):
    # DeepLab v3+ 87.8 on VOC: the seeds' "Xception" row and the official xception65 checkpoint.
    same = [c for c in conflicts if c.kind == "same-number" and c.dataset == "voc2012"
            and {s.value for s in c.sides} == {87.8}]
    assert same and same[0].status == "possible"
    assert "deeplabv3plus-xception" in same[0].subject and "deeplabv3plus-xception65" in same[0].subject


def test_fcn_latency_175ms_vs_a_third_of_a_second(conflicts):
    assert {175, 0.333} <= _values(conflicts, "efficiency", "fcn8s")


def test_deeplabv3plus_code_link_to_dilation_repo(conflicts):
    stated = [c.stated for c in conflicts if c.kind == "erratum"]
    assert "https://github.com/fyu/dilation" in stated


def test_different_extra_data_is_no_conflict():
    # PSPNet 85.4 +COCO (seed 004, leaderboard) and 82.6 without COCO (004, "no MSCOCO
    # pretraining") are different experiments; the abstract's 85.4, silent on COCO, may be either.
    from catalog.checks import compare
    cat = load_catalog(DEFAULT_CATALOG)
    results, _ = cat.claims_for("pspnet")
    voc = [r for r in results if r.dataset == "voc2012"]
    coco = next(r for r in voc if r.value == 85.4 and r.setting.extra_data == ["coco"] and r.split == "test")
    none = next(r for r in voc if r.value == 82.6 and r.setting.extra_data == [])
    unknown = next(r for r in voc if r.value == 85.4 and r.setting.extra_data is None)
    assert compare(coco, none) is None
    equal, unstated = compare(unknown, none)
    assert "extra_data" in unstated


def test_a_bare_name_is_related_to_the_named_variant_as_a_possible_conflict(conflicts):
    # The seeds' bare "RefineNet" 83.4 may be the leaderboard's ResNet-101 84.2: a possible
    # conflict (the variant is unnamed on one side), never silence.
    [c] = [c for c in conflicts if c.kind == "result" and c.dataset == "voc2012"
           and {s.value for s in c.sides} >= {83.4, 84.2} and "refinenet" in c.subject]
    assert c.status == "possible" and "model variant" in c.reason
