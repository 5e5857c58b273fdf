"""`bench run --all`: every registered model (x each precision), saved as each finishes.

A sweep is one job per (model, precision). A job is done exactly when its run record, marked
with the sweep's id and without an error, is durably in the results file (bench.results.save_run: locked, fsync'ed,
atomic rename, idempotent by run id); nothing else says "done". So a kill at any moment
followed by a rerun with the same options measures each unfinished job again and saves each
finished one exactly once.

The sweep's state (its id, settings, and the failed jobs with their log paths) lives outside
the repository, in `$XDG_CACHE_HOME/segatlas/sweeps/` (one file per results folder and
settings), and is removed when the sweep completes. A job whose run failed (out of memory, an
exception) is not saved: it is listed with its error (and, on Slurm, its log paths), a rerun
retries it, and `--only-failed` retries only the failed ones. An ONNX export that fails
(`--runtime onnxruntime`) is the exception: it is a finding about the model, saved with its
reason, and the job is done. The local executor runs jobs in this
process; bench.slurm submits them through submitit and shares everything else here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.harness import RunOptions, UsageError, measure_model
from bench.progress import Progress
from bench.record import ResultsError, Run, now_iso
from bench.results import cache_dir, save_run, sweep_runs, write_json_atomic
from catalog.safeio import locked, read_bytes


@dataclass(frozen=True, order=True)
class Job:
    key: str
    precision: str

    @property
    def name(self) -> str:
        return f"{self.key} ({self.precision})"

    @property
    def slug(self) -> str:
        return f"{self.key}--{self.precision}"


def plan(keys: list[str], precisions: list[str]) -> list[Job]:
    return [Job(k, p) for k in keys for p in precisions]


def fingerprint(opts: RunOptions, precisions: list[str], results_dir: Path) -> str:
    doc = {"opts": {**asdict(replace(opts, precision="*")), "precisions": sorted(precisions)},
           "results_dir": str(Path(results_dir).expanduser().resolve())}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def state_path(fp: str) -> Path:
    return cache_dir() / "sweeps" / f"{fp}.json"


MAX_STATE_BYTES = 16 << 20  # a sweep's state lists its jobs and failures: a few KB


def _read_state(path: Path) -> dict | None:
    """The state on file, or None when there is none or it is unreadable (bounded read)."""
    if not os.path.lexists(path):
        return None
    try:
        state = json.loads(read_bytes(path, MAX_STATE_BYTES, "sweep state"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def open_state(opts: RunOptions, precisions: list[str], results_dir: Path, jobs: list[Job],
               resume: bool, say) -> dict:
    """The state of the sweep with these settings: resumed when one is on file (and `resume`),
    else a new one with a new sweep id. Under the state's lock: two sweeps started at once
    with the same settings share one sweep id instead of each writing over the other."""
    fp = fingerprint(opts, precisions, results_dir)
    path = state_path(fp)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        if resume and os.path.lexists(path):
            state = _read_state(path)
            if state and state.get("fingerprint") == fp and state.get("sweep_id") \
                    and isinstance(state.get("failed"), dict):
                state.setdefault("submitted", {})
                return state
            say(f"unreadable sweep state {path}: starting a new sweep")
        state = {"fingerprint": fp, "sweep_id": f"{now_iso()[:10]}-{uuid.uuid4().hex[:8]}",
                 "results_dir": str(Path(results_dir).expanduser().resolve()),
                 "settings": {**asdict(opts), "precision": precisions}, "started": now_iso(),
                 "jobs": [[j.key, j.precision] for j in jobs], "failed": {}, "submitted": {}}
        write_json_atomic(path, state)
    return state


def save_state(state: dict) -> None:
    path = state_path(state["fingerprint"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        write_json_atomic(path, state)


def record_failure(state: dict, job: Job, failure: dict | None) -> None:
    """Set (or clear, with None) `job`'s failure in the state, in memory and on file: a
    read-modify-write under the state's lock, so a sweep with the same settings running
    beside this one keeps its own entries."""
    path = state_path(state["fingerprint"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        on_file = _read_state(path)
        if not (on_file and on_file.get("sweep_id") == state["sweep_id"]
                and isinstance(on_file.get("failed"), dict)):
            on_file = state
        for s in (state, on_file):
            if failure is None:
                s["failed"].pop(job.slug, None)
            else:
                s["failed"][job.slug] = failure
        state["failed"] = dict(on_file["failed"])
        write_json_atomic(path, on_file)


def finish_state(state: dict) -> None:
    state_path(state["fingerprint"]).unlink(missing_ok=True)


def pending(state: dict, results_dir: Path, jobs: list[Job]) -> list[Job]:
    done = sweep_runs(results_dir, state["sweep_id"])
    return [j for j in jobs if (j.key, j.precision) not in done]


def resume_hint() -> str:
    return "resume with: bench " + shlex.join(sys.argv[1:]) if sys.argv[1:] else \
        "resume by running the same `bench run --all ...` command again"


def summarize(job: Job, run: Run | None, error: str | None, log: str | None = None) -> dict:
    """One row of the sweep's summary (what the CLI prints and --json returns)."""
    counts: dict[str, int] = {}
    for v in (run.verdicts if run else []):
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    return {"model": job.key, "precision": job.precision,
            "error": error or (run.error if run else None),
            "params": run.params.total if run and run.params else None,
            "gmacs": run.flops.gmacs if run and run.flops else None,
            "median_ms": run.latency.median_ms if run and run.latency else None,
            "unstable": run.latency.unstable if run and run.latency else None,
            "verdicts": counts, **({"log": log} if log else {})}


