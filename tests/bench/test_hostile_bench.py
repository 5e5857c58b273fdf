"""Issue 20 in the bench: console markup in untrusted text, decompression bombs (PNG headers,
zipped checkpoints), results records with duplicate keys or past their caps, non-regular
results files, and the sweep's bookkeeping under its lock."""

from __future__ import annotations

import copy
import json
import multiprocessing
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from bench import record as R
from bench.cli import app as bench_app
from bench.cli import print_record
from bench.miou_cmd import miou_command
from bench.record import ResultsError, load_results, parse_results
from bench.weights import WeightsError, check_archive, load_weights
from catalog.term import esc, visible

REPO = Path(__file__).resolve().parents[2]
RESULTS = json.loads((REPO / "data" / "results" / "fcn8s.json").read_text())
runner = CliRunner()
miou_app = typer.Typer()
miou_app.command("miou")(miou_command)
miou_app.command("other")(lambda: None)

MARKUP = ["[/x]", "[/]", "[bold]", "[red]x[/red]", "\\[/x]", "x\\", "[link=javascript:1]a[/link]",
          "\x1b[31m", "[/x] \u202e"]
markup_text = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=4)),
                       min_size=1, max_size=5).map("".join)


# ---------------------------------------------------------------- console markup


@settings(max_examples=40, deadline=None, derandomize=True)
@given(markup_text)
def test_esc_prints_any_text_literally(text):
    from rich.console import Console

    console = Console(record=True, width=400, color_system=None)
    console.print(f"[bold]{esc(text)}[/bold]", highlight=False)
    out = console.export_text().rstrip("\n")
    assert "\x1b" not in out and "\u202e" not in out
    assert out.rstrip() == visible(text).rstrip()  # control characters shown, markup literal


@settings(max_examples=15, deadline=None, derandomize=True)
@given(markup_text)
def test_bench_run_prints_a_record_with_markup_in_every_text_field(text):
    import contextlib
    import io

    rec = copy.deepcopy(RESULTS["runs"][0])
    rec["env"]["platform"] = rec["env"]["device_name"] = text
    rec["error"] = text + " boom"
    rec["weights"] = {"path": f"/w/{text}.pth", "sha256": "0" * 64, "missing": [], "unexpected": [],
                      "note": text}
    for v in rec["verdicts"]:
        v["note"] = v["tolerance"] = text
        v["sources"] = [text]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_record(rec, catalog_note=text)
    out = buf.getvalue()
    assert "claims vs measurements" in out and "error:" in out


