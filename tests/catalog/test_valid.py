"""Valid catalogs load; the real catalog (once merged) validates."""

from __future__ import annotations

import subprocess
import sys

import pytest

from catalog import DEFAULT_CATALOG, REPO_ROOT
from catalog.cli import app
from catalog.load import load_catalog, parse_catalog


def test_valid_catalog_passes(valid_text, second_text, write, runner):
    path = write(valid_text + second_text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"{path}: OK: 2 papers, 2 models, 1 results, "
                             "1 efficiency claims, 0 errata\n")
    cat = load_catalog(path)
    assert [p.id for p in cat.papers] == ["fcn", "segnet"]
    assert cat.paper("fcn").results[0].value == 62.2


def test_anchors_aliases_and_merge_keys_are_plain_data():
    text = """\
- id: x
  title: X
  year: 2020
  models: [{id: x, name: X}]
  results:
    - &r {model: x, dataset: camvid, split: test, value: 60.1, sources: &s [{ref: paper, where: T1}]}
    - {<<: *r, value: 61.5, setting: {flip: true}}
  efficiency:
    - {model: x, quantity: fps, value: 30, unit: fps, sources: *s}
"""
    cat, where, issues = parse_catalog(text)
    assert issues == []
    r0, r1 = cat.papers[0].results
    assert (r1.dataset, r1.value, r1.setting.flip, r1.sources) == ("camvid", 61.5, True, r0.sources)
    assert where.line((0, "results", 1, "value")) == 7


def test_python_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "catalog", "--help"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("validate", "conflicts", "export", "stats", "schema"):
        assert command in out.stdout


def test_stats(valid_text, second_text, write, runner):
    result = runner.invoke(app, ["stats", str(write(valid_text + second_text))])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "2 papers, 2 models, 1 results, 1 efficiency claims"
    assert "voc2012" in result.stdout and "000_120f5c55618baebb" in result.stdout


@pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="data/papers.yaml not merged yet")
def test_the_catalog_validates(runner):
    result = runner.invoke(app, ["validate", str(DEFAULT_CATALOG)])
    assert result.exit_code == 0, result.stdout
