"""Conflicts: disagreeing numbers under equal settings/conditions, and errata. Not errors."""

from __future__ import annotations

import json

from catalog.checks import find_conflicts
from catalog.cli import app
from catalog.load import load_with_lines

# The FCN-8s VOC2012 test case of DESIGN.md: 62.2 in the paper, 67.2 on the leaderboard, same
# settings -> a conflict. The 67.2 with COCO pre-training is a different setting: no conflict.
# Efficiency numbers below are made up for the rules; they are test data, not catalog content.
FIXTURE = """\
- id: fcn
  title: Fully Convolutional Networks for Semantic Segmentation
  year: 2015
  models:
    - {id: fcn8s, name: FCN-8s}
    - {id: fcn32s, name: FCN-32s}
  results:
    - {model: fcn8s, dataset: voc2012, split: test, value: 62.2, setting: {extra_data: []}, sources: [{ref: paper, where: Table 3}, {ref: 001_48835b735b05f6a6}]}
    - {model: fcn8s, dataset: voc2012, split: test, value: 67.2, setting: {extra_data: []}, sources: [{ref: voc-leaderboard}]}
    - {model: fcn8s, dataset: voc2012, split: test, value: 67.2, setting: {extra_data: [coco]}, sources: [{ref: voc-leaderboard}]}
    - {model: fcn8s, dataset: voc2012, split: val, value: 62.7, sources: [{ref: paper, where: Table 2}]}
    - {model: fcn8s, dataset: voc2012, split: val, metric: pixel-acc, value: 90.3, sources: [{ref: paper, where: Table 2}]}
  efficiency:
    - {model: fcn8s, quantity: params, value: 134, unit: M, bound: "~", sources: [{ref: 000_120f5c55618baebb}]}
    - {model: fcn8s, quantity: params, value: 134500000, unit: count, sources: [{ref: paper, where: Table 1}]}
    - {model: fcn8s, quantity: latency, value: 175, unit: ms, hardware: Titan X, sources: [{ref: 000_120f5c55618baebb}]}
    - {model: fcn8s, quantity: latency, value: 0.5, unit: s, hardware: K40, sources: [{ref: 002_b6762589af1199bb}]}
    - {model: fcn32s, quantity: params, value: 134.3, unit: M, sources: [{ref: 000_120f5c55618baebb}]}
    - {model: fcn32s, quantity: params, value: 0.1345, unit: B, sources: [{ref: paper, where: Table 1}]}
    - {model: fcn32s, quantity: flops, value: 1, unit: G, bound: "<", input_size: 500x500, sources: [{ref: 000_120f5c55618baebb}]}
    - {model: fcn32s, quantity: flops, value: 800, unit: M, input_size: 500x500, sources: [{ref: 002_b6762589af1199bb}]}
    - {model: fcn32s, quantity: macs, value: 1, unit: G, bound: "<", input_size: 500x500, sources: [{ref: 000_120f5c55618baebb}]}
    - {model: fcn32s, quantity: macs, value: 1.2, unit: G, input_size: 500x500, sources: [{ref: 002_b6762589af1199bb}]}
  errata:
    - {field: title, stated: Fully Convolutional Network for Segmentation, correct: Fully Convolutional Networks for Semantic Segmentation, sources: [{ref: 003_a4ae7a397f57721f}]}
"""


def _conflicts(write):
    cat, where = load_with_lines(write(FIXTURE))
    return find_conflicts(cat, where)


def test_result_conflict_fcn8s_62_2_vs_67_2(write):
    [res] = [c for c in _conflicts(write) if c.kind == "result"]
    assert res.model == "fcn8s"
    assert res.subject == "fcn8s: miou on voc2012"
    assert res.status == "conflict"
    assert res.basis == "stated alike by both sides: split, extra_data"
    assert [(s.value, s.sources, s.line, s.location) for s in res.sides] == [
        (62.2, ["paper (Table 3)", "001_48835b735b05f6a6"], 8, "fcn.results[0]"),
        (67.2, ["voc-leaderboard"], 9, "fcn.results[1]"),
    ]


