"""Frames, CSV/JSON/BibTeX exports and their round trips, through the API and the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from catalog.cli import app
from catalog.export import bibtex_escape, read_csv_table, read_json_table, to_bibtex, to_csv, to_json, write_atomic
from catalog.frames import FRAMES, TABLES, efficiency_frame, papers_frame, results_frame
from catalog.load import load_catalog

EXTRA = """\
- id: odd-title
  title: 'Braces {and} 100% & $money$ #1 under_score ~tilde^ back\\slash'
  authors: [Ada Lovelace, Alan Turing]
  metadata_sources: [{ref: arxiv, url: 'https://arxiv.org/abs/2001.00001'}]
  year: 2020
  models:
    - {id: odd, name: Odd, backbone: ResNet-18}
  results:
    - {model: odd, dataset: cityscapes, split: val, value: 70.5, setting: {extra_data: [coarse, coco], multi_scale: true, flip: true, input_size: 1024x2048}, sources: [{ref: paper, where: Tab. 1}, {ref: cityscapes-benchmark}]}
  efficiency:
    - {model: odd, quantity: latency, value: 12.5, unit: ms, hardware: GTX 1080 Ti, precision: fp16, batch_size: 1, sources: [{ref: paper, where: Tab. 2}]}
"""


@pytest.fixture
def cat(valid_text, second_text, write):
    return load_catalog(write(valid_text + second_text + EXTRA))


def test_results_frame(cat):
    df = results_frame(cat)
    assert list(df.columns) == list(TABLES["results"])
    assert df[["paper", "model", "model_name", "dataset", "split", "metric", "value"]]\
        .values.tolist() == [["fcn", "fcn8s", "FCN-8s", "voc2012", "test", "miou", 62.2],
                             ["odd-title", "odd", "Odd", "cityscapes", "val", "miou", 70.5]]
    odd = df.iloc[1]
    assert odd["extra_data"] == ["coarse", "coco"]
    assert odd["sources"] == ["paper", "cityscapes-benchmark"]
    assert (odd["multi_scale"], odd["flip"], odd["input_size"], odd["year"]) == \
        (True, True, "1024x2048", 2020)
    assert odd["crf"] is pd.NA  # unstated stays unknown, not False
    assert df.iloc[0]["backbone"] == "VGG-16"  # falls back to the model's backbone


def test_efficiency_frame(cat):
    df = efficiency_frame(cat)
    assert list(df.columns) == list(TABLES["efficiency"])
    assert df["base_value"].tolist() == [134e6, 12.5]
    assert df.iloc[0][["quantity", "unit", "bound"]].tolist() == ["params", "M", "~"]
    assert df.iloc[1][["hardware", "precision", "batch_size"]].tolist() == \
        ["GTX 1080 Ti", "fp16", 1]


def test_papers_frame(cat):
    df = papers_frame(cat)
    assert df["id"].tolist() == ["fcn", "segnet", "odd-title"]
    assert df["code_official"].tolist()[0] == "https://github.com/shelhamer/fcn.berkeleyvision.org"
    assert df[["n_models", "n_results", "n_efficiency"]].values.tolist() == \
        [[1, 1, 1], [1, 0, 0], [1, 1, 1]]
    assert df["tags"].tolist() == [["fcn-based", "skip-connections"], ["encoder-decoder"], []]


@pytest.mark.parametrize("table", list(TABLES))
def test_json_and_csv_round_trip(cat, table, tmp_path):
    df = FRAMES[table](cat)
    write_atomic(tmp_path / "t.json", to_json(df))
    assert_frame_equal(read_json_table(tmp_path / "t.json", table), df)
    write_atomic(tmp_path / "t.csv", to_csv(df))
    assert_frame_equal(read_csv_table(tmp_path / "t.csv", table), df)


def test_empty_catalog_frames_keep_columns(write):
    cat = load_catalog(write("[]\n"))
    for table, build in FRAMES.items():
        df = build(cat)
        assert (len(df), list(df.columns)) == (0, list(TABLES[table]))


def test_csv_joins_lists(cat):
    lines = to_csv(results_frame(cat)).splitlines()
    assert lines[0].split(",")[:7] == ["paper", "model", "model_name", "dataset", "split",
                                       "metric", "value"]
    assert "coarse;coco" in lines[2] and "paper;cityscapes-benchmark" in lines[2]


def test_bibtex(cat):
    bib = to_bibtex(cat)
    assert bib.split("\n\n")[0] == (
        "@inproceedings{fcn,\n"
        "  title = {Fully Convolutional Networks for Semantic Segmentation},\n"
        "  booktitle = {CVPR 2015},\n"
        "  year = {2015},\n"
        "  eprint = {1411.4038},\n"
        "  archivePrefix = {arXiv},\n"
        "  url = {https://arxiv.org/abs/1411.4038}\n"
        "}")
    assert bib.split("\n\n")[1].startswith("@article{segnet,\n  title = {SegNet: A Deep")
    assert "  journal = {TPAMI},\n" in bib
    odd = bib.split("\n\n")[2]
    assert odd.startswith("@misc{odd-title,\n")
    assert ("  title = {Braces \\{and\\} 100\\% \\& \\$money\\$ \\#1 under\\_score "
            "\\textasciitilde{}tilde\\textasciicircum{} back\\textbackslash{}slash},") in odd
    assert "  author = {Ada Lovelace and Alan Turing}," in odd
    # Every entry's braces balance once escaped braces are ignored.
    for entry in bib.split("\n\n"):
        plain = entry.replace("\\{", "").replace("\\}", "")
        assert plain.count("{") == plain.count("}")


def test_bibtex_escape_collapses_whitespace():
    assert bibtex_escape("a\n  b_c") == "a b\\_c"


def test_cli_export_to_file_matches_stdout(cat, valid_text, second_text, write, runner, tmp_path):
    path = write(valid_text + second_text + EXTRA)
    out = tmp_path / "out" / "results.json"
    result = runner.invoke(app, ["export", "--table", "results", "--format", "json",
                                 "-o", str(out), str(path)])
    assert result.exit_code == 0, result.output
    assert_frame_equal(read_json_table(out, "results"), results_frame(cat))
    assert [p.name for p in out.parent.iterdir()] == ["results.json"]  # no temp file left
    stdout = runner.invoke(app, ["export", "-t", "results", "-f", "json", str(path)]).stdout
    assert stdout == out.read_text(encoding="utf-8")

    result = runner.invoke(app, ["export", "-t", "papers", "-f", "csv", str(path)])
    assert result.stdout.splitlines()[1].startswith("fcn,Fully Convolutional Networks")
    result = runner.invoke(app, ["export", "--format", "bibtex", str(path)])
    assert result.stdout == to_bibtex(cat)
    assert json.loads(runner.invoke(app, ["export", "-t", "efficiency", "-f", "json",
                                          str(path)]).stdout)[1]["hardware"] == "GTX 1080 Ti"


def test_cli_export_refuses_invalid_catalog(valid_text, write, runner, tmp_path):
    out = tmp_path / "x.csv"
    path = write(valid_text.replace("year: 2015", "year: 1899"))
    result = runner.invoke(app, ["export", "-o", str(out), str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:3:9: fcn.year: ")
    assert not out.exists()


def test_write_atomic_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "a.txt"
    write_atomic(target, "old\n")

    class Boom:
        def __str__(self):
            raise RuntimeError

    with pytest.raises(TypeError):
        write_atomic(target, Boom())  # type: ignore[arg-type]
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
