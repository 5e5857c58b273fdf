"""The committed JSON Schema is current, and agrees with the loader on simple cases."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from catalog.cli import app
from catalog.jsonschema import SCHEMA_PATH, build_schema, schema_text


def test_committed_schema_is_current():
    assert SCHEMA_PATH.exists(), "run: catalog schema -o schema/papers.schema.json"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "schema/papers.schema.json is stale; regenerate it with "
        "`catalog schema -o schema/papers.schema.json` (or `python -m catalog.jsonschema`)")


def test_cli_schema_prints_the_same(runner):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_text()


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(build_schema())


def _errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(build_schema())
    return ["/".join(map(str, e.absolute_path)) for e in validator.iter_errors(yaml.safe_load(text))]


def test_valid_catalog_passes_schema(valid_text, second_text):
    assert _errors(valid_text + second_text) == []


@pytest.mark.parametrize("old,new,where", [
    ("value: 62.2", "value: 622", "0/results/0/value"),
    ("unit: M", "unit: ms", "0/efficiency/0/unit"),
    ("[{ref: paper, where: Table 3}]", "[{ref: paper}]", "0/results/0/sources/0"),
    ("  venue: CVPR 2015", "  venu: CVPR 2015", "0"),
    ("arxiv: '1411.4038'", "arxiv: '1411.403'", "0/arxiv"),
    ("dataset: voc2012", "dataset: voc2013", "0/results/0/dataset"),
    ("      metric: miou", "      setting: {input_size: 512*1024}", "0/results/0/setting/input_size"),
])
def test_schema_flags_what_the_loader_flags(valid_text, old, new, where):
    assert _errors(valid_text.replace(old, new)) == [where]
