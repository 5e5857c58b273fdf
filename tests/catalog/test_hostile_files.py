"""Issue 20, files that are not files and writes that lose data: catalog.safeio and the commands
that read and write through it (validate, export, add, fmt, diff)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import safeio
from catalog.cli import app
from catalog.load import collect_issues, parse_yaml
from catalog.safeio import UnsafeFile, locked, read_bytes, write_atomic

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO)}


# ---------------------------------------------------------------- the reader


@pytest.mark.parametrize("kind", ["device-link", "fifo", "fifo-link", "folder"])
def test_a_path_that_is_not_a_regular_file_is_refused_unopened(tmp_path, runner, kind):
    path = tmp_path / "papers.yaml"
    if kind == "device-link":
        path.symlink_to("/dev/zero")  # never ends; reports size 0
        why = "is a character device (a link to /dev/zero), not a regular file"
    elif kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
        why = "is a FIFO (named pipe), not a regular file"
    elif kind == "fifo-link":
        os.mkfifo(tmp_path / "pipe")
        path.symlink_to(tmp_path / "pipe")
        why = "is a FIFO (named pipe)"
    else:
        path.mkdir()
        why = "is a folder, not a regular file"
    tracemalloc.start()
    try:
        result = runner.invoke(app, ["validate", str(path)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout.startswith(f"{path}:0: <file>: ") and why in result.stdout
    assert peak < 5_000_000
    with pytest.raises(UnsafeFile, match="not a regular file"):
        read_bytes(path, 1 << 20, "catalog")


@settings(max_examples=25, deadline=None, derandomize=True)
@given(size=st.integers(0, 5000), limit=st.integers(0, 5000))
def test_the_read_stops_at_the_cap_whatever_the_size(tmp_path_factory, size, limit):
    path = tmp_path_factory.mktemp("cap") / "f"
    path.write_bytes(b"x" * size)
    if size <= limit:
        assert read_bytes(path, limit) == b"x" * size
    else:
        with pytest.raises(UnsafeFile, match=f"larger than {limit:,} bytes"):
            read_bytes(path, limit)


def test_a_file_that_grows_past_the_cap_while_read_is_refused(tmp_path, monkeypatch):
    # stat says small; the read itself is bounded (what a device or a growing file needs)
    path = tmp_path / "grows"
    path.write_bytes(b"a" * 100)
    real = os.fdopen

    def growing(fd, *a, **k):
        with open(path, "ab") as f:
            f.write(b"b" * 10_000)
        return real(fd, *a, **k)

    monkeypatch.setattr(safeio.os, "fdopen", growing)
    with pytest.raises(UnsafeFile, match="larger than 1,000 bytes"):
        read_bytes(path, 1_000)


# ---------------------------------------------------------------- the writer


def test_writing_through_a_link_writes_its_target_and_keeps_the_link(tmp_path, runner, valid_text):
    real = tmp_path / "real.yaml"
    real.write_text(valid_text)
    link = tmp_path / "papers.yaml"
    link.symlink_to(real)
    result = runner.invoke(app, ["add", "--catalog", str(link), "--id", "unet", "--title",
                                 "U-Net", "--year", "2015"])
    assert result.exit_code == 0, result.stdout
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "- id: unet" in real.read_text() and real.read_text().startswith(valid_text)
    out = tmp_path / "out.csv"
    out_target = tmp_path / "target.csv"
    out_target.write_text("old\n")
    out.symlink_to(out_target)
    assert runner.invoke(app, ["export", "-o", str(out), str(real)]).exit_code == 0
    assert out.is_symlink() and out_target.read_text().startswith("paper,")


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_an_output_that_is_a_folder_or_not_a_file_is_refused_and_left_alone(tmp_path, runner,
                                                                            valid_text, kind):
    cat = tmp_path / "papers.yaml"
    cat.write_text(valid_text)
    out = tmp_path / "out"
    if kind == "folder":
        out.mkdir()
    else:
        os.mkfifo(out)  # what a device node would be for root: never replaced by a file
    for args in (["export", "-o", str(out), str(cat)], ["schema", "-o", str(out)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and not isinstance(result.exception, UnsafeFile)
        assert result.stdout.startswith(f"{out}:0: <file>: is a ") and "not a regular file" in result.stdout
    assert out.is_dir() if kind == "folder" else out.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "papers.yaml"]  # no temp left


def test_add_and_fmt_on_a_folder_are_clean_errors(tmp_path, runner):
    d = tmp_path / "dir.yaml"
    d.mkdir()
    result = runner.invoke(app, ["add", "--catalog", str(d), "--id", "x", "--title", "X",
                                 "--year", "2020"])
    assert result.exit_code == 1 and "is a folder" in result.stdout
    result = runner.invoke(app, ["fmt", str(d)])
    assert result.exit_code == 1 and result.stdout.startswith(f"{d}:0: <file>: is a folder")


def test_export_to_dash_prints(tmp_path, runner, valid_text):
    cat = tmp_path / "papers.yaml"
    cat.write_text(valid_text)
    result = runner.invoke(app, ["export", "-o", "-", str(cat)])
    assert result.exit_code == 0 and result.stdout.startswith("paper,")
    assert not (Path.cwd() / "-").exists()


_WRITER = """
import sys
from catalog.safeio import write_atomic
path, n = sys.argv[1], 0
while True:
    n += 1
    write_atomic(path, (f"version {n}\\n" + "x" * 4_000_000 + "\\nend\\n"))
    print(n, flush=True)
