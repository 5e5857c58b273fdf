"""Reproduction verdicts: the rules on a fixture catalog, and the imported zoo on the real one."""

from __future__ import annotations

import pytest

from catalog.load import load_catalog, parse_catalog
from catalog.reproductions import (
    ACCURACY_TOLERANCE,
    count_verdicts,
    reproduction_verdicts,
    verdicts_by_row,
)

SRC = "sources: [{ref: paper, where: 'Table 1 (arXiv 2001.00001v1)'}]"
ZOO = "sources: [{ref: mmsegmentation, url: 'https://github.com/o/r/blob/" + "a" * 40 + "/m.yaml'}]"

FIXTURE = f"""
- id: net
  title: A Net
  year: 2020
  models:
  - {{id: net-a, name: Net-A, backbone: R-50}}
  - {{id: net-b, name: Net-B, backbone: ResNet-101}}
  - {{id: net-c, name: Net-C}}
  - {{id: net-a-zoo, name: Net-A (zoo), backbone: R-50-D8, implementation: mmsegmentation, reproduces: net-a}}
  - {{id: net-a-zoo-long, name: Net-A (zoo long), implementation: mmsegmentation, reproduces: net-a}}
  - {{id: net-b-zoo, name: Net-B (zoo), backbone: resnet 101, implementation: mmsegmentation, reproduces: net-b}}
  - {{id: net-b-zoo-fpn, name: Net-B FPN (zoo), backbone: ResNet-101, implementation: mmsegmentation}}
  results:
  - {{model: net-a, dataset: ade20k, split: val, value: 45.0, setting: {{crop_size: 512x512, multi_scale: false}}, {SRC}}}
  - {{model: net-a, dataset: ade20k, split: val, value: 46.0, setting: {{crop_size: 512x512, multi_scale: true}}, {SRC}}}
  - {{model: net-a, dataset: ade20k, split: val, value: 48.0, setting: {{crop_size: 640x640, multi_scale: false}}, {SRC}}}
  - {{model: net-a, dataset: cityscapes, split: val, value: 80.0, setting: {{multi_scale: false, flip: false}}, {SRC}}}
  - {{model: net-a, dataset: cityscapes, split: test, value: 79.0, setting: {{multi_scale: false}}, {SRC}}}
  - {{model: net-a, dataset: pascal-context-59, split: val, value: 50.0, {SRC}}}
  - {{model: net-b, dataset: ade20k, split: unspecified, value: 40.0, setting: {{multi_scale: false}}, {SRC}}}
  - {{model: net-c, dataset: voc2012, split: val, value: 70.0, setting: {{multi_scale: false}}, {SRC}}}
  - {{model: net-a-zoo, dataset: ade20k, split: val, value: 44.0, setting: {{crop_size: 512x512, multi_scale: false, flip: false}}, {ZOO}}}
  - {{model: net-a-zoo-long, dataset: ade20k, split: val, value: 45.3, setting: {{crop_size: 512x512, multi_scale: false, flip: false}}, {ZOO}}}
  - {{model: net-a-zoo, dataset: ade20k, split: val, value: 47.0, setting: {{crop_size: 512x512, multi_scale: true, flip: true}}, {ZOO}}}
  - {{model: net-a-zoo, dataset: cityscapes, split: val, value: 78.9, setting: {{crop_size: 512x1024, multi_scale: false, flip: false}}, {ZOO}}}
  - {{model: net-a-zoo, dataset: pascal-context-59, split: val, value: 49.0, setting: {{multi_scale: false}}, {ZOO}}}
  - {{model: net-b-zoo, dataset: ade20k, split: val, value: 40.2, setting: {{crop_size: 512x512, multi_scale: false}}, {ZOO}}}
  - {{model: net-b-zoo-fpn, dataset: ade20k, split: val, value: 38.0, setting: {{crop_size: 512x512, multi_scale: false}}, {ZOO}}}
"""


@pytest.fixture(scope="module")
def verdicts():
    cat, _, issues = parse_catalog(FIXTURE, "fixture.yaml")
    assert not issues, issues
    return {(v.model, v.dataset, v.claimed): v for v in reproduction_verdicts(cat)}


