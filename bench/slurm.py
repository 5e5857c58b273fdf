"""`bench run --all --executor slurm`: one submitit job per (model, precision).

Each job runs bench.cluster_job.job_main on its node and writes its record, atomically, to
`<logs>/records/<model>--<precision>.json`; the driver (this process) waits, shows progress,
and merges each finished job's record into the results with bench.results.save_run (locked,
atomic, idempotent). A job's record is merged only if the sweep has no run for that
(model, precision) yet, so a resubmitted or reattached job never duplicates a run, and a
driver that dies loses nothing: the next driver first merges the records the jobs left, then
attaches to the jobs still queued or running instead of submitting them again.

Before any sweep state is written, `check_submission` asks Slurm whether it would take the
jobs (`sbatch --test-only`): an unknown partition or a limit the partition refuses is a usage
error (exit 2) in sbatch's own words.

How the driver knows a job's state needs no Slurm accounting (bench.job_state,
bench.job_queue): the job's status file, submitit's result file, squeue, and sacct only where
it works; a job that ended or vanished without a result is failed within `grace_s`, with
what failed (the exception's line, the time-out, the cancel). Failed jobs are kept in the
sweep state with their job id and log paths; `--only-failed` resubmits those alone. Logs live
under `$XDG_CACHE_HOME/segatlas/sweeps/<sweep>/logs/` unless `--logs` says otherwise.

`cluster="local"` (submitit's LocalExecutor: one subprocess per job) is how the tests run
this path without Slurm.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.harness import RunOptions, UsageError
from bench.job_queue import LocalQueue, QueueError, SlurmQueue
from bench.job_state import Tracked, judge
from bench.progress import Progress
from bench.record import ResultsError, load_results, read_results_bytes, validate_run
from bench.results import save_run, sweep_runs
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
    exclusive: bool = False         # whole nodes, so latencies are not shared-core timings
    grace_s: float | None = None    # ended without a result -> failed after this [30 s; local 3 s]

    @property
    def on_slurm(self) -> bool:
        return self.cluster in (None, "slurm")

    @property
    def grace(self) -> float:
        return self.grace_s if self.grace_s is not None else (30.0 if self.on_slurm else 3.0)


# submitit's Slurm parameter -> the sbatch flag it becomes (for `sbatch --test-only`) and
# the bench option that sets it (for the error message)
SBATCH_FLAGS = {"timeout_min": ("--time", "--timeout"),
                "slurm_partition": ("--partition", "--partition"),
                "gpus_per_node": ("--gpus-per-node", "--gpus-per-job"),
                "cpus_per_task": ("--cpus-per-task", "--cpus-per-job"),
                "slurm_exclusive": ("--exclusive", "--exclusive")}
NOT_SBATCH = {"name", "slurm_array_parallelism",  # submitit's own, or irrelevant to the test
              "slurm_signal_delay_s"}


def slurm_parameters(copts: ClusterOptions, opts: RunOptions) -> dict:
    """submitit AutoExecutor parameters for the sweep's jobs."""
    params: dict = {"timeout_min": copts.timeout_min, "name": "segatlas-bench"}
    if copts.on_slurm:
        params["slurm_array_parallelism"] = copts.array_parallelism
        # submitit's warning (SIGUSR2) before the time limit ends a job that cannot be
        # checkpointed, with "timed out": 90 s early, or a quarter of a short limit
        params["slurm_signal_delay_s"] = min(90, copts.timeout_min * 60 // 4)
        if opts.device.startswith("cuda") and copts.gpus_per_job:
            params["gpus_per_node"] = copts.gpus_per_job
        if copts.partition:
            params["slurm_partition"] = copts.partition
        if copts.cpus_per_job:
            params["cpus_per_task"] = copts.cpus_per_job
        if copts.exclusive:
            params["slurm_exclusive"] = True
    return params


def sbatch_flags(params: dict) -> list[str]:
    flags = ["--nodes=1", "--ntasks-per-node=1"]
    for k, v in params.items():
        if k not in NOT_SBATCH:
            flag = SBATCH_FLAGS[k][0]
            flags.append(flag if v is True else f"{flag}={v}")
    return flags


def _bench_options(params: dict) -> str:
    """The bench options behind the sbatch flags ('--partition short, --timeout 60')."""
    return ", ".join(SBATCH_FLAGS[k][1] + ("" if v is True else f" {v}")
                     for k, v in params.items() if k not in NOT_SBATCH)


def check_submission(copts: ClusterOptions, opts: RunOptions, queue=None) -> None:
    """Would Slurm take the sweep's jobs? UsageError in sbatch's words when not; called
    before the sweep's state is written."""
    try:
        import submitit  # noqa: F401
    except ImportError:
        raise UsageError("--executor slurm needs submitit (pip install submitit)") from None
    if not copts.on_slurm:
        return
    # submitit's Slurm executor refuses to start without srun (its CPU-affinity probe), after
    # the sweep's state would be written: refuse first, in words.
    missing = [tool for tool in ("sbatch", "srun") if shutil.which(tool) is None] if queue is None else []
    if missing:
        raise UsageError(f"--executor slurm: {' and '.join(missing)} not on PATH; submit from a "
                         "Slurm login node (or use --executor local)")
    params = slurm_parameters(copts, opts)
    flags = sbatch_flags(params)
    try:
        refusal = (queue or SlurmQueue()).test_submission(flags)
    except QueueError as e:
        raise UsageError(f"--executor slurm: {e}") from None
    if refusal:
        raise UsageError(f"Slurm refuses the sweep's jobs ({_bench_options(params)}; sbatch "
                         f"{' '.join(flags)}): {refusal}")


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
                 results_dir: Path, state: dict, progress: Progress, copts: ClusterOptions,
                 on_poll: Callable[[dict], None] | None = None, queue=None,
                 catalog_loaded: bool | None = None) -> list[dict]:
    """Submit `jobs` (or attach to those still queued), wait with progress, merge each
    finished record; the summary rows. `catalog_loaded`: whether the driver loaded the
    catalog (then each node must load the same file; None: find out here)."""
    try:
        import submitit
    except ImportError:
        raise UsageError("--executor slurm needs submitit (pip install submitit)") from None
    catalog_sha256 = _catalog_sha256(catalog, catalog_loaded)

    logs = logs_dir(state, copts)
    records = logs / "records"
    queue = queue or (SlurmQueue() if copts.on_slurm else LocalQueue())
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
    tracked = _attach(todo, state, queue, progress)
    fresh = [j for j in todo if j not in tracked]
    if fresh:
        tracked.update(_submit(submitit, fresh, specs, opts, catalog, catalog_sha256, state,
                               logs, copts, queue, progress))
    save_state(state)
    remaining = dict(tracked)
    started = time.monotonic()
    while remaining:
        if on_poll:
            on_poll(remaining)
        try:
            states, trouble = queue.states(t.job_id for t in remaining.values()), ""
        except QueueError as e:  # slurmctld away: nothing can be judged, the jobs may be fine
            states, trouble = None, str(e)
        waiting: dict[str, int] = {}
        for job, t in list(remaining.items()):
            if states is None:
                continue
            out = judge(t, states.get(t.job_id), time.time(), copts.grace, copts.timeout_min)
            if out.kind == "wait":
                waiting[out.detail] = waiting.get(out.detail, 0) + 1
                continue
            del remaining[job]
            error = out.detail if out.kind == "failed" else None
            if error is None and not _merge(records / f"{job.slug}.json", results_dir, state):
                error = (f"job {t.job_id} finished but left no valid record "
                         f"({records / f'{job.slug}.json'})")
            rows.append(_finish(job, t, error, results_dir, state, progress))
        if remaining:
            progress.tick(f"waiting for {len(remaining)} job(s): "
                          + (trouble + ", retrying" if trouble else
                             ", ".join(f"{n} {s}" for s, n in sorted(waiting.items()))))
            time.sleep(min(copts.poll_s, 1 + (time.monotonic() - started) / 10))
    return rows


