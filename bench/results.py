"""Results records: `data/results/<bench key>.json` = {"model", "paper", "runs": [RUN, ...]}.

The record format is documented in docs/dev/conventions.md. Writes are atomic: the new file
is written to a temporary file in the same directory, flushed and fsync'ed, then moved over
the old one with os.replace (atomic on POSIX), so a crash at any point leaves either the old
file or the new one, never a mix. An existing file that does not parse is reported
(ResultsFileError) and left alone: appending to it would silently drop earlier runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from catalog import REPO_ROOT
from catalog.export import write_atomic

DEFAULT_RESULTS_DIR = REPO_ROOT / "data" / "results"


class ResultsFileError(Exception):
    """A results file exists but is not a valid record (truncated, hand-edited, ...)."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def results_path(key: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Path:
    return Path(results_dir) / f"{key}.json"


def _read(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsFileError(f"{path}: not valid JSON ({e}); fix or move it away, it was "
                               "not overwritten") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ResultsFileError(f"{path}: expected an object with a 'runs' list; fix or move it "
                               "away, it was not overwritten")
    return doc


def write_json_atomic(path: Path, doc: dict) -> None:
    """Write `doc` to `path` so that readers and crashes only ever see a whole file."""
    write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def save_run(record: dict, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Path:
    """Append one RUN record to results/<model>.json; returns the file's path."""
    key = record["model"]
    path = results_path(key, results_dir)
    doc = _read(path) or {"model": key, "paper": record.get("paper"), "runs": []}
    doc["runs"].append(record)
    write_json_atomic(path, doc)
    return path


def load_runs(key: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> list[dict]:
    """All runs saved for `key`, oldest first ([] when none)."""
    doc = _read(results_path(key, results_dir))
    return doc["runs"] if doc else []


def latest_run(key: str, device: str | None = None,
               results_dir: Path | str = DEFAULT_RESULTS_DIR) -> dict | None:
    """The newest run for `key` (optionally on `device`: "cpu"/"cuda"), or None."""
    runs = [r for r in load_runs(key, results_dir) if device is None or r.get("device") == device]
    return max(runs, key=lambda r: r.get("timestamp") or "") if runs else None
