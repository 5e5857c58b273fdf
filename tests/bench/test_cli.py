"""The `bench` CLI, in-process (typer's CliRunner keeps stdout and stderr apart)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from bench.cli import app

from .conftest import SMALL_KEY, needs_small, registered

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

# A synthetic catalog. The numbers are torchvision's weights metadata for
# lraspp_mobilenet_v3_large (num_params 3,221,538; _ops 2.086 at 520x520), which torchvision
# labels "GFLOPS" although it counts multiply-adds: so the flops claim must come out `unit`.
CATALOG = """\
- id: mobilenetv3
  title: Searching for MobileNetV3
  year: 2019
  models:
    - {id: tv-lraspp-mobilenet-v3-large, name: LR-ASPP MobileNetV3-Large (torchvision), implementation: torchvision}
  efficiency:
    - {model: tv-lraspp-mobilenet-v3-large, quantity: params, value: 3221538, unit: count, sources: [{ref: torchvision}]}
    - {model: tv-lraspp-mobilenet-v3-large, quantity: flops, value: 2.086, unit: G, input_size: 520x520, sources: [{ref: torchvision}]}
    - {model: tv-lraspp-mobilenet-v3-large, quantity: macs, value: 2.086, unit: G, input_size: 520x520, sources: [{ref: torchvision}]}
    - {model: tv-lraspp-mobilenet-v3-large, quantity: fps, value: 30, unit: fps, hardware: Pixel 3, sources: [{ref: torchvision}]}
  results:
    - {model: tv-lraspp-mobilenet-v3-large, dataset: voc2012, split: val, value: 57.9, sources: [{ref: torchvision}]}
