"""The Slurm path without a cluster: what squeue/sacct/sbatch answers become (fake commands),
the failure texts, the unknown-partition path through the CLI (a fake `sbatch` on PATH),
attaching to a job an earlier driver submitted, and the node side (catalog, node sharing).
The real cluster is tests/slurm/ (opt-in)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import time
from pathlib import Path

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from bench.cli import app
from bench.cluster_job import (
    JobFailed,
    NodeWatch,
    failure_text,
    file_sha256,
    job_main,
    node_catalog,
    run_error_text,
)
from bench.harness import RunOptions, UsageError, measure_model
from bench.job_queue import QueueError, QueueState, SlurmQueue
from bench.job_state import JobStatus, Tracked, judge, read_status
from bench.models.registry import ModelSpec
from bench.progress import Progress
from bench.record import NodeUse
from bench.slurm import (
    NOT_SBATCH,
    SBATCH_FLAGS,
    ClusterOptions,
    check_submission,
    run_submitit,
    sbatch_flags,
    slurm_parameters,
)
from bench.sweep import open_state, plan

NOW = time.time()


class Fake:
    """subprocess.run for SlurmQueue: answers by command name, records each call."""

    def __init__(self, **answers: tuple[int, str, str]):
        self.answers, self.calls = answers, []

    def __call__(self, cmd, **kw):
        self.calls.append(cmd)
        rc, out, err = self.answers[cmd[0]]
        return subprocess.CompletedProcess(cmd, rc, out, err)


# ---------------------------------------------------------------- what the queue says

def test_squeue_answers_without_accounting_and_sacct_is_asked_once(capfd):
    fake = Fake(squeue=(0, "5_0|RUNNING|None|n1\n5_1|CANCELLED|None|n1\n5_2|PENDING|Resources|\n",
                        ""),
                scontrol=(0, "JobId=8 ArrayJobId=5 JobState=CANCELLED ExitCode=0:15\n", ""),
                sacct=(1, "", "Slurm accounting storage is disabled\n"))
    q = SlurmQueue(fake)
    states = q.states(["5_0", "5_1", "5_2", "9"])
    assert states == {"5_0": QueueState("RUNNING", node="n1", source="squeue"),
                      "5_1": QueueState("CANCELLED", "", "0:15", "n1", "squeue"),
                      "5_2": QueueState("PENDING", "Resources", source="squeue")}
    assert q.accounting is False and q.accounting_note == "Slurm accounting storage is disabled"
    q.states(["9"])
    assert [c[0] for c in fake.calls] == ["squeue", "scontrol", "sacct", "squeue"]
    assert capfd.readouterr() == ("", "")  # no accounting noise reaches the sweep's output


def test_a_job_squeue_forgot_is_asked_of_sacct_where_accounting_works():
    fake = Fake(squeue=(1, "", "slurm_load_jobs error: Invalid job id specified\n"),
                sacct=(0, "9|CANCELLED by 0|0:15|n1\n9.batch|CANCELLED|0:15|n1\n", ""))
    q = SlurmQueue(fake)
    assert q.states(["9"]) == {"9": QueueState("CANCELLED", "", "0:15", "n1", "sacct")}
    assert q.accounting is True


def test_a_scheduler_that_does_not_answer_is_a_queue_error():
    q = SlurmQueue(Fake(squeue=(1, "", "squeue: error: Unable to contact slurm controller\n")))
    with pytest.raises(QueueError, match="Unable to contact slurm controller"):
        q.states(["5"])

    def missing(cmd, **kw):
        raise FileNotFoundError(cmd[0])

    with pytest.raises(QueueError, match="squeue not found"):
        SlurmQueue(missing).states(["5"])


# ---------------------------------------------------------------- what failed

@pytest.fixture
def tracked(tmp_path) -> Tracked:
    return Tracked("5_1", "slurm", tmp_path / "status.json", tmp_path / "5_1_0_result.pkl",
                   tmp_path / "5_1_0_log.out", tmp_path / "5_1_0_log.err")


def _status(t: Tracked, **doc) -> None:
    t.status.write_text(json.dumps(doc))


def _beat(stage: str, age_s: float) -> dict:
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(NOW - age_s, UTC).isoformat()
    return {"state": "running", "stage": stage, "updated": when}


def test_the_job_s_own_status_and_submitit_s_result_come_first(tracked):
    running = QueueState("RUNNING")
    _status(tracked, state="failed", error="ValueError while building the model: bad size")
    assert judge(tracked, running, NOW, 30).detail == "ValueError while building the model: bad size"
    _status(tracked, state="done")
    assert judge(tracked, None, NOW, 30).kind == "done"
    tracked.status.unlink()
    tracked.result.write_bytes(pickle.dumps(("error", 'Traceback (most recent call last):\n  File "x", '
                                             'line 1\nRuntimeError: CUDA error: an illegal memory '
                                             'access\n')))
    out = judge(tracked, running, NOW, 30)
    assert (out.kind, out.detail) == ("failed", "RuntimeError: CUDA error: an illegal memory access")
    tracked.result.write_bytes(pickle.dumps(("success", "record.json")))
    assert judge(tracked, None, NOW, 30).kind == "done"


def test_queued_and_running_jobs_are_waited_for(tracked):
    assert judge(tracked, QueueState("PENDING", "Resources"), NOW, 30).detail == "pending (Resources)"
    _status(tracked, **_beat("timing", 5))
    assert judge(tracked, QueueState("RUNNING"), NOW, 30).detail == "running"
    _status(tracked, **_beat("timing", 400))
    assert judge(tracked, QueueState("RUNNING"), NOW, 30).detail == "running (no heartbeat for 400 s)"


def test_a_cancelled_job_fails_within_seconds_and_says_so(tracked):
    _status(tracked, **_beat("counting FLOPs at 64x128", 3))
    tracked.stderr.write_text("slurmstepd-n1: error: *** JOB 8 ON n1 CANCELLED AT "
                              "2026-12-07T09:46:26 ***\n")
    q = QueueState("CANCELLED", exit_code="0:15")
    assert judge(tracked, q, NOW, 30).kind == "wait"  # the job's last write may be late
    out = judge(tracked, q, NOW + 6, 30)
    assert (out.kind, out.detail) == (
        "failed", "job 5_1 was cancelled at 2026-12-07T09:46:26 (scancel, or an administrator); "
                  "its last heartbeat (9 s earlier) said: counting FLOPs at 64x128")


def test_a_job_that_vanished_without_accounting_fails_after_the_grace(tracked):
    assert judge(tracked, None, NOW, 30).detail == "finishing"
    assert judge(tracked, None, NOW + 29, 30).kind == "wait"
    out = judge(tracked, None, NOW + 31, 30)
    assert out.kind == "failed"
    assert out.detail == ("job 5_1 left the queue without a result, and nothing records how it "
                          "ended (squeue no longer knows it and Slurm has no accounting here): "
                          "cancelled, killed or lost; it ended before its first heartbeat")


@pytest.mark.parametrize("state, log, text", [
    ("TIMEOUT", "", "timed out: it ran past its time limit of 60 min (--timeout)"),
    ("CANCELLED", "*** JOB 8 ON n1 CANCELLED AT 2026-12-07T10:00:00 DUE TO TIME LIMIT ***",
     "timed out: it ran past its time limit of 60 min (--timeout)"),
    ("OUT_OF_MEMORY", "", "ran out of memory: the node's OOM killer ended it"),
    ("FAILED", "slurmstepd: error: Detected 1 oom-kill event(s) in StepId=8.0",
     "ran out of memory: the node's OOM killer ended it"),
    ("NODE_FAIL", "", "was lost with its node (NODE_FAIL)"),
    ("FAILED", "", "ended FAILED (exit code 1) without a result"),
    ("COMPLETED", "", "completed but wrote no result (see its log)"),
])
def test_how_slurm_ended_a_job_is_named(tracked, state, log, text):
    tracked.stderr.write_text(log)
    q = QueueState(state, exit_code="1:0")
    judge(tracked, q, NOW, 30)
    out = judge(tracked, q, NOW + 31, 30, timeout_min=60)
    assert out.detail == f"job 5_1 {text}; it ended before its first heartbeat"


def test_a_local_job_whose_process_died_says_where_it_was(tracked):
    tracked.kind = "local"
    _status(tracked, **_beat("building tiny-b (4 classes)", 2))
    judge(tracked, QueueState("ENDED", exit_code="0"), NOW, 3)
    out = judge(tracked, QueueState("ENDED", exit_code="0"), NOW + 4, 3)
    assert out.detail.startswith("job 5_1 ended without a result: its process was killed")
    assert out.detail.endswith("said: building tiny-b (4 classes)")


def test_job_side_failure_texts():
    from submitit.core.utils import UncompletedJobError

    e = UncompletedJobError("Job not requeued because: timed-out and not checkpointable.")
    assert failure_text(e, "timing", 60) == ("timed out: the scheduler's warning before the "
                                             "time limit of 60 min (--timeout) came while timing")
    assert failure_text(ValueError("bad\n  size"), "timing", 60) == "ValueError: bad size"
    assert failure_text(KeyboardInterrupt(), "counting FLOPs", None) == (
        "interrupted (SIGINT: the job was cancelled) while counting FLOPs")
    assert failure_text(JobFailed("node n1 cannot read the catalog"), "x", 1) == (
        "node n1 cannot read the catalog")
    # the harness records submitit's signal as an error of its stage; the job names it
    assert run_error_text("UncompletedJobError while timing: Job not requeued because: "
                          "timed-out and not checkpointable.", 5) == (
        "timed out: the scheduler's warning before the time limit of 5 min (--timeout) came "
        "while timing")
    assert run_error_text("ValueError while building the model: x", 5) == (
        "ValueError while building the model: x")


def test_the_heartbeat_beats_and_the_final_word_stays(tmp_path):
    beats = []
    with JobStatus(tmp_path / "s.json", every_s=0.02, on_beat=lambda: beats.append(1)) as st:
        st.set_stage("timing")
        assert read_status(tmp_path / "s.json")["stage"] == "timing"
        st.failed("ValueError: x")
        time.sleep(0.1)  # beats after the final word do not overwrite it
    doc = read_status(tmp_path / "s.json")
    assert beats and doc["state"] == "failed" and doc["error"] == "ValueError: x"


# ---------------------------------------------------------------- sbatch's refusals

def test_every_submitit_parameter_has_its_sbatch_flag():
    copts = ClusterOptions(partition="gpu", cpus_per_job=8, gpus_per_job=2, timeout_min=30,
                           exclusive=True)
    params = slurm_parameters(copts, RunOptions(device="cuda"))
    assert set(params) <= set(SBATCH_FLAGS) | NOT_SBATCH
    assert sbatch_flags(params) == ["--nodes=1", "--ntasks-per-node=1", "--time=30",
                                    "--gpus-per-node=2", "--partition=gpu", "--cpus-per-task=8",
                                    "--exclusive"]
    assert params["slurm_signal_delay_s"] == 90
    assert slurm_parameters(ClusterOptions(timeout_min=1), RunOptions())["slurm_signal_delay_s"] == 15


def test_an_unknown_partition_is_a_usage_error_in_sbatch_s_words():
    fake = Fake(sbatch=(1, "", "sbatch: error: invalid partition specified: nope\n"
                               "allocation failure: Invalid partition name specified\n"))
    with pytest.raises(UsageError) as e:
        check_submission(ClusterOptions(partition="nope"), RunOptions(), SlurmQueue(fake))
    assert str(e.value) == ("Slurm refuses the sweep's jobs (--timeout 60, --partition nope; "
                            "sbatch --nodes=1 --ntasks-per-node=1 --time=60 --partition=nope): "
                            "sbatch: error: invalid partition specified: nope; allocation "
                            "failure: Invalid partition name specified")
    assert fake.calls[0][:2] == ["sbatch", "--test-only"]
    check_submission(ClusterOptions(cluster="local"), RunOptions(), SlurmQueue(fake))
    assert len(fake.calls) == 1  # submitit-local asks no sbatch


FAKE_SBATCH = """#!/bin/sh
# sbatch as a cluster answers it: --test-only per $FAKE_TEST_ONLY, a submission per $FAKE_SUBMIT
if [ "$1" = --test-only ]; then
  [ "$FAKE_TEST_ONLY" = ok ] && { echo "sbatch: Job 3 to start at now" >&2; exit 0; }
  echo "sbatch: error: invalid partition specified: nope" >&2
  echo "allocation failure: Invalid partition name specified" >&2
  exit 1
