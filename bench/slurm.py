"""`bench run --all --executor slurm`: one submitit job per (model, precision).

Each job runs bench.harness.measure_model on its node and writes its record, atomically, to
`<logs>/records/<model>--<precision>.json`; the driver (this process) waits, shows progress,
and merges each finished job's record into the results with bench.results.save_run (locked,
atomic, idempotent). A job's record is merged only if the sweep has no run for that
(model, precision) yet, so a resubmitted or reattached job never duplicates a run, and a
driver that dies loses nothing: the next driver first merges the records the jobs left.

Failed jobs (an exception, a cancelled or timed-out job, a node failure) are kept in the sweep
state with their job id and log paths; `--only-failed` resubmits those alone. Logs live under
`$XDG_CACHE_HOME/segatlas/sweeps/<sweep>/logs/` unless `--logs` says otherwise.

`cluster="local"` (submitit's LocalExecutor: one subprocess per job) is how the tests run
this path without Slurm.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.harness import RunOptions
from bench.progress import Progress
from bench.record import ResultsError, load_results, read_results_bytes, validate_run
from bench.results import save_run, sweep_runs, write_json_atomic
from bench.sweep import Job, save_state, state_path, summarize


@dataclass
class ClusterOptions:
    partition: str | None = None
    gpus_per_job: int = 1
    cpus_per_job: int | None = None
    timeout_min: int = 60
    array_parallelism: int = 16
    cluster: str | None = "slurm"   # "local": submitit's LocalExecutor (tests, one machine)
    logs: Path | None = None
    poll_s: float = 5.0


def job_main(spec, precision: str, opts: dict, catalog: str | None, sweep_id: str,
             out: str) -> str:
    """What one job runs on its node: measure, then write the record for the driver.
    `spec` is the ModelSpec (pickled by reference: the node imports only its family) or a
    bench key."""
    from bench.harness import load_claims_catalog, measure_model

    if isinstance(spec, str):
        from bench.models.registry import get_spec

        spec = get_spec(spec)
    cat, _note = load_claims_catalog(Path(catalog) if catalog else None)
    run = measure_model(spec, replace(RunOptions(**opts), precision=precision), cat,
                        sweep=sweep_id)
    if run.error:
        raise RuntimeError(f"{spec.key} ({precision}): {run.error}")
    write_json_atomic(Path(out), run.model_dump(mode="json"))
    return out


def logs_dir(state: dict, copts: ClusterOptions) -> Path:
    return copts.logs or state_path(state["fingerprint"]).with_suffix("") / "logs"


def _merge(record_file: Path, results_dir: Path, state: dict) -> bool:
    """Save a job's record unless this sweep already has that (model, precision); True when
    the job counts as done."""
    try:
        run = validate_run(json.loads(read_results_bytes(record_file)), str(record_file))
    except (OSError, ValueError, ResultsError):
        return False
    if run.sweep != state["sweep_id"]:
        return False
    if (run.model, run.precision) not in sweep_runs(results_dir, state["sweep_id"]):
        save_run(run, results_dir)
    return True


def run_submitit(jobs: list[Job], specs: dict, opts: RunOptions, catalog: str | None,
                 results_dir: Path,
                 state: dict, progress: Progress, copts: ClusterOptions,
                 on_poll: Callable[[dict], None] | None = None) -> list[dict]:
    """Submit `jobs`, wait with progress, merge each finished record; the summary rows."""
    try:
        import submitit
    except ImportError:
        from bench.harness import UsageError

        raise UsageError("--executor slurm needs submitit (pip install submitit)") from None

    logs = logs_dir(state, copts)
    records = logs / "records"
    rows: list[dict] = []
    todo = []
    for job in jobs:  # records a previous driver did not merge
        f = records / f"{job.slug}.json"
        if f.exists() and _merge(f, results_dir, state):
            state["failed"].pop(job.slug, None)
            rows.append(summarize(job, _saved(results_dir, job, state), None))
            progress.done(job.name, "done (merged from an earlier submission)")
        else:
            todo.append(job)
    save_state(state)
    if not todo:
        return rows
    executor = submitit.AutoExecutor(folder=logs / "%j", cluster=copts.cluster)
    params: dict = {"timeout_min": copts.timeout_min, "name": "segatlas-bench"}
    if copts.cluster in (None, "slurm"):
        params.update(slurm_array_parallelism=copts.array_parallelism,
                      gpus_per_node=copts.gpus_per_job if opts.device.startswith("cuda") else 0)
        if copts.partition:
            params["slurm_partition"] = copts.partition
        if copts.cpus_per_job:
            params["cpus_per_task"] = copts.cpus_per_job
    executor.update_parameters(**params)
    opts_dict = asdict(opts)
    with executor.batch():
        submitted = {job: executor.submit(job_main, specs[job.key], job.precision, opts_dict,
                                          catalog,
                                          state["sweep_id"], str(records / f"{job.slug}.json"))
                     for job in todo}
    for job, sj in submitted.items():
        if copts.cluster == "local":  # no shared filesystem to wait for (submitit waits 15 s)
            sj._results_timeout_s = 2
        state["submitted"][job.slug] = {"job_id": str(sj.job_id), "stdout": str(sj.paths.stdout),
                                        "stderr": str(sj.paths.stderr)}
        progress.line(f"{job.name}: submitted as job {sj.job_id}")
    save_state(state)
    remaining = dict(submitted)
    while remaining:
        if on_poll:
            on_poll(remaining)
        for job, sj in list(remaining.items()):
            if not sj.done():
                continue
            del remaining[job]
            log = str(sj.paths.stderr)
            error = None
            try:
                sj.result()
                if not _merge(records / f"{job.slug}.json", results_dir, state):
                    error = "the job finished but left no valid record"
            except Exception as e:  # noqa: BLE001 - a failed, cancelled or killed job
                error = _job_error(e)
            if error:
                state["failed"][job.slug] = {"model": job.key, "precision": job.precision,
                                             "job_id": str(sj.job_id), "error": error,
                                             "stdout": str(sj.paths.stdout), "stderr": log}
            else:
                state["failed"].pop(job.slug, None)
            save_state(state)
            run = None if error else _saved(results_dir, job, state)
            rows.append(summarize(job, run, error, log if error else None))
            progress.done(job.name, "done" if not error else f"failed: {error} (log: {log})")
        if remaining:
            states: dict[str, int] = {}
            for sj in remaining.values():
                st = _state(sj)
                states[st] = states.get(st, 0) + 1
            progress.tick(f"waiting for {len(remaining)} job(s): "
                          + ", ".join(f"{n} {s.lower()}" for s, n in sorted(states.items())))
            time.sleep(copts.poll_s)
    return rows


def _job_error(e: BaseException) -> str:
    """One line for a failed job: submitit's UncompletedJobError starts with what happened
    ('Job 12 ... has not produced any output (state: ...)') and appends the whole log; a
    failure inside the job ends with the exception's own line."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    if type(e).__name__ == "UncompletedJobError":
        text = " ".join(lines[:2])
    else:
        text = lines[-1] if lines else type(e).__name__
    return f"{type(e).__name__}: {text}"[:400]


def _state(sj) -> str:
    try:
        return str(sj.state)
    except Exception:  # noqa: BLE001 - sacct unavailable etc.
        return "UNKNOWN"


def _saved(results_dir: Path, job: Job, state: dict):
    path = Path(results_dir) / f"{job.key}.json"
    try:
        runs = load_results(path).runs
    except ResultsError:
        return None
    return next((r for r in reversed(runs)
                 if r.sweep == state["sweep_id"] and r.precision == job.precision), None)
