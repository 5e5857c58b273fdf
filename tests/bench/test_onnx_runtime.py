"""`--runtime onnxruntime`: the model exported to ONNX and timed on ONNX Runtime, recorded as
its own engine; an export that fails is a recorded error, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.record import load_results, shown_run

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.py"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_onnxruntime_run_is_its_own_engine(tmp_path):
    r = invoke("run", "--module", f"{TINY}:build", "--runtime", "onnxruntime", "--json",
               "--input", "32x32", "--iters", "6", "--save", "--results-dir", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["engine"] == "onnxruntime" and rec["error"] is None
    assert rec["onnx"]["opset"] == 18 and rec["onnx"]["providers"] == ["CPUExecutionProvider"]
    assert rec["onnx"]["exporter"] == "torch.onnx.export(dynamo=True)"
    assert rec["params"]["total"] == 260 and rec["latency"]["iters"] == 6
    assert rec["latency"]["threads"] == rec["env"]["threads"]
    # beside an eager run of the same model, the site shows the eager one
    r = invoke("run", "--module", f"{TINY}:build", "--json", "--input", "32x32", "--iters", "6",
               "--save", "--results-dir", str(tmp_path))
    runs = load_results(tmp_path / "tiny.json").runs
    assert [x.engine for x in runs] == ["onnxruntime", "pytorch"]
    assert shown_run(list(reversed(runs))).engine == "pytorch"


def test_failed_export_is_recorded(monkeypatch):
    import bench.measure.onnx_runtime as O

    def refuse(*a, **k):
        raise RuntimeError("dynamo=True: Unsupported: data-dependent control flow")

    monkeypatch.setattr(O, "export", refuse)
    r = invoke("run", "--module", f"{TINY}:build", "--runtime", "onnxruntime", "--json",
               "--input", "32x32", "--iters", "6")
    assert r.exit_code == 1
    rec = json.loads(r.stdout)
    assert rec["error"] == "export failed: dynamo=True: Unsupported: data-dependent control flow"
    assert rec["onnx"]["error"] == rec["error"] and rec["latency"] is None
    assert rec["params"]["total"] == 260  # what was measured before the export is kept


def test_onnxruntime_refuses_what_it_does_not_time():
    r = invoke("run", "--module", f"{TINY}:build", "--runtime", "onnxruntime", "--precision", "bf16")
    assert r.exit_code == 2 and "times the fp32 export" in r.stderr
    r = invoke("run", "--module", f"{TINY}:build", "--runtime", "tensorrt")
    assert r.exit_code == 2 and "is not one of pytorch, onnxruntime" in r.stderr
