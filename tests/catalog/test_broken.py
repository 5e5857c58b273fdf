"""Broken catalogs: `catalog validate` exits 1 and names the exact line, field and problem.

Each case edits the valid fixture (conftest.VALID, 19 lines: 1 id, 2 title, 3 year, 4 venue,
5 arxiv, 6 tags, 8 code link, 10 model, 12-17 result, 19 efficiency claim) or is a whole file.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from catalog.cli import app
from catalog.load import CatalogError, load_catalog

EFF = ('    - {model: fcn8s, quantity: params, value: 134, unit: M, bound: "~", '
       'sources: [{ref: 000_120f5c55618baebb}]}')
SECOND_PAPER = """\
- id: segnet
  title: SegNet
  year: 2017
  models:
    - {id: segnet, name: SegNet}
"""

# (case id, edit, line, location, message fragment)
# edit: ("sub", old, new) on VALID | ("add", text appended to VALID) | ("file", whole text)
CASES = [
    ("syntax-error", ("sub", "  title: Fully Convolutional", "  title: Fully: Convolutional"),
     2, "yaml", "YAML syntax error: mapping values are not allowed here"),
    ("unclosed-flow-sequence", ("sub", "skip-connections]", "skip-connections"),
     7, "yaml", "YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow "
                "sequence on line 6)"),
    ("bad-indentation", ("sub", "  year: 2015", " year: 2015"),
     3, "yaml", "YAML syntax error"),
    ("duplicate-key", ("sub", "  venue: CVPR 2015", "  year: 2016"),
     4, "fcn.year", "duplicate key 'year' (first given on line 3)"),
    ("duplicate-paper-id", ("add", SECOND_PAPER.replace("id: segnet\n", "id: fcn\n", 1)),
     20, "fcn.id", "duplicate paper id 'fcn' (first on line 1)"),
    ("duplicate-model-id", ("add", SECOND_PAPER.replace("{id: segnet", "{id: fcn8s")),
     24, "segnet.models[0].id",
     "duplicate model id 'fcn8s' (first declared by paper 'fcn' on line 10)"),
    ("unknown-dataset", ("sub", "dataset: voc2012", "dataset: voc2013"),
     13, "fcn.results[0].dataset", "unknown dataset 'voc2013' (did you mean 'voc2012'?)"),
    ("unknown-metric", ("sub", "metric: miou", "metric: mIoU"),
     15, "fcn.results[0].metric", "unknown metric 'mIoU'"),
    ("unknown-tag", ("sub", "skip-connections]", "skip-connection]"),
     6, "fcn.tags[1]", "unknown tag 'skip-connection' (did you mean 'skip-connections'?)"),
    ("unknown-extra-data", ("sub", "      metric: miou", "      setting: {extra_data: [cocoa]}"),
     15, "fcn.results[0].setting.extra_data[0]", "unknown extra data 'cocoa'"),
    ("unknown-source", ("sub", "ref: 000_120f5c55618baebb", "ref: seed-000"),
     19, "fcn.efficiency[0].sources[0].ref", "unknown source 'seed-000'"),
    ("percentage-over-100", ("sub", "value: 62.2", "value: 622"),
     16, "fcn.results[0].value", "622.0 is not a percentage (0-100)"),
    ("negative-params", ("sub", "value: 134,", "value: -134,"),
     19, "fcn.efficiency[0].value", "must be greater than 0 (got -134)"),
    ("zero-latency", ("sub", "quantity: params, value: 134, unit: M",
                      "quantity: latency, value: 0, unit: ms"),
     19, "fcn.efficiency[0].value", "must be greater than 0 (got 0)"),
    ("wrong-unit", ("sub", "value: 134, unit: M", "value: 134, unit: ms"),
     19, "fcn.efficiency[0]", "unit 'ms' is not one of ['B', 'K', 'M', 'count'] for params"),
    ("malformed-arxiv", ("sub", "arxiv: '1411.4038'", "arxiv: '1411.403'"),
     5, "fcn.arxiv", "'1411.403' is not an arXiv id"),
    ("arxiv-as-number", ("sub", "arxiv: '1411.4038'", "arxiv: 1411.4038"),
     5, "fcn.arxiv", "expected text, got the number 1411.4038; quote it"),
    ("javascript-url", ("sub", "url: https://github.com/shelhamer/fcn.berkeleyvision.org",
                        "url: 'javascript:alert(1)'"),
     8, "fcn.code[0].url", "'javascript:alert(1)' does not match the pattern ^https?://"),
    ("python-object-tag", ("sub", "  title: Fully Convolutional Networks for Semantic Segmentation",
                           "  title: !!python/object/apply:os.system ['touch {marker}']"),
     2, "fcn.title", "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("custom-tag", ("sub", "value: 62.2", "value: !eval 62.2"),
     16, "fcn.results[0].value", "YAML tag '!eval' is not allowed"),
    ("undeclared-model-result", ("sub", "    - model: fcn8s", "    - model: fcn16s"),
     12, "fcn.results[0].model", "model 'fcn16s' is not declared in this paper's models "
                                 "(declared: fcn8s)"),
    ("undeclared-model-efficiency", ("sub", "{model: fcn8s, quantity", "{model: fcn32s, quantity"),
     19, "fcn.efficiency[0].model", "model 'fcn32s' is not declared"),
    ("unknown-field", ("sub", "  venue: CVPR 2015", "  venu: CVPR 2015"),
     4, "fcn.venu", "unknown field 'venu' (did you mean 'venue'?)"),
    ("unknown-field-nested", ("sub", "framework: caffe}", "framwork: caffe}"),
     8, "fcn.code[0].framwork", "unknown field 'framwork' (did you mean 'framework'?)"),
    ("missing-title", ("sub", "  title: Fully Convolutional Networks for Semantic Segmentation",
                       "  # title forgotten"),
     1, "fcn.title", "required field 'title' is missing"),
    ("paper-source-without-where", ("sub", "[{ref: paper, where: Table 3}]", "[{ref: paper}]"),
     17, "fcn.results[0].sources[0]", "a reference to source 'paper' needs 'where'"),
    ("no-sources", ("sub", "[{ref: paper, where: Table 3}]", "[]"),
     17, "fcn.results[0].sources", "List should have at least 1 item"),
    ("bad-input-size", ("sub", "      metric: miou", "      setting: {input_size: 512*1024}"),
     15, "fcn.results[0].setting.input_size", "input size '512*1024' is not HxW"),
    ("year-out-of-range", ("sub", "year: 2015", "year: 1899"),
     3, "fcn.year", "must be greater than or equal to 1990 (got 1899)"),
    ("bad-paper-id", ("sub", "- id: fcn", "- id: FCN_8s"),
     1, "FCN_8s.id", "'FCN_8s' does not match the pattern"),
    ("split-not-in-dataset", ("sub", "dataset: voc2012", "dataset: pascal-context"),
     14, "fcn.results[0].split", "dataset 'pascal-context' has no 'test' split"),
    ("duplicate-result", ("sub", "  efficiency:\n", """\
    - model: fcn8s
      dataset: voc2012
      split: test
      value: 62.2
      sources: [{ref: 000_120f5c55618baebb}]
  efficiency:
