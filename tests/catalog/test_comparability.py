"""Settings that can say "unknown" (issue 8): schema rules, migration rules on the real catalog,
and the conflict rules on small fixtures."""

from __future__ import annotations

import pytest

from catalog import DEFAULT_CATALOG
from catalog.checks import compare, find_conflicts
from catalog.cli import app
from catalog.load import load_catalog
from catalog.sources import SEEDS, SOURCES

PAPER = """\
- id: fcn
  title: Fully Convolutional Networks for Semantic Segmentation
  year: 2015
  models:
    - {id: fcn8s, name: FCN-8s}
    - {id: fcn8s-mmseg, name: FCN-8s (mmsegmentation), implementation: mmsegmentation}
  results:
"""


def _load(write, results: str):
    return load_catalog(write(PAPER + results))


def _validate(write, runner, results: str):
    path = write(PAPER + results)
    out = runner.invoke(app, ["validate", str(path)])
    return out.exit_code, out.stdout


# --------------------------------------------------------------------------- three states


def test_extra_data_absent_is_unknown_and_empty_is_none(write):
    cat = _load(write, """\
    - {model: fcn8s, dataset: voc2012, split: val, value: 60.0, sources: [{ref: paper, where: T1}]}
    - {model: fcn8s, dataset: voc2012, split: val, value: 61.0, setting: {extra_data: []}, sources: [{ref: paper, where: T1}]}
""")
    unknown, none = cat.papers[0].results
    assert unknown.setting.extra_data is None and unknown.setting.pretraining is None
    assert none.setting.extra_data == []
    assert unknown.setting.tta is None


@pytest.mark.parametrize("setting,line_word", [
    ("{pretraining: [imagenet-99k]}", "pretraining"),
    ("{extra_data: [jft]}", "extra data"),
    ("{inference: sliding}", "inference"),
])
def test_vocabulary_words_outside_the_lists_are_located(write, runner, setting, line_word):
    code, out = _validate(write, runner, f"""\
    - {{model: fcn8s, dataset: voc2012, split: val, value: 60.0, setting: {setting}, sources: [{{ref: paper, where: T1}}]}}
""")
    assert code == 1
    assert ":8:" in out and "fcn.results[0].setting" in out, out


def test_server_only_with_test_split(write, runner):
    code, out = _validate(write, runner, """\
    - {model: fcn8s, dataset: voc2012, split: val, server: official, value: 60.0, sources: [{ref: paper, where: T1}]}
""")
    assert code == 1 and ":8:" in out and "'server' only applies to split 'test'" in out, out


def test_grade_is_primary_when_any_source_is_the_authors(write):
    cat = _load(write, """\
    - {model: fcn8s, dataset: voc2012, split: val, value: 60.0, sources: [{ref: 001_48835b735b05f6a6}]}
    - {model: fcn8s, dataset: voc2012, split: val, value: 61.0, sources: [{ref: 001_48835b735b05f6a6}, {ref: paper, where: T1}]}
""")
    assert [r.grade for r in cat.papers[0].results] == ["secondary", "primary"]
    assert all(SOURCES[s].grade == "secondary" for s in SEEDS)


def test_a_reproduction_never_speaks_for_the_papers_model(write, runner):
    code, out = _validate(write, runner, """\
    - {model: fcn8s, dataset: voc2012, split: val, value: 60.0, sources: [{ref: mmsegmentation, url: 'https://github.com/open-mmlab/mmsegmentation'}]}
    - {model: fcn8s-mmseg, dataset: voc2012, split: val, value: 60.0, sources: [{ref: mmsegmentation, url: 'https://github.com/open-mmlab/mmsegmentation'}]}
""")
    assert code == 1
    assert out.count("is a re-implementation") == 1 and "fcn.results[0].sources[0].ref" in out, out


def test_relative_claims_need_both_fields_and_a_catalog_model(write, runner):
    head = PAPER.replace("  results:\n", "") + "  efficiency:\n"
    no_model = "    - {model: fcn8s, quantity: params, relative_to: segnet, value: 79, unit: x, sources: [{ref: paper, where: T1}]}\n"
    no_ref = "    - {model: fcn8s, quantity: params, value: 79, unit: x, sources: [{ref: paper, where: T1}]}\n"
    out = runner.invoke(app, ["validate", str(write(head + no_model))]).stdout
    assert ":8:" in out and "'segnet' is not a model of the catalog" in out, out
    out = runner.invoke(app, ["validate", str(write(head + no_ref))]).stdout
    assert ":8:" in out and "a relative claim needs both 'relative_to' and unit 'x'" in out, out


@pytest.mark.parametrize("value", ["yes", "'62.2'", ".inf", "1e400"])
def test_numbers_are_numbers(write, runner, value):
    code, out = _validate(write, runner, f"""\
    - {{model: fcn8s, dataset: voc2012, split: val, value: {value}, sources: [{{ref: paper, where: T1}}]}}
""")
    assert code == 1 and "fcn.results[0].value" in out, out


