"""Whether a submitted job is still on its way, done, or failed; and if failed, what failed.

The evidence, most direct first:
1. the job's status file, written by the job itself (bench.cluster_job): a heartbeat with
   its stage every HEARTBEAT_S while it runs, then `done`, or `failed` with the error's line;
2. submitit's result pickle, ("error", traceback), for an exception our code did not see;
3. the scheduler (bench.job_queue): a pending or running job is waited for; a job that
   ended without 1 or 2 failed, with what Slurm says (CANCELLED, TIMEOUT, OUT_OF_MEMORY, ...)
   and what slurmstepd wrote into its log ("*** JOB 14 ON n1 CANCELLED AT ... ***");
4. a job the scheduler no longer knows (purged from slurmctld, and no accounting to ask)
   failed once `grace_s` has passed: the driver never waits for ever.
The grace also covers a shared filesystem that shows a job's files a little late.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from bench.job_queue import QueueState
from bench.record import now_iso

HEARTBEAT_S = 15.0
STALE_S = 10 * HEARTBEAT_S   # a running job this long without a heartbeat is said to be silent
LOG_TAIL_BYTES = 64 * 1024
# states in which Slurm itself ended the job: only the job's last status write may be late
KILLED = frozenset({"CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",
                    "DEADLINE", "BOOT_FAIL"})
KILLED_GRACE_S = 5.0

# slurmstepd's own line in the job's stderr when it ends a job
SLURM_END_RE = re.compile(r"\*\*\* (?:JOB|STEP) \S+ ON (\S+) CANCELLED AT (\S+)"
                          r"(?: DUE TO ([A-Z ]+?))?(?: \*\*\*|$)", re.M)
OOM_RE = re.compile(r"oom-kill|out-of-memory|Exceeded job memory limit", re.I)
SIGNALS = {"9": "SIGKILL", "15": "SIGTERM", "2": "SIGINT", "6": "SIGABRT", "11": "SIGSEGV"}


# ---------------------------------------------------------------- the status file (job side)

class JobStatus:
    """`with JobStatus(path) as st: st.stage("timing"); ...; st.done()`: the job's heartbeat.

    A thread rewrites the file every `every_s` seconds (and calls `on_beat`, e.g. to sample
    the node's other jobs); each write is atomic, so the driver reads a whole document."""

    def __init__(self, path: Path, every_s: float = HEARTBEAT_S,
                 on_beat: Callable[[], None] | None = None):
        self.path, self.every_s, self.on_beat = Path(path), every_s, on_beat
        self.doc = {"state": "running", "stage": "starting", "started": now_iso(),
                    "updated": now_iso(), "host": socket.gethostname(), "pid": os.getpid()}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="heartbeat")

    def __enter__(self) -> JobStatus:
        self._write()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            if self.on_beat:
                try:
                    self.on_beat()
                except Exception:  # noqa: BLE001 - a sampling hiccup must not end the job
                    pass
            self._write()

    def _write(self, **changes) -> None:
        from bench.results import write_json_atomic

        with self._lock:
            if self.doc["state"] != "running" and changes.get("state") is None:
                return  # the final word is written once; a late beat never overwrites it
            self.doc.update(changes, updated=now_iso())
            write_json_atomic(self.path, self.doc)

    @property
    def stage(self) -> str:
        return self.doc["stage"]

    def set_stage(self, stage: str) -> None:
        self._write(stage=stage[:200])

    def done(self) -> None:
        self._write(state="done")

    def failed(self, error: str) -> None:
        self._write(state="failed", error=error[:1000])


def read_status(path: Path) -> dict:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


# ---------------------------------------------------------------- the driver's view

@dataclass
class Tracked:
    """A submitted job as the driver follows it (and as the sweep state keeps it)."""

    job_id: str
    kind: str               # slurm or local (which queue knows it)
    status: Path
    result: Path            # submitit's result pickle
    stdout: Path
    stderr: Path
    gone_since: float | None = None   # when the queue first said it ended (or forgot it)

    def entry(self) -> dict:
        return {"job_id": self.job_id, "executor": self.kind, "status": str(self.status),
                "result": str(self.result), "stdout": str(self.stdout),
                "stderr": str(self.stderr)}

    @classmethod
    def from_entry(cls, e: dict) -> Tracked | None:
        try:
            return cls(str(e["job_id"]), e["executor"], Path(e["status"]), Path(e["result"]),
                       Path(e["stdout"]), Path(e["stderr"]))
        except (KeyError, TypeError):
            return None  # an entry from before the status file existed: not attachable


@dataclass(frozen=True)
class Outcome:
    kind: Literal["wait", "done", "failed"]
    detail: str = ""        # wait: what it waits on; failed: what failed