"""), 18, "fcn.results[1]", "same claim as results[0] (line 12)"),
    ("not-a-list", ("file", "id: fcn\ntitle: FCN\nyear: 2015\n"),
     1, "<root>", "the top level must be a list of papers"),
    ("empty-file", ("file", "# nothing here yet\n"),
     1, "<root>", "the file is empty"),
    ("undefined-alias", ("sub", "value: 62.2", "value: *v"),
     16, "yaml", "found undefined alias 'v'"),
    ("recursive-alias", ("file", "- &a\n  id: x\n  more: *a\n"),
     1, "yaml", "recursive alias"),
    ("non-string-key", ("sub", "  venue: CVPR 2015", "  2015: CVPR"),
     4, "fcn", "mapping keys must be plain strings (got int)"),
]

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    + ["j: [*i, *i, *i, *i, *i, *i, *i, *i, *i]"]
) + "\n"


def _text(valid: str, edit: tuple, marker: Path) -> str:
    kind = edit[0]
    if kind == "file":
        return edit[1]
    if kind == "add":
        return valid + edit[1]
    assert valid.count(edit[1]) >= 1, edit
    return valid.replace(edit[1], edit[2].replace("{marker}", str(marker)), 1)


@pytest.mark.parametrize("case,edit,line,location,message", CASES, ids=[c[0] for c in CASES])
def test_validate_reports_line_and_field(case, edit, line, location, message, valid_text,
                                         write, runner, tmp_path):
    marker = tmp_path / "executed"
    path = write(_text(valid_text, edit, marker))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    errors = result.stdout.splitlines()
    prefix = f"{path}:{line}: {location}: "
    hits = [e for e in errors if e.startswith(prefix) and message in e]
    assert hits, f"expected '{prefix}...{message}...' in:\n{result.stdout}"
    assert not marker.exists()  # nothing from the YAML was ever executed


def test_load_catalog_raises_with_the_same_issues(valid_text, write):
    path = write(valid_text.replace("value: 62.2", "value: 622"))
    with pytest.raises(CatalogError) as exc:
        load_catalog(path)
    [issue] = exc.value.errors
    assert (issue.line, issue.location) == (16, "fcn.results[0].value")
    assert str(issue) == f"{path}:16: fcn.results[0].value: 622.0 is not a percentage (0-100)"


def test_several_errors_are_all_reported(valid_text, write, runner):
    text = (valid_text.replace("year: 2015", "year: 1899")
            .replace("dataset: voc2012", "dataset: voc2013")
            .replace("unit: M", "unit: ms"))
    result = runner.invoke(app, ["validate", str(write(text))])
    assert result.exit_code == 1
    lines = [int(e.split(":")[1]) for e in result.stdout.splitlines()]
    assert lines == [3, 13, 19]


def test_alias_bomb_is_refused_fast(write, runner):
    path = write(BOMB)
    start = time.perf_counter()
    result = runner.invoke(app, ["validate", str(path)])
    elapsed = time.perf_counter() - start
    assert elapsed < 5, elapsed
    assert result.exit_code == 1
    # 9**9 'lol' leaves; the first node over the 500,000-node cap is `f` (597,871), line 6.
    assert result.stdout.startswith(f"{path}:6: yaml: the value starting here expands to "
                                    "597,871 nodes")
    assert "alias bomb" in result.stdout


def test_missing_file(tmp_path, runner):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.stdout.strip() == f"{tmp_path / 'nope.yaml'}:0: <file>: no such file"
