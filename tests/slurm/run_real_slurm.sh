#!/usr/bin/env bash
# The Slurm path against a real cluster: Debian's slurm-wlm and munge (and slurmdbd on a
# private MariaDB for the accounting run), a single node on this machine, started and stopped
# by tests/slurm/cluster.sh for each of the two runs (no accounting, slurmdbd accounting).
#
#   tests/slurm/run_real_slurm.sh [PYTHON]     (root installs the packages first; else they
#                                               must be there, or the tests skip)
# PYTHON defaults to .venv/bin/python, else python3. A mode whose cluster cannot start is
# skipped (pytest says why); every daemon started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}

if [ "$(id -u)" = 0 ] && ! { command -v slurmctld && command -v slurmdbd && command -v mariadbd; } >/dev/null 2>&1; then
  tests/slurm/cluster.sh install || echo "warning: the Slurm packages did not install; the tests will skip"
fi

export SEGATLAS_SLURM_TEST=1 PYTHONPATH=$PWD
"$PY" -m pytest tests/slurm -m slurm -q -rs -p no:cacheprovider