def _finish(job: Job, t: Tracked, error: str | None, results_dir: Path, state: dict,
            progress: Progress) -> dict:
    if error:
        state["failed"][job.slug] = {"model": job.key, "precision": job.precision,
                                     "job_id": t.job_id, "error": error,
                                     "stdout": str(t.stdout), "stderr": str(t.stderr)}
    else:
        state["failed"].pop(job.slug, None)
    save_state(state)
    run = None if error else _saved(results_dir, job, state)
    progress.done(job.name, "done" if not error else f"failed: {error} (log: {t.stderr})")
    return summarize(job, run, error, str(t.stderr) if error else None)


def _attach(todo: list[Job], state: dict, queue, progress: Progress) -> dict[Job, Tracked]:
    """The jobs an earlier driver submitted that are still queued or running: followed, not
    submitted again."""
    prior = {}
    for job in todo:
        t = Tracked.from_entry(state["submitted"].get(job.slug) or {})
        if t is not None and t.kind == queue.kind:
            prior[job] = t
    if not prior:
        return {}
    try:
        states = queue.states(t.job_id for t in prior.values())
    except QueueError as e:
        raise UsageError(f"cannot tell whether the jobs submitted earlier still run ({e}); "
                         "rerun when the scheduler answers") from None
    out = {}
    for job, t in prior.items():
        q = states.get(t.job_id)
        if q is not None and q.active:
            out[job] = t
            progress.line(f"{job.name}: attached to job {t.job_id} ({q.state.lower()}), "
                          "submitted earlier")
    return out


