"""Options checked before any work: exit 2, one clear line, no torch for option errors;
`bench --help` without torch; where saved runs go."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app

from .conftest import SMALL_KEY, needs_small

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

PROBE = """
import sys
sys.argv = ["bench", *{args!r}]
from bench.cli import main
code = 0
try:
    main()
except SystemExit as e:
    code = e.code
heavy = sorted(m for m in ("torch", "timm", "torchvision", "transformers", "bench.models.registry")
               if m in sys.modules)
print("PROBE", code, ",".join(heavy), file=sys.stderr)
"""


def _probe(*args: str) -> tuple[int, list[str], str]:
    r = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], cwd=REPO,
                       capture_output=True, text=True, timeout=120, check=False)
    line = next(ln for ln in r.stderr.splitlines() if ln.startswith("PROBE"))
    _, code, heavy = (line.split(" ", 2) + [""])[:3]
    return int(code), [m for m in heavy.split(",") if m], r.stderr


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["miou", "--help"],
                                  ["run", "fcn8s", "--iters", "0"]])
def test_help_and_option_errors_do_not_import_torch(args):
    code, heavy, err = _probe(*args)
    assert code == (2 if "--iters" in args else 0), err
    assert heavy == [], f"`bench {' '.join(args)}` imported {heavy}"


@pytest.mark.parametrize("args,message", [
    (["--iters", "0"], "--iters must be >= 1, got 0"),
    (["--warmup", "-1"], "--warmup must be >= 0, got -1"),
    (["--num-classes", "0"], "--num-classes must be >= 1, got 0"),
    (["--threads", "0"], "--threads must be >= 1, got 0"),
    (["--batch", "0"], "--batch must be >= 1, got 0"),
    (["--precision", "fp8"], "--precision 'fp8' is not one of fp32, fp16, bf16"),
    (["--device", "tpu"], "--device 'tpu' is not cpu, cuda or cuda:N"),
    (["--weights", "/nonexistent/w.pth"], "--weights: file not found: /nonexistent/w.pth"),
    (["--data", "voc2012=/nonexistent/VOC"], "--data: dataset root /nonexistent/VOC does not exist"),
    (["--protocol", "slide"], "--protocol slide needs --crop HxW"),
    (["--flip"], "add --data DATASET=ROOT"),
    (["--sha256", "xyz", "--weights", __file__], "--sha256 'xyz' is not 8 to 64 hex digits"),
    (["--allow-partial"], "--allow-partial needs --weights"),
    (["--scales", "0,1"], "--scales '0,1' is not a comma-separated list of positive numbers"),
])
def test_bad_options_are_exit_2_with_one_line(args, message):
    r = runner.invoke(app, ["run", SMALL_KEY, "--json", *args])
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert r.stderr == f"error: {r.stderr[7:]}" and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "(batch" not in r.stderr


@needs_small
def test_bad_dataset_layout_is_exit_2_before_building(tmp_path):
    (tmp_path / "voc").mkdir()
    r = runner.invoke(app, ["run", SMALL_KEY, "--data", f"voc2012={tmp_path / 'voc'}"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --data: voc2012:"), r.stderr
    assert "building" not in r.stderr  # refused before the model was built


def test_local_saves_go_to_the_user_folder_and_data_results_needs_reference(tmp_path, monkeypatch):
    from bench.results import REFERENCE_DIR

    r = runner.invoke(app, ["run", SMALL_KEY, "--save", "--results-dir", str(REFERENCE_DIR)])
    assert r.exit_code == 2 and "save there only with --reference" in r.stderr
    r = runner.invoke(app, ["run", "--all", "--results-dir", str(REFERENCE_DIR)])
    assert r.exit_code == 2 and "save there only with --reference" in r.stderr


@needs_small
def test_save_defaults_to_segatlas_results(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGATLAS_RESULTS", str(tmp_path / "mine"))
    r = runner.invoke(app, ["run", SMALL_KEY, "--json", "--no-latency", "--input", "32x32",
                            "--save", "--catalog", str(tmp_path / "none.yaml")])
    assert r.exit_code == 0, r.stderr
    saved = json.loads((tmp_path / "mine" / f"{SMALL_KEY}.json").read_text())["runs"]
    assert len(saved) == 1 and saved[0]["reference"] is False
    assert saved[0]["run_id"] == json.loads(r.stdout)["run_id"]
    # flops_at: the model's default size (no catalog: no dataset sizes), counted for the site
    (fa,) = saved[0]["flops_at"]
    assert fa["input_size"] == [520, 520] and fa["model_default"] is True
    assert fa["gmacs"] == pytest.approx(2.086, abs=0.0005)  # torchvision's _ops for this model


@needs_small
def test_all_ignore_labels_make_miou_an_error_not_nan(tmp_path):
    import numpy as np
    import torch
    from PIL import Image

    from bench.models.registry import build

    base = tmp_path / "voc" / "VOCdevkit" / "VOC2012"
    for d in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (base / d).mkdir(parents=True)
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(base / "JPEGImages" / "a.jpg")
    png = Image.fromarray(np.full((16, 16), 255, np.uint8), mode="P")
    png.putpalette([0] * 768)
    png.save(base / "SegmentationClass" / "a.png")
    (base / "ImageSets/Segmentation/val.txt").write_text("a\n")
    w = tmp_path / "w.pth"
    torch.save(build(SMALL_KEY).state_dict(), w)
    r = runner.invoke(app, ["run", SMALL_KEY, "--json", "--no-latency", "--input", "32x32",
                            "--data", f"voc2012={tmp_path / 'voc'}", "--weights", str(w),
                            "--catalog", str(tmp_path / "none.yaml")])
    assert r.exit_code == 1
    rec = json.loads(r.stdout)
    assert rec["miou"] is None and "mIoU is undefined" in rec["error"]
    assert "NaN" not in r.stdout


def test_bench_miou_all_ignore_is_an_error(tmp_path):
    import numpy as np
    from PIL import Image

    for d in ("pred", "gt"):
        (tmp_path / d).mkdir()
        Image.fromarray(np.full((8, 8), 255 if d == "gt" else 0, np.uint8)).save(tmp_path / d / "a.png")
    r = runner.invoke(app, ["miou", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt"),
                            "--num-classes", "3", "--json"])
    assert r.exit_code == 1 and "mIoU is undefined" in r.stderr and r.stdout == ""


@needs_small
def test_a_model_that_cannot_be_built_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    import bench.models.registry as registry

    spec = registry.get_spec(SMALL_KEY)

    def broken(num_classes):
        raise ValueError(f"{num_classes} classes do not fit this head")

    import dataclasses

    monkeypatch.setattr(registry, "get_spec", lambda key: dataclasses.replace(spec, build=broken))
    r = runner.invoke(app, ["run", SMALL_KEY, "--json", "--catalog", str(tmp_path / "none.yaml")])
    assert r.exit_code == 1, r.output
    rec = json.loads(r.stdout)
    assert rec["error"] == "ValueError while building the model: 21 classes do not fit this head"
    assert rec["params"] is None


@needs_small
def test_reference_runs_are_flagged(tmp_path):
    r = runner.invoke(app, ["run", SMALL_KEY, "--json", "--no-latency", "--input", "32x32",
                            "--reference", "--results-dir", str(tmp_path),
                            "--catalog", str(tmp_path / "none.yaml")])
    assert r.exit_code == 0, r.stderr
    (run,) = json.loads((tmp_path / f"{SMALL_KEY}.json").read_text())["runs"]
    assert run["reference"] is True and f"saved to {tmp_path}" in r.stderr
