"""What one sweep job runs on its node (submitted by bench.slurm through submitit).

The job measures one (model, precision) with bench.harness.measure_model and writes its run
record, atomically, for the driver to merge. Around that it keeps a status file
(bench.job_state.JobStatus): a heartbeat with its stage while it runs, then `done` or
`failed` with what failed, in one line: the exception's own line, the time-out, the
interruption. A job that fails raises as well, so Slurm and submitit see it fail.

The catalog is the driver's: the driver passes the sha256 of the catalog file it loaded, and
a node that cannot read that file, reads another version of it, or cannot load it fails the
job with that reason before measuring anything (instead of a run without verdicts). A driver
without a catalog passes None and the node measures without claims, as the driver would.

On Slurm the record also says how the job had its node (`node`: CPUs allotted, other jobs
seen running on the node while it measured, whether --exclusive was asked), sampled with
squeue when the job starts, at each heartbeat and when it ends.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from dataclasses import replace
from pathlib import Path

from bench.harness import RunOptions
from bench.job_queue import QueueError, SlurmQueue
from bench.job_state import JobStatus


class JobFailed(RuntimeError):
    """The job ran but failed; the message is what failed."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def node_catalog(catalog: str | None, sha256: str | None):
    """The driver's catalog, read on this node: (catalog, None) or (None, what is wrong)."""
    from bench.harness import load_claims_catalog
    from catalog import DEFAULT_CATALOG

    if sha256 is None:
        return None, None
    path = Path(catalog or DEFAULT_CATALOG)
    host = socket.gethostname()
    try:
        mine = file_sha256(path)
    except OSError as e:
        return None, f"node {host} cannot read the catalog {path}: {e.strerror or e}"
    if mine != sha256:
        return None, (f"node {host} reads another catalog at {path} (sha256 {mine[:12]}, the "
                      f"driver's is {sha256[:12]}): the node runs another checkout")
    cat, note = load_claims_catalog(path)
    if cat is None:
        return None, f"node {host}: {note}"
    return cat, None


class NodeWatch:
    """Other jobs on this job's Slurm node while it measures, and the CPUs it was given."""

    def __init__(self, exclusive: bool, queue: SlurmQueue | None = None,
                 env: dict | None = None):
        self.env = os.environ if env is None else env
        self.exclusive = exclusive
        self.queue = queue or SlurmQueue()
        self.node = self.env.get("SLURMD_NODENAME") or socket.gethostname()
        array, task = self.env.get("SLURM_ARRAY_JOB_ID"), self.env.get("SLURM_ARRAY_TASK_ID")
        self.own = f"{array}_{task}" if array and task else self.env.get("SLURM_JOB_ID", "")
        self.others: set[str] = set()
        self.samples = 0
        self.errors: list[str] = []

    @property
    def on_slurm(self) -> bool:
        return bool(self.own)

    def sample(self) -> None:
        if not self.on_slurm:
            return
        try:
            jobs = self.queue.jobs_on_node(self.node)
        except QueueError as e:
            self.errors.append(str(e))
            return
        self.samples += 1
        self.others.update(j for j in jobs if j != self.own)

    def record(self) -> dict | None:
        """The run's `node` block (bench.record.NodeUse), or None off Slurm."""
        if not self.on_slurm:
            return None
        return {"scheduler": "slurm", "job_id": self.own,
                "node": self.node,
                "cpus_allotted": _int(self.env.get("SLURM_CPUS_ON_NODE")),
                "cpus_on_node": os.cpu_count(),
                "exclusive_requested": self.exclusive,
                "other_jobs": sorted(self.others, key=lambda j: (len(j), j)),
                "samples": self.samples,
                "shared": bool(self.others) if self.samples else None,
                **({"note": "; ".join(dict.fromkeys(self.errors))[:500]} if self.errors else {})}


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v else None
    except ValueError:
        return None


def _timed_out(stage: str, timeout_min: float | None) -> str:
    limit = f" of {timeout_min:g} min (--timeout)" if timeout_min else ""
    return f"timed out: the scheduler's warning before the time limit{limit} came while {stage}"


def run_error_text(error: str, timeout_min: float | None) -> str:
    """A run's recorded error, except submitit's time-out signal, which the harness caught
    as an error of its stage ("UncompletedJobError while timing: ... timed-out ...")."""
    m = re.match(r"UncompletedJobError while (.+?): .*timed-out", error)
    return _timed_out(m.group(1), timeout_min) if m else error


def failure_text(e: BaseException, stage: str, timeout_min: float | None) -> str:
    """One line for what ended the job: the exception's own line, or the time-out."""
    msg = " ".join(str(e).split())
    if type(e).__name__ == "UncompletedJobError" and "timed-out" in msg:
        return _timed_out(stage, timeout_min)
    if isinstance(e, KeyboardInterrupt):
        return f"interrupted (SIGINT: the job was cancelled) while {stage}"
    if isinstance(e, JobFailed):
        return msg
    return f"{type(e).__name__}: {msg}"[:1000] if msg else type(e).__name__


def job_main(spec, precision: str, opts: dict, catalog: str | None,
             catalog_sha256: str | None, sweep_id: str, out: str, status: str,
             timeout_min: float | None = None, exclusive: bool = False) -> str:
    """Measure on this node and write the record for the driver. `spec` is the ModelSpec
    (pickled by reference: the node imports only its family) or a bench key."""
    from bench.harness import measure_model
    from bench.record import validate_run
    from bench.results import write_json_atomic

    watch = NodeWatch(exclusive)
    watch.sample()
    with JobStatus(Path(status), on_beat=watch.sample) as st:
        try:
            if isinstance(spec, str):
                from bench.models.registry import get_spec

                spec = get_spec(spec)
            st.set_stage("reading the catalog")
            cat, problem = node_catalog(catalog, catalog_sha256)
            if problem:
                raise JobFailed(problem)
            run = measure_model(spec, replace(RunOptions(**opts), precision=precision), cat,
                                say=st.set_stage, sweep=sweep_id)
            if run.error:
                raise JobFailed(run_error_text(run.error, timeout_min))
            watch.sample()
            node = watch.record()
            if node is not None:
                run = validate_run({**run.model_dump(mode="json"), "node": node},
                                   f"record of {spec.key}")
            write_json_atomic(Path(out), run.model_dump(mode="json"))
            st.done()
        except SystemExit:  # submitit requeues a preempted job: it starts again, not failed
            st.set_stage("requeued")
            raise
        except BaseException as e:
            st.failed(failure_text(e, st.stage, timeout_min))
            raise
    return out
