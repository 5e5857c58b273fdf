"""Results files: `<results dir>/<bench key>.json` = {"model", "paper", "runs": [RUN, ...]}.

Where runs go:
- `data/results/` (REFERENCE_DIR, tracked) holds reference runs, committed on purpose; only
  `bench run --reference` writes there, and marks the run `reference: true`.
- every other saved run (`bench run --save`, `bench run --all`) goes to the user's results
  folder: `$SEGATLAS_RESULTS`, else `$XDG_CACHE_HOME/segatlas/results` (~/.cache/...).
  The site shows runs by the rule in bench.record.shown_runs, never simply the latest.

How a run is saved so it cannot be lost or duplicated:
- every file is read through bench.record (a file that does not validate is reported, with
  the file and the field, and never overwritten: appending would drop earlier runs);
- writers take an exclusive `fcntl.flock` on the results folder, so two processes appending
  to one file never lose each other's runs;
- the new file is written to a temp file in the same folder, fsync'ed, moved over the old one
  with os.replace (atomic on POSIX) and the folder fsync'ed (catalog.safeio.write_atomic);
  temp files a killed writer left behind are removed by the next writer, under the lock;
- a run with a `run_id` already in the file is not appended twice (saving is idempotent).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.record import (
    ResultsError,
    Run,
    now_iso,
    parse_results,
    read_results_bytes,
    validate_run,
)
from catalog.safeio import locked, write_atomic

__all__ = ["REFERENCE_DIR", "DEFAULT_RESULTS_DIR", "ResultsFileError", "user_results_dir",
           "cache_dir", "results_path", "save_run", "load_runs", "latest_run", "shown",
           "write_json_atomic", "now_iso", "results_lock", "is_reference_dir"]

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "results"
DEFAULT_RESULTS_DIR = REFERENCE_DIR  # what readers (the site, `bench list`) read by default

ResultsFileError = ResultsError  # the name callers used before the typed record


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/segatlas` (default ~/.cache/segatlas): local runs and sweep state."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "segatlas"


def user_results_dir() -> Path:
    """Where local runs are saved: `$SEGATLAS_RESULTS`, else the cache's `results/`."""
    env = os.environ.get("SEGATLAS_RESULTS")
    return Path(env).expanduser() if env else cache_dir() / "results"


def is_reference_dir(path: Path | str) -> bool:
    return Path(path).expanduser().resolve() == REFERENCE_DIR.resolve()


def results_path(key: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Path:
    return Path(results_dir) / f"{key}.json"


def write_json_atomic(path: Path, doc: dict) -> None:
    """Write `doc` to `path` so that readers and crashes only ever see a whole file."""
    write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


@contextmanager
def results_lock(results_dir: Path | str) -> Iterator[Path]:
    """Exclusive lock on the results folder (catalog.safeio.locked: flock on the folder)."""
    d = Path(results_dir)
    d.mkdir(parents=True, exist_ok=True)
    with locked(d):
        yield d


def _read(path: Path) -> dict | None:
    """The file's JSON, validated (ResultsError names the file and the field); raw dicts are
    returned so that re-saving leaves earlier runs byte-for-byte as they were."""
    if not os.path.lexists(path):
        return None
    data = read_results_bytes(path)
    try:
        parse_results(data, str(path))
    except ResultsError as e:
        raise ResultsError(f"{e}; fix or move the file away, it was not overwritten") from None
    return json.loads(data)


def _clean_stale_temps(results_dir: Path, key: str) -> None:
    """Temp files of a writer killed mid-write (we hold the lock: nobody else is writing)."""
    for tmp in results_dir.glob(f".{key}.json.*.tmp"):
        tmp.unlink(missing_ok=True)


def save_run(record: Run | dict, results_dir: Path | str) -> Path:
    """Append one run to `<results_dir>/<model>.json`, durably; returns the file's path.

    The run is validated first. Idempotent for a run with a `run_id`: saving it again
    (e.g. a resumed sweep that crashed after the save) does not duplicate it."""
    run = record if isinstance(record, Run) else validate_run(record, "run to save")
    results_dir = Path(results_dir)
    path = results_path(run.model, results_dir)
    new = run.model_dump(mode="json", exclude_none=False)
    with results_lock(results_dir):
        _clean_stale_temps(results_dir, run.model)
        doc = _read(path) or {"model": run.model, "paper": run.paper, "runs": []}
        if run.run_id and any(r.get("run_id") == run.run_id for r in doc["runs"]):
            return path
        doc["runs"].append(new)
        write_json_atomic(path, doc)
    return path


def load_runs(key: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> list[dict]:
    """All runs saved for `key`, oldest first ([] when none); validated."""
    doc = _read(results_path(key, results_dir))
    return doc["runs"] if doc else []


def load_typed(key: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> list[Run]:
    path = results_path(key, results_dir)
    if not os.path.lexists(path):
        return []
    from bench.record import load_results

    return load_results(path).runs


def latest_run(key: str, device: str | None = None,
               results_dir: Path | str = DEFAULT_RESULTS_DIR) -> dict | None:
    """The newest run for `key` (optionally on `device`: "cpu"/"cuda"), or None."""
    runs = [r for r in load_runs(key, results_dir) if device is None or r.get("device") == device]
    return max(runs, key=lambda r: r.get("timestamp") or "") if runs else None


def shown(key: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Run | None:
    """The run the site shows for `key` (bench.record.shown_run)."""
    from bench.record import shown_run

    return shown_run(load_typed(key, results_dir))


def sweep_runs(results_dir: Path | str, sweep_id: str) -> set[tuple[str, str]]:
    """(model, precision) of the runs of sweep `sweep_id` saved in `results_dir` (what a
    resume skips). Unreadable files count as not done; the save will report them."""
    done: set[tuple[str, str]] = set()
    for f in Path(results_dir).glob("*.json"):
        try:
            doc = _read(f)
        except ResultsError:
            continue
        for r in (doc or {}).get("runs", []):
            if r.get("sweep") == sweep_id:
                done.add((r["model"], r["precision"]))
    return done