def judge(t: Tracked, q: QueueState | None, now: float, grace_s: float,
          timeout_min: float | None = None) -> Outcome:
    """One look at the job: still waiting, done (its record can be merged), or failed."""
    st = read_status(t.status)
    if st.get("state") == "done":
        return Outcome("done")
    if st.get("state") == "failed":
        return Outcome("failed", st.get("error") or "the job failed (its status names no error)")
    outcome = _result_outcome(t.result)
    if outcome is not None:
        return outcome
    if q is not None and q.active:
        t.gone_since = None
        return Outcome("wait", _waiting(q, st, now))
    if t.gone_since is None:
        t.gone_since = now
    if q is not None and q.state in KILLED:  # Slurm ended it: no result is on its way
        grace_s = min(grace_s, KILLED_GRACE_S)
    if now - t.gone_since < grace_s:
        return Outcome("wait", "finishing")
    return Outcome("failed", ended_without_result(t, q, st, timeout_min, now))


def _result_outcome(path: Path) -> Outcome | None:
    try:
        with open(path, "rb") as f:
            kind, value = pickle.load(f)  # noqa: S301 - our own job's output, in our logs folder
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - half-written (a slow filesystem): look again next poll
        return None
    if kind == "success":
        return Outcome("done")
    return Outcome("failed", last_line(str(value)) or "the job raised an exception")


def last_line(trace: str) -> str:
    """The exception's own line of a traceback ('ValueError: bad size')."""
    lines = [ln.strip() for ln in trace.splitlines() if ln.strip()]
    return lines[-1][:1000] if lines else ""


def _waiting(q: QueueState, st: dict, now: float) -> str:
    state = q.state.lower()
    if q.state == "PENDING":
        return f"pending ({q.reason})" if q.reason else "pending"
    if q.state != "RUNNING":
        return state
    age = _age(st, now)
    if age is not None and age > STALE_S:
        return f"running (no heartbeat for {age:.0f} s)"
    return "running"


def _age(st: dict, now: float) -> float | None:
    try:
        return now - datetime.fromisoformat(st["updated"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return None


def log_tail(path: Path, nbytes: int = LOG_TAIL_BYTES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - nbytes))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def ended_without_result(t: Tracked, q: QueueState | None, st: dict,
                         timeout_min: float | None, now: float) -> str:
    """What failed, for a job that ended and left no status and no result: the scheduler's
    state, slurmstepd's line in the log, and where the job's heartbeat last was."""
    log = log_tail(t.stderr) + "\n" + log_tail(t.stdout)
    ends = SLURM_END_RE.findall(log)
    due = ends[-1][2].strip() if ends else ""
    limit = f" of {timeout_min:g} min (--timeout)" if timeout_min else ""
    state = q.state if q else ""
    if state == "TIMEOUT" or due == "TIME LIMIT":
        what = f"timed out: it ran past its time limit{limit}"
    elif state == "OUT_OF_MEMORY" or OOM_RE.search(log):
        what = "ran out of memory: the node's OOM killer ended it"
    elif state == "NODE_FAIL" or due == "NODE FAILURE":
        what = "was lost with its node (NODE_FAIL)"
    elif state == "PREEMPTED" or due == "PREEMPTION":
        what = "was preempted and not requeued"
    elif state == "CANCELLED" or ends:
        at = f" at {ends[-1][1]}" if ends else ""
        what = f"was cancelled{at} (scancel, or an administrator)"
    elif state in ("FAILED", "BOOT_FAIL", "DEADLINE"):
        what = f"ended {state} {_exit_words(q.exit_code)} without a result".replace("  ", " ")
    elif state == "COMPLETED":
        what = "completed but wrote no result (see its log)"
    elif state == "ENDED":  # submitit-local: the job's process is gone
        what = ("ended without a result: its process was killed (a signal, the OOM killer) "
                "before it could say why")
    elif q is None:
        what = ("left the queue without a result, and nothing records how it ended (squeue "
                "no longer knows it and Slurm has no accounting here): cancelled, killed or lost")
    else:
        what = f"ended in Slurm state {state} without a result"
    text = f"job {t.job_id} {what}"
    stage = st.get("stage")
    if stage and st.get("state") == "running":
        age = _age(st, now)
        text += (f"; its last heartbeat{f' ({age:.0f} s earlier)' if age else ''} said: "
                 f"{stage}")
    elif not st and state != "ENDED":
        text += "; it ended before its first heartbeat"
    return text


def _exit_words(code: str) -> str:
    """Slurm's code:signal ('1:0', '0:9') in words."""
    rc, _, sig = (code or "").partition(":")
    if sig and sig != "0":
        return f"(killed by {SIGNALS.get(sig, 'signal ' + sig)})"
    return f"(exit code {rc})" if rc and rc != "0" else ""