def test_same_protocol_within_tolerance_is_reproduced_by_the_nearest(verdicts):
    v = verdicts[("net-a", "ade20k", 45.0)]
    assert v.verdict == "reproduced" and v.reproduced == 45.3 and v.by.model == "net-a-zoo-long"
    assert {r.value for r in v.same} == {44.0, 45.3}          # both judged candidates are listed
    assert v.unstated == ("flip",)                             # the paper does not state flip
    assert v.tolerance == f"±{ACCURACY_TOLERANCE:g} points"
    assert v.words == ("re-trained by mmsegmentation: 45.3 (within ±0.5 points of 45); "
                       "stated by one side only: flip")


def test_lower_and_higher_say_by_how_much(verdicts):
    low = verdicts[("net-a", "cityscapes", 80.0)]
    assert low.verdict == "lower" and low.delta == pytest.approx(-1.1)
    assert "lower by 1.1 points than 80" in low.words and low.unstated == ("crop_size",)
    high = verdicts[("net-a", "ade20k", 46.0)]   # multi-scale claim against the zoo's ms+flip
    assert high.verdict == "higher" and high.delta == pytest.approx(1.0)


def test_other_settings_are_shown_beside_not_judged(verdicts):
    crop = verdicts[("net-a", "ade20k", 48.0)]
    assert crop.verdict == "other-settings" and crop.reproduced is None
    assert {(b.value, b.differs) for b in crop.beside} >= {(44.0, ("crop_size",)), (45.3, ("crop_size",))}
    test = verdicts[("net-a", "cityscapes", 79.0)]
    assert test.verdict == "other-settings" and test.beside[0].differs == ("split",)
    silent = verdicts[("net-a", "pascal-context-59", 50.0)]   # the paper does not state TTA
    assert silent.verdict == "other-settings"
    assert silent.beside[0].differs == ("multi_scale (not stated by both)",)


def test_no_reproduction_is_said(verdicts):
    v = verdicts[("net-c", "voc2012", 70.0)]
    assert v.verdict == "none" and v.words == "no independent reproduction" and not v.beside


def test_tied_only_by_reproduces_never_by_backbone_and_assumed_split_named(verdicts):
    v = verdicts[("net-b", "ade20k", 40.0)]
    assert v.verdict == "reproduced" and v.by.model == "net-b-zoo"
    assert "split" in v.unstated   # ADE20K's usual split is assumed for the paper's number
    # The same backbone under another head, with no `reproduces`, is not this model's re-training.
    assert [r.model for r in v.same + v.beside] == ["net-b-zoo"]


def test_counts_every_kind(verdicts):
    counts = count_verdicts(list(verdicts.values()))
    assert counts.by_kind == {"reproduced": 2, "lower": 1, "higher": 1, "other-settings": 3, "none": 1}
    assert counts.judged == 4
    assert set(verdicts_by_row(list(verdicts.values()))) == {v.row for v in verdicts.values()}


# --------------------------------------------------------------------------- the real catalog


@pytest.fixture(scope="module")
def real():
    return load_catalog()


def test_the_zoo_is_imported_on_reimplementation_models_only(real):
    zoo = [(p, m) for p in real.papers for m in p.models if m.implementation == "mmsegmentation"]
    ids = {m.id for _, m in zoo}
    results = [r for p in real.papers for r in p.results if r.model in ids]
    assert len(results) >= 500
    assert len({p.id for p, _ in zoo}) >= 40
    impl = {m.id: m.implementation for p in real.papers for m in p.models}
    assert all(impl[r.model] for p in real.papers for r in p.results
               if any(s.ref == "mmsegmentation" for s in r.sources))


def test_real_verdicts(real):
    vs = reproduction_verdicts(real)
    counts = count_verdicts(vs)
    assert counts.judged >= 80
    v = next(x for x in vs if x.model == "segnext-l" and x.dataset == "ade20k" and x.claimed == 51.0)
    assert (v.verdict, v.reproduced, v.by.implementation) == ("reproduced", 50.99, "mmsegmentation")
    v = next(x for x in vs if x.model == "bisenet-resnet18" and x.claimed == 76.21)
    assert (v.verdict, v.reproduced) == ("lower", 75.16)