"""


def test_a_kill_9_during_writes_leaves_the_old_or_the_new_file(tmp_path):
    path = tmp_path / "f.txt"
    write_atomic(path, "version 0\n" + "x" * 4_000_000 + "\nend\n")
    for delay in (0.05, 0.2, 0.45):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], env=_env(),
                                stdout=subprocess.PIPE)
        time.sleep(delay + 0.3)  # start-up, then somewhere inside a write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = path.read_text()
        assert text.startswith("version ") and text.endswith("\nend\n") and len(text) > 4_000_000


def _add(args: tuple[str, str, str]) -> int:
    path, pid, title = args
    return subprocess.run([sys.executable, "-m", "catalog", "add", "--catalog", path, "--id", pid,
                           "--title", title, "--year", "2020"], env=_env(),
                          capture_output=True).returncode


def test_concurrent_adds_keep_every_paper(tmp_path, valid_text):
    path = tmp_path / "papers.yaml"
    path.write_text(valid_text)
    papers = [(str(path), f"paper-{i}", f"Paper number {i}") for i in range(4)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        codes = pool.map(_add, papers)
    assert codes == [0, 0, 0, 0]
    cat, _, issues = collect_issues(path)
    assert not issues
    assert {p.id for p in cat.papers} == {"fcn", "paper-0", "paper-1", "paper-2", "paper-3"}


def test_the_lock_is_exclusive(tmp_path):
    path = tmp_path / "papers.yaml"
    path.write_text("")
    inside, done = tmp_path / "inside", tmp_path / "done"

    def hold():
        with locked(path):
            inside.touch()
            time.sleep(0.5)
            done.touch()  # written while the lock is still held

    p = multiprocessing.get_context("fork").Process(target=hold)
    p.start()
    while not inside.exists():
        time.sleep(0.01)
    with locked(path):
        assert done.exists()  # the parent got the lock only after the child let it go
    p.join()


def test_a_dangling_link_is_written_as_its_target(tmp_path):
    link = tmp_path / "l.json"
    link.symlink_to(tmp_path / "new.json")
    write_atomic(link, "{}\n")
    assert link.is_symlink() and (tmp_path / "new.json").read_text() == "{}\n"


def test_parse_of_text_read_safely_matches(tmp_path, valid_text):
    path = tmp_path / "p.yaml"
    path.write_text(valid_text)
    assert parse_yaml(read_bytes(path, 1 << 20).decode())[0] == parse_yaml(valid_text)[0]