def _submit(submitit, jobs: list[Job], specs: dict, opts: RunOptions, catalog: str | None,
            catalog_sha256: str | None, state: dict, logs: Path, copts: ClusterOptions, queue,
            progress: Progress) -> dict[Job, Tracked]:
    from bench.cluster_job import job_main

    records = logs / "records"
    executor = submitit.AutoExecutor(folder=logs / "%j", cluster=copts.cluster)
    executor.update_parameters(**slurm_parameters(copts, opts))
    opts_dict = asdict(opts)
    token = uuid.uuid4().hex[:8]  # this submission's status files: a rerun never reads old ones
    status = {job: records / f"{job.slug}.{token}.status.json" for job in jobs}
    try:
        with executor.batch():
            submitted = {job: executor.submit(job_main, specs[job.key], job.precision,
                                              opts_dict, catalog, catalog_sha256,
                                              state["sweep_id"],
                                              str(records / f"{job.slug}.json"),
                                              str(status[job]), copts.timeout_min,
                                              copts.exclusive)
                         for job in jobs}
    except Exception as e:  # noqa: BLE001 - sbatch refused (its stderr is the message)
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        raise UsageError("the jobs were not submitted: "
                         + ("; ".join(lines[:5]) or type(e).__name__)) from None
    out = {}
    for job, sj in submitted.items():
        if isinstance(queue, LocalQueue):
            queue.adopt(str(sj.job_id), getattr(sj, "_process", None))
        t = Tracked(str(sj.job_id), queue.kind, status[job], sj.paths.result_pickle,
                    sj.paths.stdout, sj.paths.stderr)
        state["submitted"][job.slug] = t.entry()
        out[job] = t
    # Written down before it is announced: a driver killed after "submitted as job" must leave
    # a state a rerun attaches to, never jobs nobody tracks.
    save_state(state)
    for job, t in out.items():
        progress.line(f"{job.name}: submitted as job {t.job_id}")
    return out


def _catalog_sha256(catalog: str | None, loaded: bool | None) -> str | None:
    """The sha256 of the catalog file the nodes must read, or None (no catalog: no claims)."""
    from bench.cluster_job import file_sha256
    from bench.harness import load_claims_catalog
    from catalog import DEFAULT_CATALOG

    path = Path(catalog or DEFAULT_CATALOG)
    if loaded is None:
        loaded = load_claims_catalog(path)[0] is not None
    try:
        return file_sha256(path) if loaded else None
    except OSError:
        return None


def _saved(results_dir: Path, job: Job, state: dict):
    path = Path(results_dir) / f"{job.key}.json"
    try:
        runs = load_results(path).runs
    except ResultsError:
        return None
    return next((r for r in reversed(runs)
                 if r.sweep == state["sweep_id"] and r.precision == job.precision), None)
