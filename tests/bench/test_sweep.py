"""`bench run --all`: kill -9 at any point then rerun saves every model exactly once; the
submitit path (LocalExecutor) with a killed job and `--only-failed`; progress as plain lines.

Two tiny models stand in for the zoo (the registry is swapped for them), so each sweep takes
a fraction of a second; the sweep, harness, saving and the kills are real. Sweeps run in
forked processes (no new torch import) that SIGKILL themselves at exact points.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

import bench.models.registry as registry
from bench.cli import app
from bench.models.registry import ModelSpec


class TinyNet(nn.Module):
    def __init__(self, num_classes: int, width: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(width, num_classes, 1))

    def forward(self, x):
        return self.body(x)


def _sleep_if_asked(key: str) -> None:
    """TINY_ZOO_SLEEP=key:seconds holds that model's build (a job to kill while it runs)."""
    want, _, secs = os.environ.get("TINY_ZOO_SLEEP", "").partition(":")
    if want == key:
        time.sleep(float(secs))


def tiny_a(num_classes: int = 4) -> nn.Module:
    _sleep_if_asked("tiny-a")
    if os.environ.get("TINY_ZOO_FAIL") == "tiny-a":
        raise ValueError("tiny-a cannot be built (the test asks so)")
    return TinyNet(num_classes, 8)


def tiny_b(num_classes: int = 4) -> nn.Module:
    _sleep_if_asked("tiny-b")
    return TinyNet(num_classes, 6)


SPECS = {k: ModelSpec(key=k, paper="tiny", build=b, num_classes=4, input_size=(32, 32),
                      official_code="https://example.org/tiny", family="tiny")
         for k, b in (("tiny-a", tiny_a), ("tiny-b", tiny_b))}
ARGS = ["run", "--all", "--models", "tiny-a,tiny-b", "--no-latency", "--json"]


@pytest.fixture
def zoo(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "all_specs", lambda: dict(SPECS))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINY_ZOO_SLEEP", raising=False)
    monkeypatch.delenv("TINY_ZOO_FAIL", raising=False)
    res = tmp_path / "res"
    return res, ["--results-dir", str(res), "--catalog", str(tmp_path / "none.yaml")]


def _child(argv: list[str], err_path: str, kill_at: str | None, log_path: str) -> None:
    """A forked `bench` process that SIGKILLs itself at `kill_at` (point:model)."""
    fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # pytest replaced the Python-level one
    sys.stdout = open(1, "w", closefd=False)
    torch.set_num_threads(1)  # the parent's thread pool does not survive fork
    import bench.sweep as S
    import catalog.safeio as E

    point, _, model = (kill_at or "").partition(":")
    measure, save, replace = S.measure_model, S.save_run, E.os.replace

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def measure_hook(spec, *a, **k):
        with open(log_path, "a") as f:
            f.write(spec.key + "\n")
        if point == "measure" and spec.key == model:
            die()
        return measure(spec, *a, **k)

    def save_hook(run, *a, **k):
        out = save(run, *a, **k)
        if point == "after-save" and run.model == model:
            die()
        return out

    def replace_hook(src, dst, *a, **k):
        if point == "before-rename" and Path(dst).name == f"{model}.json":
            die()  # the temp file is written and fsync'ed, the rename never happens
        return replace(src, dst, *a, **k)

    S.measure_model, S.save_run, E.os.replace = measure_hook, save_hook, replace_hook
    sys.argv = ["bench", *argv]
    from bench.cli import main

    try:
        main()
    except SystemExit as e:
        os._exit(e.code if isinstance(e.code, int) else 1)
    os._exit(0)


def _sweep(tmp_path, argv, kill_at=None) -> tuple[int, str, list[str]]:
    err, log = tmp_path / "stderr.txt", tmp_path / "measured.txt"
    err.write_text("")
    log.write_text("")
    p = multiprocessing.get_context("fork").Process(target=_child,
                                                     args=(argv, str(err), kill_at, str(log)))
    p.start()
    p.join(120)
    assert p.exitcode is not None, "the sweep hung"
    return p.exitcode, err.read_text(), log.read_text().split()


