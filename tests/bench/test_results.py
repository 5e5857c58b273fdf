"""Results files: typed append, load, locking, idempotence, atomicity under a simulated crash,
temp files cleaned, and where runs go (user folder vs the committed reference folder)."""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
import uuid
from pathlib import Path

import pytest

from bench.record import ResultsError
from bench.results import (
    REFERENCE_DIR,
    ResultsFileError,
    latest_run,
    load_runs,
    save_run,
    shown,
    user_results_dir,
)

TEMPLATE = json.loads((Path(__file__).resolve().parents[2] / "data" / "results" /
                       "fcn8s.json").read_text())["runs"][0]
TEMPLATE.pop("reference", None)  # a run as saved before the reference flag existed


def run(ts: str, device: str = "cpu", **kw) -> dict:
    rec = copy.deepcopy(TEMPLATE)
    rec.update(timestamp=ts, device=device, run_id=uuid.uuid4().hex, **kw)
    return rec


def test_append_load_latest(tmp_path):
    save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    save_run(run("2026-01-03T00:00:00+00:00", "cuda"), tmp_path)
    save_run(run("2026-01-02T00:00:00+00:00"), tmp_path)
    doc = json.loads((tmp_path / "fcn8s.json").read_text())
    assert doc["model"] == "fcn8s" and doc["paper"] == "fcn" and len(doc["runs"]) == 3
    assert [r["timestamp"][:10] for r in load_runs("fcn8s", tmp_path)] == \
        ["2026-01-01", "2026-01-03", "2026-01-02"]
    assert latest_run("fcn8s", results_dir=tmp_path)["timestamp"][:10] == "2026-01-03"
    assert latest_run("fcn8s", device="cpu", results_dir=tmp_path)["timestamp"][:10] == "2026-01-02"
    assert latest_run("other", results_dir=tmp_path) is None
    assert load_runs("other", tmp_path) == []


def test_earlier_runs_are_kept_byte_for_byte(tmp_path):
    legacy = copy.deepcopy(TEMPLATE)  # a run saved before run_id/reference existed
    path = tmp_path / "fcn8s.json"
    path.write_text(json.dumps({"model": "fcn8s", "paper": "fcn", "runs": [legacy]}))
    save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    runs = json.loads(path.read_text())["runs"]
    assert runs[0] == legacy and "reference" not in runs[0]
    assert runs[1]["reference"] is False and runs[1]["flops_at"] == []


def test_saving_the_same_run_twice_does_not_duplicate_it(tmp_path):
    rec = run("2026-01-01T00:00:00+00:00")
    save_run(rec, tmp_path)
    save_run(rec, tmp_path)
    assert len(load_runs("fcn8s", tmp_path)) == 1


def test_invalid_records_are_not_saved(tmp_path):
    with pytest.raises(ResultsError, match=r"latency\.median_ms: Input should be a finite number"):
        save_run(run("2026-01-01T00:00:00+00:00", latency={**TEMPLATE["latency"],
                                                           "median_ms": float("nan")}), tmp_path)
    assert not (tmp_path / "fcn8s.json").exists()


@pytest.mark.parametrize("crash_at", ["write", "fsync", "replace"])
def test_crash_mid_write_keeps_earlier_runs(tmp_path, monkeypatch, crash_at):
    import catalog.safeio as E  # the one atomic writer, shared with catalog exports

    save_run(run("2026-01-01T00:00:00+00:00", elapsed_s=1.0), tmp_path)
    before = (tmp_path / "fcn8s.json").read_bytes()

    def crash(*a, **k):
        raise OSError(f"simulated crash in {crash_at}")

    if crash_at == "write":  # half the JSON written, then the process dies
        real_fdopen = E.os.fdopen

        def half_written(fd, *a, **k):
            f = real_fdopen(fd, *a, **k)
            real_write = f.write
            f.write = lambda text: (real_write(text[: len(text) // 2]), crash())
            return f
        monkeypatch.setattr(E.os, "fdopen", half_written)
    else:
        monkeypatch.setattr(E.os, crash_at, crash)
    with pytest.raises(OSError, match="simulated crash"):
        save_run(run("2026-01-02T00:00:00+00:00", elapsed_s=2.0), tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "fcn8s.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["fcn8s.json"]  # no temp file left behind
    assert [r["elapsed_s"] for r in load_runs("fcn8s", tmp_path)] == [1.0]


def test_a_killed_writers_temp_file_is_removed_by_the_next_writer(tmp_path):
    save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    stale = tmp_path / ".fcn8s.json.abc123.tmp"  # what write_atomic leaves after a SIGKILL
    stale.write_text('{"model": "fcn8s", "runs": [')
    save_run(run("2026-01-02T00:00:00+00:00"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fcn8s.json"]
    assert len(load_runs("fcn8s", tmp_path)) == 2


def _writer(results_dir: str, n: int, tag: int) -> None:
    for i in range(n):
        save_run(run(f"2026-01-01T00:00:{i:02d}+00:00", elapsed_s=float(tag * 100 + i)),
                 results_dir)


def test_concurrent_writers_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), 8, t)) for t in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    got = sorted(r["elapsed_s"] for r in load_runs("fcn8s", tmp_path))
    assert got == sorted(float(t * 100 + i) for t in range(3) for i in range(8))


def test_corrupt_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "fcn8s.json"
    path.write_text('{"model": "fcn8s", "runs": [{"timest')  # truncated
    with pytest.raises(ResultsFileError, match=r"fcn8s\.json: \(top level\): Invalid JSON.*not overwritten"):
        save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    assert path.read_text() == '{"model": "fcn8s", "runs": [{"timest'
    path.write_text('{"model": "fcn8s", "paper": "fcn"}')
    with pytest.raises(ResultsFileError, match="runs: Field required"):
        load_runs("fcn8s", tmp_path)


def test_written_file_is_durable_json_with_an_ordinary_mode(tmp_path):
    p = save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    assert p == tmp_path / "fcn8s.json"
    assert json.loads(p.read_text())["runs"][0]["params"]["total"] == 134_489_759
    mask = os.umask(0)
    os.umask(mask)
    assert p.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600


def test_user_results_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SEGATLAS_RESULTS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    assert user_results_dir() == tmp_path / "c" / "segatlas" / "results"
    monkeypatch.setenv("SEGATLAS_RESULTS", str(tmp_path / "mine"))
    assert user_results_dir() == tmp_path / "mine"
    assert REFERENCE_DIR.name == "results" and REFERENCE_DIR.parent.name == "data"


def test_shown_prefers_the_reference_run(tmp_path):
    save_run(run("2026-01-01T00:00:00+00:00", reference=True, elapsed_s=1.0), tmp_path)
    save_run(run("2026-02-01T00:00:00+00:00", elapsed_s=2.0), tmp_path)  # a newer local run
    assert shown("fcn8s", tmp_path).elapsed_s == 1.0
