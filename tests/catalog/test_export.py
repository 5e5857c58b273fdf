"""Frames, CSV/JSON/BibTeX exports and their round trips, through the API and the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from catalog.cli import app
from catalog.export import bibtex_escape, read_csv_table, read_json_table, to_bibtex, to_csv, to_json, write_atomic
from catalog.sources import SOURCES
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
        # the sources table is the registry every catalog's ids look up, not the catalog's
        n = len(SOURCES) if table == "sources" else 0
        assert (len(df), list(df.columns)) == (n, list(TABLES[table]))


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


UNKNOWN = """\
- id: u
  title: U
  year: 2020
  models:
    - {id: u, name: U}
  results:
    - {model: u, dataset: ade20k, split: unspecified, value: 40.0, sources: [{ref: paper, where: Tab. 1}]}
    - {model: u, dataset: ade20k, split: val, value: 41.0, setting: {extra_data: [], multi_scale: false, flip: false}, sources: [{ref: paper, where: Tab. 2}]}
  efficiency:
    - {model: u, quantity: fps, value: 30, unit: fps, sources: [{ref: paper, where: Tab. 3}]}
"""


def test_json_export_writes_null_where_no_source_states_a_setting(write, runner):
    path = write(UNKNOWN)
    r = runner.invoke(app, ["export", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    silent, stated = json.loads(r.stdout)
    assert silent["extra_data"] is None and silent["multi_scale"] is None and silent["pretraining"] is None
    assert stated["extra_data"] == [] and stated["multi_scale"] is False
    # where the comparison engine places each: the unstated split is shown with val, marked
    assert (silent["protocol"], silent["split_assumed"]) == ("val", True)
    assert (stated["protocol"], stated["split_assumed"], stated["tta_state"]) == ("val", False, "single")
    assert silent["default_view"] is True and silent["row"] != stated["row"]


def test_csv_export_marks_not_stated_and_reads_back(write, runner, tmp_path):
    path = write(UNKNOWN)
    out = tmp_path / "r.csv"
    assert runner.invoke(app, ["export", str(path), "-o", str(out)]).exit_code == 0
    lines = out.read_text().splitlines()
    head = lines[0].split(",")
    silent = dict(zip(head, lines[1].split(",")))
    stated = dict(zip(head, lines[2].split(",")))
    assert silent["extra_data"] == "not stated" and silent["multi_scale"] == "not stated"
    assert stated["extra_data"] == "none" and stated["multi_scale"] == "False"
    back = read_csv_table(out, "results")
    assert back["extra_data"].tolist() == [None, []]
    eff = tmp_path / "e.csv"
    assert runner.invoke(app, ["export", str(path), "-t", "efficiency", "-o", str(eff)]).exit_code == 0
    row = dict(zip(*[ln.split(",") for ln in eff.read_text().splitlines()[:2]]))
    assert row["hardware"] == "not stated" and row["engine"] == "not stated"


def test_sources_table_maps_every_id_a_cell_can_name(runner):
    r = runner.invoke(app, ["export", "--table", "sources", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = {s["id"]: s for s in json.loads(r.stdout)}
    assert set(rows) == set(SOURCES)
    assert rows["000_120f5c55618baebb"]["url"] == "https://github.com/HymEric/Segmentation-Series-Chaos"
    assert rows["paper"]["grade"] == "primary" and rows["mmsegmentation"]["grade"] == "secondary"