def _png(path: Path, width: int, height: int, bit_depth: int = 16) -> Path:
    """A PNG whose header declares width x height (grey), with a tiny, truncated IDAT: what a
    decompression bomb looks like to a reader that trusts the header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
                     + chunk(b"IEND", b""))
    return path


def _label(path: Path, arr) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr, dtype=np.uint8), mode="L").save(path)


def test_bench_miou_with_markup_in_paths_and_class_names(tmp_path):
    pred, gt = tmp_path / "pred[/x]", tmp_path / "gt[bold]"
    _label(pred / "a[/x].png", [[0, 1], [1, 1]])
    _label(gt / "a[/x].png", [[0, 1], [1, 0]])
    r = runner.invoke(miou_app, ["miou", "--pred", str(pred), "--gt", str(gt), "--num-classes", "2",
                                 "--class-names", "[/x],[red]b[/red]"])
    assert r.exit_code == 0, r.output
    assert "│ [/x] " in r.stdout and "│ [red]b[/red] " in r.stdout and "pred[/x" in r.stdout
    missing = tmp_path / "none[/x]"
    r = runner.invoke(miou_app, ["miou", "--pred", str(missing), "--gt", str(gt), "--num-classes", "2"])
    assert r.exit_code == 1 and "[/x]" in r.output and "Traceback" not in r.output


def test_bench_list_with_markup_in_the_results_path(tmp_path):
    d = tmp_path / "runs[/x]"
    r = runner.invoke(bench_app, ["list", "--results-dir", str(d), "--catalog",
                                  str(tmp_path / "none.yaml")])
    assert r.exit_code == 0, r.output
    assert "runs[/x]" in r.stdout


# ---------------------------------------------------------------- decompression bombs


def test_a_png_bomb_is_refused_from_its_header(tmp_path):
    pred = _png(tmp_path / "pred" / "a.png", 30_000, 30_000)
    gt = _png(tmp_path / "gt" / "a.png", 30_000, 30_000)
    tracemalloc.start()
    try:
        r = runner.invoke(miou_app, ["miou", "--pred", str(pred.parent), "--gt", str(gt.parent),
                                     "--num-classes", "2"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.exit_code == 1
    assert "in its header; refusing to decode more than 40,000,000 pixels" in r.output.replace("\n", "")
    assert peak < 50_000_000  # 30000 x 30000 x 16 bit would be 1.8 GB before widening


@settings(max_examples=20, deadline=None, derandomize=True)
@given(w=st.integers(1, 60_000), h=st.integers(1, 60_000))
def test_image_sizes_are_checked_before_decoding(tmp_path_factory, w, h):
    from bench.data.base import MAX_PIXELS, MAX_SIDE, DatasetError, image_size

    path = _png(tmp_path_factory.mktemp("png") / "x.png", w, h)
    if w <= MAX_SIDE and h <= MAX_SIDE and w * h <= MAX_PIXELS:
        assert image_size(path) == (w, h)
    else:
        with pytest.raises(DatasetError, match="in its header; refusing to decode"):
            image_size(path)


def test_a_pair_of_different_sizes_is_refused_before_decoding(tmp_path):
    _png(tmp_path / "pred" / "a.png", 100, 50, 8)
    _png(tmp_path / "gt" / "a.png", 50, 100, 8)  # truncated pixel data: decoding would fail
    r = runner.invoke(miou_app, ["miou", "--pred", str(tmp_path / "pred"), "--gt",
                                 str(tmp_path / "gt"), "--num-classes", "2"])
    assert r.exit_code == 1 and "size mismatch for 'a'" in r.output and "100x50" in r.output


def _tiny() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))


def test_a_zipped_checkpoint_bomb_is_refused_before_torch_load(tmp_path, monkeypatch):
    good = tmp_path / "good.pth"
    torch.save(_tiny().state_dict(), good)
    bomb = tmp_path / "bomb.pth"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for m in src.infolist():
            dst.writestr(m.filename, src.read(m))
        dst.writestr("good/data/99", b"\0" * (32 << 20))  # 32 MB of zeros in ~32 KB
    assert bomb.stat().st_size < 1 << 20
    loaded = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: loaded.append(a) or {})
    with pytest.raises(WeightsError, match="decompression bomb, not a PyTorch checkpoint"):
        load_weights(_tiny(), bomb)
    assert loaded == []  # refused from the archive's directory, nothing inflated


def test_a_checkpoint_declaring_more_than_the_model_can_hold_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.weights.MODEL_SIZE_SLACK", 0)
    big = tmp_path / "big.pth"
    torch.save({"w": torch.zeros(100_000)}, big)  # stored uncompressed, as torch.save does
    with pytest.raises(WeightsError, match="declares .* bytes once inflated, more than a checkpoint"):
        check_archive(big, expected_bytes=1_000)
    check_archive(big, expected_bytes=400_000)  # fits


# ---------------------------------------------------------------- results records


def test_a_duplicate_key_in_a_results_file_is_refused(tmp_path):
    text = json.dumps(RESULTS)
    dup = text.replace('"median_ms": ', '"median_ms": 1.0, "median_ms": ', 1)
    assert json.loads(dup)  # valid JSON, last value wins for Python
    f = tmp_path / "fcn8s.json"
    f.write_text(dup)
    with pytest.raises(ResultsError, match="the key 'median_ms' is given twice in one object"):
        load_results(f)
    assert R.main(["check", str(f)]) == 1


def test_caps_on_size_runs_and_verdicts(tmp_path, monkeypatch):
    doc = copy.deepcopy(RESULTS)
    doc["runs"][0]["verdicts"] = doc["runs"][0]["verdicts"][:1] * (R.MAX_VERDICTS + 1)
    with pytest.raises(ResultsError, match=r"runs\[0\]\.verdicts"):
        parse_results(json.dumps(doc), "f.json")
    monkeypatch.setattr(R, "MAX_FILE_BYTES", 1000)
    f = tmp_path / "fcn8s.json"
    f.write_text(json.dumps(RESULTS))
    with pytest.raises(ResultsError, match="larger than 1,000 bytes"):
        load_results(f)


def test_a_results_file_that_is_a_device_is_refused(tmp_path):
    f = tmp_path / "fcn8s.json"
    f.symlink_to("/dev/zero")
    with pytest.raises(ResultsError, match="is a character device"):
        load_results(f)
    from bench.results import load_runs

    with pytest.raises(ResultsError, match="is a character device"):
        load_runs("fcn8s", tmp_path)


# ---------------------------------------------------------------- sweep bookkeeping


def _fail(args):
    cache, slug = args
    import os

    os.environ["XDG_CACHE_HOME"] = cache
    from bench import sweep as S

    state = json.loads(S.state_path("fp").read_text())
    for i in range(20):
        S.record_failure(state, S.Job(f"{slug}{i}", "fp32"), {"model": slug, "error": "x"})


def test_two_sweeps_recording_failures_at_once_keep_both(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from bench import sweep as S

    S.save_state({"fingerprint": "fp", "sweep_id": "s1", "failed": {}, "submitted": {}})
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_fail, [(str(tmp_path), "a"), (str(tmp_path), "b")])
    failed = json.loads(S.state_path("fp").read_text())["failed"]
    assert len(failed) == 40


def test_decoding_threads_share_one_pixel_budget():
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from bench.miou_cmd import _PixelBudget

    budget, peak, lock = _PixelBudget(100), [0], threading.Lock()

    def work(n):
        with budget.hold(n):
            with lock:
                peak[0] = max(peak[0], budget.used)
            time.sleep(0.01)

    with ThreadPoolExecutor(16) as ex:
        list(ex.map(work, [30, 60, 90, 10, 100, 40] * 5))
    assert peak[0] <= 100 and budget.used == 0
