"""What the scheduler says about a sweep's jobs, asked without Slurm accounting.

`squeue -t all` knows every job slurmctld still holds in memory: pending, running, and for
`MinJobAge` seconds (default 300) after the end, finished ones with their final state
(CANCELLED, TIMEOUT, ...). That needs no accounting, so it is asked first; `sacct` is asked
only about jobs squeue no longer knows, and only while it works: on a cluster without
accounting it fails once ("Slurm accounting storage is disabled") and is not asked again. Every
command's stderr is captured, so nothing of it reaches the sweep's output. A job that neither
knows is reported as None: bench.job_state decides, after a grace period, that it vanished.

`LocalQueue` answers the same question for submitit's LocalExecutor (one subprocess per job),
from the processes themselves.

No torch, no submitit here: the functions run commands and parse their output.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# Job states after which Slurm may still run the job (squeue's %T, sacct's State).
ACTIVE = frozenset({"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
                    "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STAGE_OUT",
                    "RESV_DEL_HOLD", "STOPPED"})

Runner = Callable[..., subprocess.CompletedProcess]


class QueueError(Exception):
    """The scheduler could not be asked (slurmctld unreachable, squeue missing)."""


@dataclass(frozen=True)
class QueueState:
    state: str              # Slurm's job state (PENDING, RUNNING, CANCELLED, ...); ENDED: local
    reason: str = ""        # why it pends (squeue %r), e.g. Resources, PartitionTimeLimit
    exit_code: str = ""     # code:signal as Slurm shows it (0:15 = killed by SIGTERM)
    node: str = ""
    source: str = ""        # squeue, sacct or process

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


def _run(cmd: list[str], runner: Runner, timeout: float = 30) -> subprocess.CompletedProcess:
    try:
        return runner(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise QueueError(f"{cmd[0]} not found: is this a Slurm login node?") from None
    except subprocess.TimeoutExpired:
        raise QueueError(f"{shlex.join(cmd[:2])} did not answer in {timeout:g} s") from None


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


class SlurmQueue:
    """squeue first, sacct while it works; `runner` is subprocess.run (tests pass a fake)."""

    kind = "slurm"

    def __init__(self, runner: Runner = subprocess.run):
        self._runner = runner
        self.accounting: bool | None = None   # None: not asked yet
        self.accounting_note = ""

    def states(self, job_ids: Iterable[str]) -> dict[str, QueueState]:
        """The state of each job the scheduler knows; jobs it does not know are left out.
        QueueError when squeue itself fails."""
        ids = sorted(set(job_ids))
        if not ids:
            return {}
        r = _run(["squeue", "--noheader", "--array", "--states=all", "--jobs", ",".join(ids),
                  "--format=%i|%T|%r|%N"], self._runner)
        if r.returncode != 0 and "invalid job id" not in r.stderr.lower():
            raise QueueError(f"squeue failed: {_first_line(r.stderr) or f'exit {r.returncode}'}")
        out: dict[str, QueueState] = {}
        for line in r.stdout.splitlines():
            parts = line.strip().split("|")
            if len(parts) == 4 and parts[0] in ids:
                jid, state, reason, node = parts
                out[jid] = QueueState(state.split()[0], "" if reason == "None" else reason,
                                      node=node, source="squeue")
        for jid, st in list(out.items()):  # a finished job: its exit code (code:signal)
            if not st.active:
                out[jid] = QueueState(st.state, st.reason, self._exit_code(jid), st.node,
                                      st.source)
        missing = [j for j in ids if j not in out]
        if missing and self.accounting is not False:
            out.update(self._sacct(missing))
        return out

    def _exit_code(self, job_id: str) -> str:
        r = _run(["scontrol", "--oneliner", "show", "job", job_id], self._runner)
        for field in r.stdout.split():
            if field.startswith("ExitCode="):
                return field.removeprefix("ExitCode=")
        return ""

    def _sacct(self, job_ids: list[str]) -> dict[str, QueueState]:
        r = _run(["sacct", "--noheader", "--parsable2", "--allocations",
                  "--format=JobID,State,ExitCode,NodeList", "--jobs", ",".join(job_ids)],
                 self._runner)
        if r.returncode != 0:
            self.accounting = False
            self.accounting_note = _first_line(r.stderr) or f"sacct exited {r.returncode}"
            return {}
        self.accounting = True
        out = {}
        for line in r.stdout.splitlines():
            parts = line.strip().split("|")
            if len(parts) == 4 and parts[0] in job_ids:
                jid, state, code, node = parts
                out[jid] = QueueState(state.split()[0], exit_code=code, node=node, source="sacct")
        return out

    def test_submission(self, flags: list[str]) -> str | None:
        """`sbatch --test-only` with these flags: None when Slurm would take the job, else
        sbatch's own words (an unknown partition, a time limit over the partition's, ...)."""
        r = _run(["sbatch", "--test-only", *flags, "--wrap", "true"], self._runner)
        if r.returncode == 0:
            return None
        lines = [ln.strip() for ln in r.stderr.splitlines() if ln.strip()]
        return "; ".join(dict.fromkeys(lines)) or f"sbatch exited {r.returncode}"

    def jobs_on_node(self, node: str) -> list[str]:
        """Ids of the jobs running on `node`, as squeue shows them (an array's task as
        123_4); QueueError when squeue fails."""
        r = _run(["squeue", "--noheader", "--array", "--states=RUNNING", f"--nodelist={node}",
                  "--format=%i"], self._runner)
        if r.returncode != 0:
            raise QueueError(f"squeue failed: {_first_line(r.stderr) or f'exit {r.returncode}'}")
        return sorted({ln.strip() for ln in r.stdout.splitlines() if ln.strip()})


class LocalQueue:
    """submitit's LocalExecutor: a job is its controller process (job id = its pid)."""

    kind = "local"

    def __init__(self) -> None:
        self._procs: dict[str, subprocess.Popen] = {}

    def adopt(self, job_id: str, process: subprocess.Popen | None) -> None:
        """The Popen submitit started (this driver's own jobs: exit codes are exact)."""
        if process is not None:
            self._procs[job_id] = process

    def states(self, job_ids: Iterable[str]) -> dict[str, QueueState]:
        out = {}
        for jid in job_ids:
            proc = self._procs.get(jid)
            if proc is not None:
                code = proc.poll()
                out[jid] = (QueueState("RUNNING", source="process") if code is None else
                            QueueState("ENDED", exit_code=str(code), source="process"))
            elif _is_submitit_controller(jid):  # a job an earlier driver started
                out[jid] = QueueState("RUNNING", source="process")
            else:
                out[jid] = QueueState("ENDED", source="process")
        return out


def _is_submitit_controller(pid: str) -> bool:
    """A live process with this pid that is submitit's local job controller (not a reused pid)."""
    try:
        cmd = Path(f"/proc/{int(pid)}/cmdline").read_bytes()
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    return b"submitit.local._local" in cmd
