"""Results files: append, load, latest, and atomicity under a simulated crash."""

from __future__ import annotations

import json
import os

import pytest

import bench.results as R
from bench.results import ResultsFileError, latest_run, load_runs, save_run


def run(ts: str, device: str = "cpu", **kw) -> dict:
    return {"model": "m", "paper": "p", "timestamp": ts, "device": device, **kw}


def test_append_load_latest(tmp_path):
    save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    save_run(run("2026-01-03T00:00:00+00:00", "cuda"), tmp_path)
    save_run(run("2026-01-02T00:00:00+00:00"), tmp_path)
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["model"] == "m" and doc["paper"] == "p" and len(doc["runs"]) == 3
    assert [r["timestamp"][:10] for r in load_runs("m", tmp_path)] == \
        ["2026-01-01", "2026-01-03", "2026-01-02"]
    assert latest_run("m", results_dir=tmp_path)["timestamp"][:10] == "2026-01-03"
    assert latest_run("m", device="cpu", results_dir=tmp_path)["timestamp"][:10] == "2026-01-02"
    assert latest_run("other", results_dir=tmp_path) is None
    assert load_runs("other", tmp_path) == []


@pytest.mark.parametrize("crash_at", ["write", "fsync", "replace"])
def test_crash_mid_write_keeps_earlier_runs(tmp_path, monkeypatch, crash_at):
    import catalog.export as E  # the one atomic writer, shared with catalog exports

    save_run(run("2026-01-01T00:00:00+00:00", value=1), tmp_path)
    before = (tmp_path / "m.json").read_bytes()

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
        save_run(run("2026-01-02T00:00:00+00:00", value=2), tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "m.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temp file left behind
    assert [r["value"] for r in load_runs("m", tmp_path)] == [1]


def test_corrupt_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"model": "m", "runs": [{"timest')  # truncated
    with pytest.raises(ResultsFileError, match="not valid JSON.*not overwritten"):
        save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    assert path.read_text() == '{"model": "m", "runs": [{"timest'
    path.write_text('{"model": "m"}')
    with pytest.raises(ResultsFileError, match="'runs' list"):
        load_runs("m", tmp_path)


def test_written_file_is_durable_json(tmp_path):
    p = save_run(run("2026-01-01T00:00:00+00:00", params={"total": 134_489_759}), tmp_path)
    assert p == tmp_path / "m.json"
    assert json.loads(p.read_text())["runs"][0]["params"]["total"] == 134_489_759
    assert oct(os.stat(p).st_mode & 0o777) in ("0o600", "0o644", "0o664")


def test_saved_file_has_an_ordinary_mode(tmp_path):
    import os

    save_run(run("2026-01-01T00:00:00+00:00"), tmp_path)
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600