def _saved(res: Path) -> dict[str, int]:
    return {f.stem: len(json.loads(f.read_text())["runs"]) for f in sorted(res.glob("*.json"))}


def test_kill_9_at_any_point_then_rerun_saves_each_model_exactly_once(zoo, tmp_path):
    res, extra = zoo
    argv = ARGS + extra
    code, err, measured = _sweep(tmp_path, argv, "measure:tiny-a")
    assert code == -signal.SIGKILL and measured == ["tiny-a"] and _saved(res) == {}
    code, err, measured = _sweep(tmp_path, argv, "before-rename:tiny-a")
    assert code == -signal.SIGKILL and _saved(res) == {}
    assert [p.name for p in res.iterdir() if p.suffix == ".tmp"]  # a killed writer's temp file
    code, err, measured = _sweep(tmp_path, argv, "after-save:tiny-a")
    assert code == -signal.SIGKILL and _saved(res) == {"tiny-a": 1}
    code, err, measured = _sweep(tmp_path, argv, "measure:tiny-b")
    assert code == -signal.SIGKILL and measured == ["tiny-b"]  # tiny-a was not measured again
    assert "resuming sweep" in err and "1 of 2 job(s) already saved" in err
    code, err, measured = _sweep(tmp_path, argv)
    assert code == 0, err
    assert measured == ["tiny-b"] and _saved(res) == {"tiny-a": 1, "tiny-b": 1}
    assert sorted(p.name for p in res.iterdir()) == ["tiny-a.json", "tiny-b.json"]  # no temps
    assert not list((tmp_path / "cache" / "segatlas" / "sweeps").glob("*.json"))  # completed
    sweep_ids = {json.loads((res / f"{k}.json").read_text())["runs"][0]["sweep"]
                 for k in ("tiny-a", "tiny-b")}
    assert len(sweep_ids) == 1  # one sweep across the five processes
    # a new sweep with the same settings starts afresh and adds one run per model
    code, err, measured = _sweep(tmp_path, argv)
    assert code == 0 and _saved(res) == {"tiny-a": 2, "tiny-b": 2}


def test_progress_is_plain_lines_on_stderr_with_json(zoo):
    res, extra = zoo
    r = CliRunner().invoke(app, ARGS + extra, catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)  # stdout: exactly one JSON object
    assert [s["model"] for s in doc["sweep"]] == ["tiny-a", "tiny-b"] and doc["failed"] == []
    lines = r.stderr.splitlines()
    assert any(line.startswith("[0/2 ") and line.endswith("tiny-a (fp32): started") for line in lines)
    assert any(line.startswith("[2/2 ") and line.endswith("tiny-b (fp32): done") for line in lines)
    assert _saved(res) == {"tiny-a": 1, "tiny-b": 1}


