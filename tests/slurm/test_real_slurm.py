"""`bench run --all --executor slurm` against a real single-node Slurm (tests/slurm/cluster.sh),
without accounting and with slurmdbd accounting.

Opt-in: runs only with SEGATLAS_SLURM_TEST=1 (tests/slurm/run_real_slurm.sh sets it, after
installing Debian's slurm-wlm, munge, slurmdbd and mariadb-server), and skips a mode whose
cluster does not start. Each mode starts its own cluster and stops it at the end.

The story, with two small models (enet, erfnet at 64x128 on CPU):
0. an unknown partition and a time limit over the partition's are exit 2 before any state;
1. a driver submits both jobs and is killed (SIGKILL);
2. erfnet's job is suspended once it runs (so it cannot finish early); a second driver
   attaches to both jobs instead of submitting them again; erfnet's job is cancelled; the
   driver ends (exit 1) with erfnet failed as "cancelled" and where it was;
3. `--only-failed --exclusive` reruns erfnet alone, on the whole node;
4. one record per model, one sweep, each saying how the job had its node.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
ENABLED = os.environ.get("SEGATLAS_SLURM_TEST") == "1"
MODELS = ["enet", "erfnet"]
DEADLINE_S = 300


@pytest.fixture(scope="module", params=["none", "slurmdbd"])
def cluster(request, tmp_path_factory):
    """A running single-node cluster (accounting: none or slurmdbd); its environment."""
    if not ENABLED:
        pytest.skip("a real Slurm cluster: set SEGATLAS_SLURM_TEST=1 "
                    "(tests/slurm/run_real_slurm.sh)")
    mode = request.param
    need = ["slurmctld", "slurmd", "munged", "sbatch"] + (
        ["slurmdbd", "mariadbd"] if mode == "slurmdbd" else [])
    missing = [c for c in need if not shutil.which(c) and not Path(f"/usr/sbin/{c}").exists()]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (tests/slurm/cluster.sh install)")
    env = {**os.environ, "SEGATLAS_SLURM_DIR": str(tmp_path_factory.mktemp(f"slurm-{mode}"))}
    r = subprocess.run(["bash", str(CLUSTER), "start", mode], env=env, capture_output=True,
                       text=True, timeout=180)
    if r.returncode != 0:
        subprocess.run(["bash", str(CLUSTER), "stop"], env=env, capture_output=True, timeout=60)
        pytest.skip(f"slurmctld could not start ({mode}): {r.stderr.strip()[-500:]}")
    env["SLURM_CONF"] = str(Path(env["SEGATLAS_SLURM_DIR"]) / "etc" / "slurm.conf")
    try:
        yield mode, env
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop"], env=env, capture_output=True, timeout=60)


def _bench_env(env: dict, tmp: Path) -> dict:
    return {**env, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp / "cache"),
            "PYTHONUNBUFFERED": "1"}


def _argv(res: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench", "run", "--all", "--models", ",".join(MODELS),
            "--executor", "slurm", "--input", "64x128", "--warmup", "1", "--iters", "3",
            "--results-dir", str(res), "--json", *extra]


def _wait_for(what: str, check, timeout: float = DEADLINE_S, every: float = 0.1):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        got = check()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _squeue(env: dict, job_id: str) -> str:
    r = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-j", job_id, "-o", "%T"], env=env,
                       capture_output=True, text=True)
    return r.stdout.strip()


def _sweep_state(tmp: Path) -> dict | None:
    files = list((tmp / "cache" / "segatlas" / "sweeps").glob("*.json"))
    return json.loads(files[0].read_text()) if files else None


def test_a_sweep_on_a_real_slurm(cluster, tmp_path, monkeypatch):
    mode, cenv = cluster
    env = _bench_env(cenv, tmp_path)
    res = tmp_path / "res"

    # 0. sbatch's refusals: exit 2, in its words, before any sweep state
    for extra, words in ((["--partition", "nope"], "invalid partition specified: nope"),
                         (["--partition", "short"], "Requested time limit is invalid")):
        r = subprocess.run(_argv(res, *extra), env=env, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith("error: Slurm refuses the sweep's jobs") and words in r.stderr
        assert "Traceback" not in r.stderr and _sweep_state(tmp_path) is None

    # 1. a driver submits both jobs and dies
    err_a = tmp_path / "a.err"
    with open(err_a, "w") as f:
        a = subprocess.Popen(_argv(res), env=env, stdout=subprocess.DEVNULL, stderr=f)
    ids = _wait_for("both jobs submitted", lambda: _submitted(err_a) if len(_submitted(err_a)) == 2
                    else None)
    a.send_signal(signal.SIGKILL)
    a.wait()

    # 2. erfnet's job is held where it runs; a new driver attaches; the job is cancelled
    status = Path(_sweep_state(tmp_path)["submitted"]["erfnet--fp32"]["status"])
    _wait_for("erfnet's job to start measuring", lambda: status.exists() and
              json.loads(status.read_text()).get("stage") not in (None, "starting",
                                                                   "reading the catalog"))
    subprocess.run(["scontrol", "suspend", ids["erfnet"]], env=env, check=True)
    err_b = tmp_path / "b.err"
    with open(err_b, "w") as f:
        b = subprocess.Popen(_argv(res), env=env, stdout=subprocess.PIPE, stderr=f, text=True)
        _wait_for("the new driver to attach",
                  lambda: "erfnet (fp32): attached to job" in err_b.read_text())
        subprocess.run(["scancel", ids["erfnet"]], env=env, check=True)
        out_b, _ = b.communicate(timeout=DEADLINE_S)
    log_b = err_b.read_text()
    assert b.returncode == 1, log_b
    assert "submitted as job" not in log_b  # nothing was submitted twice
    assert log_b.count("attached to job") + log_b.count("merged from an earlier") == 2, log_b
    assert "accounting" not in log_b.lower()  # no sacct noise
    doc = json.loads(out_b)
    [failed] = doc["failed"]
    assert failed["model"] == "erfnet" and failed["job_id"] == ids["erfnet"]
    assert failed["error"].startswith(f"job {ids['erfnet']} was cancelled"), failed["error"]
    assert "its last heartbeat" in failed["error"] and Path(failed["stderr"]).exists()

    # how the cancelled job ended, asked the way a later driver would
    from bench.job_queue import SlurmQueue

    monkeypatch.setenv("SLURM_CONF", cenv["SLURM_CONF"])
    queue = SlurmQueue()
    assert queue.states([ids["erfnet"]])[ids["erfnet"]].state == "CANCELLED"
    acct = queue._sacct([ids["erfnet"]])
    if mode == "none":
        assert acct == {} and queue.accounting is False
    else:
        assert queue.accounting is True, queue.accounting_note
        _wait_for("sacct to know the job", lambda: queue._sacct([ids["erfnet"]]), 60, 1)

    # 3. rerun the failed job alone, on the whole node
    r = subprocess.run(_argv(res, "--only-failed", "--exclusive"), env=env, capture_output=True,
                       text=True, timeout=DEADLINE_S)
    assert r.returncode == 0, r.stderr
    assert "erfnet (fp32): submitted as job" in r.stderr and "enet (fp32)" not in r.stderr
    assert [s["model"] for s in json.loads(r.stdout)["sweep"]] == ["erfnet"]

    # 4. one record per model, one sweep, each with its node
    runs = {m: json.loads((res / f"{m}.json").read_text())["runs"] for m in MODELS}
    assert {m: len(v) for m, v in runs.items()} == {"enet": 1, "erfnet": 1}
    enet, erfnet = runs["enet"][0], runs["erfnet"][0]
    assert enet["sweep"] == erfnet["sweep"] == doc["sweep_id"]
    assert enet["latency"]["iters"] == 3 and erfnet["latency"]["iters"] == 3
    assert enet["node"]["scheduler"] == "slurm" and enet["node"]["job_id"] == ids["enet"]
    assert enet["node"]["exclusive_requested"] is False and enet["node"]["cpus_allotted"] >= 1
    assert erfnet["node"]["exclusive_requested"] is True and erfnet["node"]["shared"] is False
    assert erfnet["node"]["cpus_allotted"] == erfnet["node"]["cpus_on_node"]
    assert _sweep_state(tmp_path) is None  # the sweep is complete


def _submitted(err: Path) -> dict[str, str]:
    out = {}
    for line in err.read_text().splitlines():
        for m in MODELS:
            marker = f"] {m} (fp32): submitted as job "
            if marker in line:
                out[m] = line.split(marker)[1].strip()
    return out