"""


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@needs_small
def test_run_json_real_values(tmp_path):
    r = invoke("run", SMALL_KEY, "--json", "--iters", "2", "--warmup", "1", "--input", "128x128",
               "--catalog", str(tmp_path / "absent.yaml"))
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)  # exactly one JSON object, nothing else on stdout
    assert rec["model"] == SMALL_KEY and rec["paper"] == "mobilenetv3"
    assert rec["params"]["total"] == 3_221_538
    assert rec["input_size"] == [128, 128] and rec["flops"]["input_size"] == [128, 128]
    assert rec["flops"]["gflops"] == pytest.approx(2 * rec["flops"]["gmacs"])
    assert 0.1 < rec["flops"]["gmacs"] < 0.2  # ~2.086 * (128/520)^2 plus the head
    lat = rec["latency"]
    assert lat["iters"] == 2 and lat["warmup"] == 1 and lat["median_ms"] > 0
    assert lat["throughput_ips"] == pytest.approx(1000 / lat["median_ms"], rel=1e-3)
    assert rec["memory"]["peak_mb"] > 10
    assert rec["env"]["torch"] == torch.__version__
    assert rec["verdicts"] == [] and rec["error"] is None


@needs_small
def test_run_verdicts_from_catalog_and_save(tmp_path):
    cat = tmp_path / "papers.yaml"
    cat.write_text(CATALOG)
    r = invoke("run", SMALL_KEY, "--json", "--no-latency", "--catalog", str(cat), "--save",
               "--results-dir", str(tmp_path / "res"))
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    got = {(v["quantity"], v["verdict"]) for v in rec["verdicts"]}
    assert got == {("params", "verified"), ("flops", "unit"), ("macs", "verified"),
                   ("fps", "unmeasured"), ("miou", "unmeasured")}
    saved = json.loads((tmp_path / "res" / f"{SMALL_KEY}.json").read_text())
    assert saved["runs"][0]["verdicts"] == rec["verdicts"]
    # the human table names each verdict and our environment
    r = invoke("run", SMALL_KEY, "--no-latency", "--no-fvcore", "--catalog", str(cat))
    assert r.exit_code == 0
    assert "unit" in r.stdout and "verified" in r.stdout and "our environment:" in r.stdout


def test_unknown_model_lists_close_matches():
    r = invoke("run", "fcn8", "--json")
    assert r.exit_code == 2
    assert r.stdout == ""
    if registered("fcn8s"):
        assert "unknown model 'fcn8'; did you mean: fcn8s" in r.stderr


@needs_small
@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_cuda_absent_is_a_usage_error():
    r = invoke("run", SMALL_KEY, "--device", "cuda")
    assert r.exit_code == 2
    assert "CUDA is not available here" in r.stderr


def test_fp16_on_cpu_and_bad_sizes_are_usage_errors():
    r = invoke("run", "anything", "--precision", "fp16")
    assert r.exit_code == 2 and "fp16 on CPU is not supported" in r.stderr
    r = invoke("run", "anything", "--input", "12by3")
    assert r.exit_code == 2 and "--input '12by3' is not HxW" in r.stderr
    r = invoke("run", "anything", "--data", "voc2012")
    assert r.exit_code == 2 and "DATASET=ROOT" in r.stderr


def test_list(tmp_path):
    from bench.models.registry import all_specs

    r = invoke("list", "--json", "--results-dir", str(tmp_path), "--catalog", str(tmp_path / "x.yaml"))
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert [m["key"] for m in doc["models"]] == list(all_specs())
    assert doc["catalog"].startswith("no catalog claims")
    r = invoke("list", "--results-dir", str(tmp_path))
    assert r.exit_code == 0 and f"{len(all_specs())} registered models" in r.stdout


def test_python_m_bench_help():
    r = subprocess.run([sys.executable, "-m", "bench", "run", "--help"], cwd=REPO,
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0
    assert "--channels-last" in r.stdout and "--scales" in r.stdout


@pytest.mark.skipif(not registered("fcn8s"), reason="fcn8s not registered yet")
def test_fcn8s_params_and_claim(tmp_path):
    # small input: the parameter count does not depend on it, and FCN-8s at 500x500 is slow
    r = invoke("run", "fcn8s", "--json", "--input", "64x64", "--iters", "1", "--warmup", "0",
               "--no-fvcore", "--results-dir", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["params"]["total"] == 134_489_759
    catalog = REPO / "data" / "papers.yaml"
    if not catalog.exists():
        pytest.skip("data/papers.yaml absent: claims not checked")
    params = [v for v in rec["verdicts"] if v["quantity"] == "params"]
    assert params and all(v["measured"] for v in params)
    assert {v["verdict"] for v in params} <= {"verified", "mismatch"}


@needs_small
def test_sweep_resumes_after_interruption(tmp_path, monkeypatch):
    import bench.sweep as S

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    real = S.measure_model

    def measure(spec, opts, cat=None, say=None, sweep=None):
        calls.append(spec.key)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second model
        return real(spec, opts, cat, sweep=sweep)

    monkeypatch.setattr(S, "measure_model", measure)
    args = ["run", "--all", "--models", f"{SMALL_KEY},enet", "--json", "--no-latency",
            "--input", "64x64", "--results-dir", str(tmp_path / "res"),
            "--catalog", str(tmp_path / "none.yaml")]
    monkeypatch.setattr(sys, "argv", ["bench", *args])  # the resume hint quotes the command line
    r = runner.invoke(app, args, catch_exceptions=False)
    assert r.exit_code == 130 and r.stdout == ""
    assert "interrupted: 1 of 2 job(s) saved" in r.stderr and "resume with: bench" in r.stderr
    state_files = list((tmp_path / "cache" / "segatlas" / "sweeps").glob("*.json"))
    assert len(state_files) == 1  # outside the results folder and the repository
    r = runner.invoke(app, args, catch_exceptions=False)  # resumes: only enet runs
    assert r.exit_code == 0, r.stderr
    assert calls == [SMALL_KEY, "enet", "enet"]
    assert "resuming sweep" in r.stderr and "1 of 2 job(s) already saved" in r.stderr
    assert [s["model"] for s in json.loads(r.stdout)["sweep"]] == ["enet"]
    assert not any((tmp_path / "cache" / "segatlas" / "sweeps").glob("*.json"))  # completed
    for key in (SMALL_KEY, "enet"):
        runs = json.loads((tmp_path / "res" / f"{key}.json").read_text())["runs"]
        assert len(runs) == 1 and runs[0]["sweep"] and runs[0]["reference"] is False


@needs_small
def test_out_of_memory_is_recorded(tmp_path, monkeypatch):
    import bench.measure.latency as L

    def oom(*a, **k):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(L, "measure_latency", oom)
    r = invoke("run", SMALL_KEY, "--json", "--input", "64x64", "--no-fvcore", "--save",
               "--results-dir", str(tmp_path), "--catalog", str(tmp_path / "none.yaml"))
    assert r.exit_code == 1
    rec = json.loads(r.stdout)
    assert rec["error"].startswith("CUDA out of memory (batch 1, 64x64)")
    assert rec["params"]["total"] == 3_221_538 and rec["latency"] is None  # the rest is kept
    assert json.loads((tmp_path / f"{SMALL_KEY}.json").read_text())["runs"][0]["error"] == rec["error"]


def _tiny_voc(root: Path, n: int = 2, size=(24, 32)) -> None:
    """VOCdevkit/VOC2012 val with n random images and palette labels (0..20, 255 border)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    base = root / "VOCdevkit" / "VOC2012"
    for d in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (base / d).mkdir(parents=True, exist_ok=True)
    ids = [f"2007_{i:06d}" for i in range(n)]
    for i in ids:
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(base / "JPEGImages" / f"{i}.jpg")
        lbl = rng.integers(0, 21, size).astype(np.uint8)
        lbl[0, :] = 255
        png = Image.fromarray(lbl, mode="P")
        png.putpalette([0] * 768)
        png.save(base / "SegmentationClass" / f"{i}.png")
    (base / "ImageSets/Segmentation/val.txt").write_text("\n".join(ids) + "\n")


@needs_small
@pytest.mark.skipif(not (REPO / "bench" / "accuracy.py").exists(), reason="bench.accuracy absent")
def test_run_with_data_and_weights(tmp_path):
    from bench.models.registry import build

    _tiny_voc(tmp_path / "voc")
    w = tmp_path / "w.pth"
    torch.save(build(SMALL_KEY).state_dict(), w)
    cat = tmp_path / "papers.yaml"
    cat.write_text(CATALOG)
    r = invoke("run", SMALL_KEY, "--json", "--no-latency", "--no-fvcore", "--input", "64x64",
               "--data", f"voc2012={tmp_path / 'voc'}", "--weights", str(w), "--flip",
               "--catalog", str(cat))
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    mi = rec["miou"]
    assert mi["dataset"] == "voc2012" and mi["split"] == "val" and mi["num_images"] == 2
    assert mi["flip"] is True and mi["scales"] == [1.0] and 0 <= mi["miou"] <= 100
    assert mi["weights"]["path"] == str(w) and len(mi["weights"]["sha256"]) == 64
    assert mi["weights"]["missing"] == [] and mi["weights"]["unexpected"] == []
    (acc,) = [v for v in rec["verdicts"] if v["quantity"] == "miou"]
    # the claim was made without flip (setting unknown -> compared): a random model misses 57.9
    assert acc["measured"] == round(mi["miou"], 6)
    assert acc["verdict"] == "mismatch"