def test_a_failed_job_is_listed_not_saved_and_only_failed_reruns_it(zoo, monkeypatch):
    import bench.sweep as S

    res, extra = zoo
    real = S.measure_model

    def oom_on_b(spec, opts, *a, **k):
        run = real(spec, opts, *a, **k)
        if spec.key == "tiny-b":
            run.error = "CUDA out of memory (batch 1, 32x32): simulated"
        return run

    monkeypatch.setattr(S, "measure_model", oom_on_b)
    r = CliRunner().invoke(app, ARGS + extra, catch_exceptions=False)
    assert r.exit_code == 1
    assert "failed: tiny-b (fp32): CUDA out of memory" in r.stderr and "--only-failed" in r.stderr
    assert _saved(res) == {"tiny-a": 1}
    monkeypatch.setattr(S, "measure_model", real)
    r = CliRunner().invoke(app, ARGS + extra + ["--only-failed"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert [s["model"] for s in json.loads(r.stdout)["sweep"]] == ["tiny-b"]
    assert _saved(res) == {"tiny-a": 1, "tiny-b": 1}


@pytest.mark.slow
def test_submitit_local_executor_killed_job_then_only_failed(zoo, monkeypatch, tmp_path):
    """Two jobs through submitit's LocalExecutor (real subprocesses); tiny-b's job is
    cancelled while it runs; `--only-failed` resubmits it alone and it completes."""
    import cloudpickle

    from bench.harness import RunOptions
    from bench.progress import Progress
    from bench.slurm import ClusterOptions, run_submitit
    from bench.sweep import open_state, plan

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the jobs need TinyNet
    res, extra = zoo
    monkeypatch.setenv("TINY_ZOO_SLEEP", "tiny-b:120")  # holds tiny-b's job until killed
    opts = RunOptions(latency=False)
    jobs = plan(["tiny-a", "tiny-b"], ["fp32"])
    state = open_state(opts, ["fp32"], res, jobs, True, print)
    killed = []

    def kill_b(remaining):
        for job, t in remaining.items():
            if job.key == "tiny-b" and not killed and not [j for j in remaining if j.key == "tiny-a"]:
                # tiny-a has finished; tiny-b still sleeps in its build: SIGKILL the job's
                # process (the local controller's child), as an OOM killer or a node would
                ctl = int(t.job_id)
                kids = Path(f"/proc/{ctl}/task/{ctl}/children").read_text().split()
                for pid in kids:
                    os.kill(int(pid), signal.SIGKILL)
                killed.extend(kids)

    copts = ClusterOptions(cluster="local", timeout_min=5, poll_s=0.5)
    with Progress(2, "sweep", bar=False) as progress:
        rows = run_submitit(jobs, SPECS, opts, str(tmp_path / "none.yaml"), res, state,
                            progress, copts, on_poll=kill_b)
    assert killed
    by = {r["model"]: r for r in rows}
    assert by["tiny-a"]["error"] is None and by["tiny-b"]["error"]
    assert "ended without a result: its process was killed" in by["tiny-b"]["error"]
    assert "said: building tiny-b" in by["tiny-b"]["error"]  # where the job was
    assert Path(by["tiny-b"]["log"]).exists()  # failed jobs come with their log path
    assert _saved(res) == {"tiny-a": 1}
    monkeypatch.delenv("TINY_ZOO_SLEEP")
    r = CliRunner().invoke(app, ARGS + extra + ["--executor", "submitit-local", "--only-failed"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert [s["model"] for s in json.loads(r.stdout)["sweep"]] == ["tiny-b"]
    assert "submitted as job" in r.stderr
    assert _saved(res) == {"tiny-a": 1, "tiny-b": 1}
    runs = [json.loads((res / f"{k}.json").read_text())["runs"][0] for k in ("tiny-a", "tiny-b")]
    assert runs[0]["sweep"] == runs[1]["sweep"] == state["sweep_id"]


@pytest.mark.slow
def test_submitit_local_a_failure_in_the_job_says_what_failed(zoo, monkeypatch):
    """An exception in the job reads as the exception's own line, not as a log path."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    res, extra = zoo
    monkeypatch.setenv("TINY_ZOO_FAIL", "tiny-a")
    r = CliRunner().invoke(app, ARGS + extra + ["--executor", "submitit-local"],
                           catch_exceptions=False)
    assert r.exit_code == 1, r.stderr
    failed = json.loads(r.stdout)["failed"]
    assert [(f["model"], f["error"]) for f in failed] == [
        ("tiny-a", "ValueError while building the model: tiny-a cannot be built (the test asks so)")]
    assert Path(failed[0]["stderr"]).exists() and _saved(res) == {"tiny-b": 1}


def test_failed_onnx_export_is_saved_as_a_finding(zoo, monkeypatch):
    """An export that fails is a property of the model: saved with its reason, the job done."""
    pytest.importorskip("onnxruntime")
    import bench.measure.onnx_runtime as O

    def refuse(*a, **k):
        raise RuntimeError("dynamo=True: Unsupported op")

    monkeypatch.setattr(O, "export", refuse)
    res, extra = zoo
    r = CliRunner().invoke(app, ["run", "--all", "--models", "tiny-a", "--runtime", "onnxruntime",
                                 "--iters", "6", "--json", *extra], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    (run,) = json.loads((res / "tiny-a.json").read_text())["runs"]
    assert run["engine"] == "onnxruntime" and run["error"] == "export failed: dynamo=True: Unsupported op"
    assert json.loads(r.stdout)["failed"] == []