fi
echo "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy" >&2
exit 1
"""


@pytest.fixture
def fake_sbatch(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "sbatch").write_text(FAKE_SBATCH)
    (bindir / "sbatch").chmod(0o755)
    (bindir / "srun").write_text("#!/bin/sh\nexit 0\n")  # a login node has both
    (bindir / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return ["run", "--all", "--models", "enet", "--executor", "slurm", "--no-latency",
            "--results-dir", str(tmp_path / "res"), "--catalog", str(tmp_path / "none.yaml")]


def _sweep_states(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "cache").rglob("*.json"))


def test_cli_unknown_partition_exits_2_before_any_state(fake_sbatch, tmp_path):
    r = CliRunner().invoke(app, fake_sbatch + ["--partition", "nope"])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: Slurm refuses the sweep's jobs (--timeout 60, "
                               "--partition nope; sbatch ")
    assert "invalid partition specified: nope" in r.stderr and "Traceback" not in r.output
    assert _sweep_states(tmp_path) == [] and not (tmp_path / "res").exists()


def test_cli_sbatch_refusing_the_submission_exits_2_and_leaves_no_state(fake_sbatch, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("FAKE_TEST_ONLY", "ok")  # the test passes, the submission is refused
    r = CliRunner().invoke(app, fake_sbatch)
    assert r.exit_code == 2, r.output
    assert ("error: the jobs were not submitted: sbatch: error: Batch job submission failed: "
            "Job violates accounting/QOS policy") in r.stderr
    assert "Traceback" not in r.output and _sweep_states(tmp_path) == []


def test_cli_without_srun_exits_2_before_any_state(fake_sbatch, tmp_path):
    (tmp_path / "bin" / "srun").unlink()
    r = CliRunner().invoke(app, fake_sbatch)
    assert r.exit_code == 2, r.output
    assert "--executor slurm: srun not on PATH; submit from a Slurm login node" in r.stderr
    assert "Traceback" not in r.output and _sweep_states(tmp_path) == []


def test_exclusive_is_for_slurm_only(fake_sbatch):
    r = CliRunner().invoke(app, fake_sbatch[:5] + ["local", "--exclusive"])
    assert r.exit_code == 2 and "--exclusive applies to --executor slurm" in r.stderr


# ---------------------------------------------------------------- attaching

class TinyNet(nn.Module):
    def __init__(self, num_classes: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(3, num_classes, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


TINY = ModelSpec(key="tiny-a", paper="tiny", build=TinyNet, num_classes=4, input_size=(16, 16),
                 official_code="https://example.org/tiny", family="tiny")


class FakeQueue:
    kind = "slurm"

    def __init__(self, states: dict[str, QueueState]):
        self.answers, self.asked = states, 0

    def states(self, ids):
        self.asked += 1
        return {i: self.answers[i] for i in ids if i in self.answers}


def test_a_rerun_attaches_to_a_job_still_running_instead_of_submitting(tmp_path, monkeypatch):
    import submitit

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(submitit, "AutoExecutor", None)  # any submission would fail here
    opts = RunOptions(latency=False)
    jobs = plan(["tiny-a"], ["fp32"])
    res = tmp_path / "res"
    state = open_state(opts, ["fp32"], res, jobs, True, print)
    logs = tmp_path / "logs"
    t = Tracked("41_0", "slurm", logs / "records" / "tiny-a--fp32.x.status.json",
                logs / "41_0" / "41_0_0_result.pkl", logs / "41_0" / "41_0_0_log.out",
                logs / "41_0" / "41_0_0_log.err")
    state["submitted"]["tiny-a--fp32"] = t.entry()  # what the earlier driver saved
    queue = FakeQueue({"41_0": QueueState("RUNNING")})
    lines = []

    def the_job_finishes(remaining):  # the job, on its node, writes its record and status
        torch.manual_seed(0)
        run = measure_model(TINY, opts, None, sweep=state["sweep_id"])
        (logs / "records").mkdir(parents=True, exist_ok=True)
        (logs / "records" / "tiny-a--fp32.json").write_text(run.model_dump_json())
        _status(t, state="done")

    progress = Progress(1, "sweep", bar=False)
    progress.line = lines.append
    rows = run_submitit(jobs, {"tiny-a": TINY}, opts, None, res, state, progress,
                        ClusterOptions(logs=logs, poll_s=0.01), on_poll=the_job_finishes,
                        queue=queue, catalog_loaded=False)
    assert lines[0] == "tiny-a (fp32): attached to job 41_0 (running), submitted earlier"
    assert [r["error"] for r in rows] == [None]
    saved = json.loads((res / "tiny-a.json").read_text())["runs"]
    assert len(saved) == 1 and saved[0]["sweep"] == state["sweep_id"]


# ---------------------------------------------------------------- the node side

def test_the_node_reads_the_driver_s_catalog_or_says_why_not(tmp_path):
    cat = tmp_path / "papers.yaml"
    cat.write_text("papers: []\n")
    assert node_catalog(str(cat), None) == (None, None)  # the driver had none: no claims
    problem = node_catalog(str(tmp_path / "gone.yaml"), "0" * 64)[1]
    assert problem.startswith("node ") and "cannot read the catalog" in problem
    assert "No such file or directory" in problem
    problem = node_catalog(str(cat), "ab" * 32)[1]
    assert "reads another catalog" in problem and "the driver's is abababababab" in problem
    cat.write_text("papers: [\n")
    problem = node_catalog(str(cat), file_sha256(cat))[1]
    assert "the catalog did not load" in problem


def test_a_node_side_catalog_problem_fails_the_job_before_measuring(tmp_path, monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    status = tmp_path / "status.json"
    with pytest.raises(JobFailed, match="reads another catalog"):
        job_main(TINY, "fp32", {"latency": False}, str(Path("data/papers.yaml").resolve()),
                 "ab" * 32, "sweep-1", str(tmp_path / "record.json"), str(status))
    doc = read_status(status)
    assert doc["state"] == "failed" and "reads another catalog" in doc["error"]
    assert not (tmp_path / "record.json").exists()


def test_node_watch_says_whether_the_node_was_shared():
    class Q:
        answers = [["7_0", "7_1"], ["7_0"]]

        def jobs_on_node(self, node):
            assert node == "n1"
            return self.answers.pop(0)

    env = {"SLURM_JOB_ID": "8", "SLURM_ARRAY_JOB_ID": "7", "SLURM_ARRAY_TASK_ID": "0",
           "SLURM_CPUS_ON_NODE": "1", "SLURMD_NODENAME": "n1"}
    w = NodeWatch(False, Q(), env)
    w.sample()
    w.sample()
    rec = NodeUse.model_validate(w.record())
    assert (rec.job_id, rec.node, rec.cpus_allotted, rec.other_jobs, rec.samples, rec.shared) == (
        "7_0", "n1", 1, ["7_1"], 2, True)
    assert NodeWatch(False, Q(), {}).record() is None  # off Slurm: no block