def test_efficiency_conflicts_respect_rounding_bounds_and_units(write):
    eff = [c for c in _conflicts(write) if c.kind == "efficiency"]
    # params 134M~ vs 134,500,000: agree within '~'; latency on different hardware: not
    # compared; 134.3M vs 0.1345B: apart beyond rounding; flops < 1G vs 800M: agree;
    # macs < 1G vs 1.2G: conflict.
    assert [(c.subject, [(s.value, s.unit, s.bound) for s in c.sides]) for c in eff] == [
        ("fcn32s: params [conditions unstated]", [(134.3, "M", "="), (0.1345, "B", "=")]),
        ("fcn32s: macs [500x500]", [(1.0, "G", "<"), (1.2, "G", "=")]),
    ]


def test_errata_are_listed(write):
    [err] = [c for c in _conflicts(write) if c.kind == "erratum"]
    assert err.subject == "fcn: wrong title in a source"
    assert err.stated == "Fully Convolutional Network for Segmentation"
    assert err.sides[0].sources == ["003_a4ae7a397f57721f"]
    assert err.sides[0].line == 25


def test_no_conflicts_in_consistent_catalog(valid_text, write):
    cat, where = load_with_lines(write(valid_text))
    assert find_conflicts(cat, where) == []


def test_cli_conflicts_text_and_json(write, runner):
    path = write(FIXTURE)
    result = runner.invoke(app, ["conflicts", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "[result] fcn8s: miou on voc2012",
        "    comparable because: stated alike by both sides: split, extra_data",
        "    62.2 [test set, official server (server implied by the dataset), no extra data]  <- paper (Table 3), 001_48835b735b05f6a6  (fcn.results[0], line 8)",
    ]
    assert result.stdout.splitlines()[-1] == "4 conflict(s): 2 efficiency, 1 erratum, 1 result"

    result = runner.invoke(app, ["conflicts", "--json", str(path)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [c["kind"] for c in data] == ["result", "efficiency", "efficiency", "erratum"]
    assert data[0]["sides"][1] == {"value": 67.2, "unit": None, "bound": "=",
                                   "sources": ["voc-leaderboard"], "paper": "fcn",
                                   "location": "fcn.results[1]", "line": 9,
                                   "detail": "test set, official server (server implied by the dataset), "
                                             "no extra data",
                                   "row": "fcn8s-voc2012-miou-test-official-67-2"}
    assert (data[0]["dataset"], data[0]["metric"]) == ("voc2012", "miou")
    assert data[3]["correct"] == "Fully Convolutional Networks for Semantic Segmentation"
    assert data[3]["sides"][0]["value"] is None


def test_3000_results_of_one_model_make_one_conflict_per_setting():
    # Issue 20: 3,000 scores of one model (a 420 KB file) once took 52 s and 1.5 GB (every pair
    # compared). Grouped by model and protocol, compared within groups: one conflict per
    # setting, every score a side of it, in seconds (values that round alike share a side).
    from catalog.load import parse_catalog

    rows = "\n".join(
        f"    - {{model: m, dataset: cityscapes, split: val, value: {50 + i / 100}, setting: "
        f"{{crop_size: {512 + (i % 7) * 8}x{512 + (i % 7) * 8}}}, sources: [{{ref: paper, "
        f"where: 'Table {i}'}}]}}" for i in range(3000))
    text = (f"- id: p\n  title: P\n  year: 2020\n  models:\n    - {{id: m, name: M}}\n"
            f"  results:\n{rows}\n")
    cat, where, issues = parse_catalog(text, "F")
    assert not issues
    found = find_conflicts(cat, where)
    assert len(found) == 7 and all(c.kind == "result" and len(c.sides) > 400 for c in found)