def test_implausible_efficiency_and_reserved_ids_and_hidden_characters(write, runner):
    text = PAPER.replace("  results:\n", "") + """\
  efficiency:
    - {model: fcn8s, quantity: params, value: 1e29, unit: M, sources: [{ref: paper, where: T1}]}
- id: index
  title: "A title with a zero\\u200bwidth space"
  year: 2020
"""
    out = runner.invoke(app, ["validate", str(write(text))]).stdout
    assert "not a plausible params value" in out
    assert "'index' is reserved" in out
    assert "U+200B" in out


# --------------------------------------------------------------------------- conflict rules


def test_equal_settings_conflict_unknowns_are_possible_and_stated_differences_are_not(write):
    cat = _load(write, """\
    - {model: fcn8s, dataset: voc2012, split: test, value: 62.2, setting: {extra_data: []}, sources: [{ref: paper, where: T3}]}
    - {model: fcn8s, dataset: voc2012, split: test, value: 67.2, setting: {extra_data: []}, sources: [{ref: voc-leaderboard}]}
    - {model: fcn8s, dataset: voc2012, split: test, value: 70.0, setting: {extra_data: [coco]}, sources: [{ref: paper, where: T4}]}
    - {model: fcn8s, dataset: cityscapes, split: val, value: 65.0, setting: {extra_data: []}, sources: [{ref: paper, where: T5}]}
    - {model: fcn8s, dataset: cityscapes, split: val, value: 66.0, sources: [{ref: 001_48835b735b05f6a6}]}
""")
    voc_a, voc_b, voc_coco, city_none, city_unknown = cat.papers[0].results
    assert compare(voc_a, voc_b) == (["split", "extra_data"], [])
    assert compare(voc_a, voc_coco) is None                   # stated differently: two experiments
    assert compare(city_none, city_unknown) == (["split"], ["extra_data"])
    found = {(c.dataset, c.status): c for c in find_conflicts(cat) if c.kind == "result"}
    assert set(found) == {("voc2012", "conflict"), ("cityscapes", "possible")}
    assert {s.value for s in found[("voc2012", "conflict")].sides} == {62.2, 67.2}
    assert "stated by one side only: extra_data" in found[("cityscapes", "possible")].basis


def test_the_same_number_on_two_models_of_a_paper_is_reported(write):
    cat = _load(write, """\
    - {model: fcn8s, dataset: voc2012, split: val, value: 62.2, sources: [{ref: paper, where: T3}]}
    - {model: fcn8s-mmseg, dataset: voc2012, split: val, value: 62.2, sources: [{ref: mmsegmentation, url: 'https://github.com/open-mmlab/mmsegmentation'}]}
""")
    [same] = [c for c in find_conflicts(cat) if c.kind == "same-number"]
    assert same.status == "possible" and "fcn8s, fcn8s-mmseg" in same.subject


# --------------------------------------------------------------------------- the real catalog

real = pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="no data/papers.yaml")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DEFAULT_CATALOG)


@real
def test_seed_tables_never_give_a_split_or_a_none(catalog):
    """Seeds 000 and 001 name no split and never say "no extra data": unknown stays unknown."""
    tables = {"000_120f5c55618baebb", "001_48835b735b05f6a6"}
    for p in catalog.papers:
        for r in p.results:
            if {s.ref for s in r.sources} <= tables:
                assert r.split == "unspecified", (p.id, r.model, r.value)
                assert r.setting.extra_data != [], (p.id, r.model, r.value)


@real
def test_reimplementations_are_their_own_models(catalog):
    for p in catalog.papers:
        impl = {m.id: m.implementation for m in p.models}
        for claim in [*p.results, *p.efficiency]:
            kinds = {SOURCES[s.ref].kind for s in claim.sources}
            if kinds & {"reimplementation", "library"}:
                assert impl[claim.model], (p.id, claim.model)


@real
def test_multiply_add_counts_are_stored_as_macs(catalog):
    for p in catalog.papers:
        for e in p.efficiency:
            if any(s.ref == "torchvision" for s in e.sources) and e.quantity in ("flops", "macs"):
                assert e.quantity == "macs", e.model
            if e.model == "espnetv2" and e.quantity in ("flops", "macs"):
                assert e.quantity == "macs"


@real
def test_voc_numbers_marked_coco_by_one_source(catalog):
    """PSPNet's 85.4 is +COCO per seeds 001 and 004; the abstract's 85.4, silent on COCO, is
    unknown rather than "none", so a board of stated-none rows cannot rank it."""
    results, _ = catalog.claims_for("pspnet")
    voc = [r for r in results if r.dataset == "voc2012" and round(r.value, 1) == 85.4]
    assert {("coco" in (r.setting.extra_data or []), r.setting.extra_data is None) for r in voc} == {
        (True, False), (False, True)}
    assert not any(r.setting.extra_data == [] for r in voc)


@real
def test_enet_claims_are_relative_to_segnet(catalog):
    _, eff = catalog.claims_for("enet")
    assert {(e.quantity, e.value, e.relative_to, e.bound) for e in eff} == {
        ("latency", 18, "segnet", "<="), ("flops", 75, "segnet", "="), ("params", 79, "segnet", "=")}