def _family_order(run: Run, job: Job, specs: dict, opts: RunOptions, results_dir: Path,
                  state: dict, progress: Progress) -> list[Run]:
    """bench.ordering.check_order against this sweep's saved runs of the same family."""
    from bench.harness import remeasure_latency
    from bench.ordering import check_order
    from bench.results import load_typed

    family = specs[job.key].family
    peers = []
    for key, spec in specs.items():
        if key == job.key or spec.family != family:
            continue
        try:
            mine = [r for r in load_typed(key, results_dir)
                    if r.sweep == state["sweep_id"] and r.precision == job.precision and not r.error]
        except ResultsError:
            continue
        if mine:
            peers.append(max(mine, key=lambda r: r.timestamp))
    o = replace(opts, precision=job.precision)
    return check_order(run, peers, lambda key: remeasure_latency(
        specs[key], o, say=lambda m: progress.tick(f"{job.name}: {m}")))


def export_failed(run: Run) -> bool:
    """An onnxruntime run whose export or session failed (deterministic: saved, not retried)."""
    return run.engine == "onnxruntime" and run.onnx is not None and run.onnx.error is not None


def run_local(jobs: list[Job], specs: dict, opts: RunOptions, cat, results_dir: Path,
              state: dict, progress: Progress) -> list[dict]:
    """Measure and save each job in this process; the summary rows, in order."""
    rows = []
    for job in jobs:
        progress.start(job.name)
        error = None
        run = None
        try:
            run = measure_model(specs[job.key], replace(opts, precision=job.precision), cat,
                                say=lambda m, j=job: progress.tick(f"{j.name}: {m}"),
                                sweep=state["sweep_id"])
        except (UsageError, ResultsError) as e:
            error = str(e)
        appended: list[Run] = []
        if run is not None and not run.error:
            appended = _family_order(run, job, specs, opts, results_dir, state, progress)
        if run is not None and (not run.error or export_failed(run)):
            # a failed run is listed, not saved (a rerun retries it); an ONNX export that fails
            # is a property of the model, saved with its reason like any measurement
            try:
                save_run(run, results_dir)
                for again in appended:  # re-measured variants of the family (bench.ordering)
                    save_run(again, results_dir)
            except (ResultsError, OSError) as e:
                error = f"not saved: {e}"
        if error or (run and run.error and not export_failed(run)):
            record_failure(state, job, {"model": job.key, "precision": job.precision,
                                        "error": (error or run.error)[:500]})
        else:
            record_failure(state, job, None)
        row = summarize(job, run, error)
        rows.append(row)
        progress.done(job.name, "done" if not row["error"] else f"failed: {row['error'][:200]}")
    return rows
