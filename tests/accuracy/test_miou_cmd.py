"""`bench miou` on folders of label PNGs (through typer's test runner)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from bench.miou_cmd import miou_command

app = typer.Typer()
app.command("miou")(miou_command)
app.command("other")(lambda: None)  # two commands: "miou" stays a subcommand, as in bench.cli
runner = CliRunner()


def _write(folder, name, arr, mode="L"):
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr, dtype=np.uint8), mode=mode).save(folder / f"{name}.png")


def _run(*args):
    return runner.invoke(app, ["miou", *map(str, args)])


@pytest.fixture
def folders(tmp_path):
    # the hand example of test_miou: class 0 IoU 2/4, class 1 IoU 2/5, class 2 absent
    _write(tmp_path / "gt", "a", [[0, 0, 1, 1], [0, 1, 255, 1]])
    _write(tmp_path / "pred", "a", [[0, 1, 1, 1], [0, 255, 2, 0]])
    # second pair in a subfolder (Cityscapes-style), all correct: 2 more class-0 pixels
    _write(tmp_path / "gt" / "city", "b", [[0, 0]])
    _write(tmp_path / "pred" / "city", "b", [[0, 0]])
    return tmp_path / "pred", tmp_path / "gt"


def test_json_output(folders):
    pred, gt = folders
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    # class 0: tp 4, fn 1, fp 1 -> 4/6 ; class 1: 2/5 ; class 2: absent
    assert out["per_class_iou"] == {"0": pytest.approx(400 / 6), "1": pytest.approx(40.0),
                                    "2": None}
    assert out["miou"] == pytest.approx((400 / 6 + 40) / 2)
    assert out["pixel_acc"] == pytest.approx(600 / 9)
    assert out["units"] == "percent"
    assert out["num_images"] == 2 and out["num_pixels"] == 9 and out["skipped"] == []


def test_table_output_with_dataset_class_names(tmp_path):
    rng = np.random.default_rng(0)
    g = rng.integers(0, 21, (6, 7))
    _write(tmp_path / "gt", "x", g)
    _write(tmp_path / "pred", "x", g)
    res = _run("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--num-classes", 21,
               "--class-names", "voc2012")
    assert res.exit_code == 0, res.output
    assert "aeroplane" in res.stdout and "tvmonitor" in res.stdout
    assert "mIoU" in res.stdout and "100.00" in res.stdout


def test_missing_prediction_is_an_error_unless_allowed(folders):
    pred, gt = folders
    _write(gt, "c", [[1, 1]])
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3)
    assert res.exit_code == 1
    assert "1 of 3 ground-truth file(s) have no prediction" in res.stderr
    assert "--allow-missing" in res.stderr
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3, "--json", "--allow-missing")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["skipped"] == ["c"]
    assert "1 ground-truth file(s) without prediction skipped" in res.stderr


def test_extra_prediction_is_ignored_with_warning(folders):
    pred, gt = folders
    _write(pred, "zzz", [[2, 2]])
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3, "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["num_images"] == 2
    assert "prediction(s) without (listed) ground truth ignored, e.g. zzz" in res.stderr


def test_size_mismatch_and_bad_inputs(folders, tmp_path):
    pred, gt = folders
    _write(pred, "a", np.zeros((3, 4)))
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3)
    assert res.exit_code == 1
    assert "size mismatch for 'a'" in res.stderr and "never resized" in res.stderr
    Image.fromarray(np.zeros((2, 4, 3), np.uint8)).save(pred / "a.png")
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3)
    assert res.exit_code == 1 and "mode RGB" in res.stderr
    res = _run("--pred", tmp_path / "nope", "--gt", gt, "--num-classes", 3)
    assert res.exit_code == 1 and "--pred folder not found" in res.stderr
    res = _run("--pred", pred, "--gt", gt, "--num-classes", 3, "--class-names", "a,b")
    assert res.exit_code == 1 and "2 names for --num-classes 3" in res.stderr


def test_ground_truth_out_of_range(tmp_path):
    _write(tmp_path / "gt", "a", [[0, 9]])
    _write(tmp_path / "pred", "a", [[0, 1]])
    res = _run("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--num-classes", 3)
    assert res.exit_code == 1 and "ground truth contains values [9]" in res.stderr


def test_sixteen_bit_pngs(tmp_path):
    for sub, arr in (("gt", [[300, 1]]), ("pred", [[300, 1]])):
        (tmp_path / sub).mkdir()
        Image.fromarray(np.array(arr, dtype=np.uint16)).save(tmp_path / sub / "a.png")
    res = _run("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--num-classes", 301,
               "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["per_class_iou"]["300"] == 100.0 and out["miou"] == 100.0
