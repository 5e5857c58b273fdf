"""The registry index (bench/models/index.json): equal to what the families register, and
what lets `bench list` and `bench run --help` start without importing a model family."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", "/tmp")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_committed_index_is_the_registry():
    from bench.models.registry import INDEX_PATH, build_index

    committed = json.loads(INDEX_PATH.read_text(encoding="utf-8"))
    assert committed == build_index(), (
        "bench/models/index.json is stale: run `python -m bench.models.registry index`")


_LIST_AND_HELP = """
import runpy, sys, io, contextlib
for argv in (["bench", "list", "--json"], ["bench", "run", "--help"]):
    sys.argv = argv
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            runpy.run_module("bench", run_name="__main__")
        except SystemExit:
            pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision", "timm", "transformers")
               or (m.startswith("bench.models.") and m != "bench.models.registry"))
print(",".join(heavy) or "none")
"""


def test_list_and_run_help_import_no_family_and_no_torch():
    assert _python(_LIST_AND_HELP).strip() == "none"


def test_spec_from_index_builds_lazily_and_exactly():
    out = _python("""
import sys
from bench.models.registry import all_specs
spec = all_specs()["enet"]
before = "bench.models.enet" in sys.modules
m = spec.build(num_classes=19)
print(before, "bench.models.enet" in sys.modules, sum(p.numel() for p in m.parameters()))
""")
    assert out.split() == ["False", "True", "364311"]  # ENet's exact count (data/results/enet.json)


def test_changed_family_is_imported_not_trusted():
    out = _python("""
import json
import bench.models.registry as R
doc = json.loads(R.INDEX_PATH.read_text())
doc["families"]["enet"] = "0" * 64          # as if enet.py changed since the index was made
doc["models"]["enet"]["num_classes"] = 7    # ... and registered another class count
R._read_index = lambda: doc
spec = R.all_specs()["enet"]
import sys
print(type(spec.build).__name__, spec.num_classes, "bench.models.erfnet" in sys.modules)
""")
    assert out.split() == ["function", "19", "False"]  # the file's own registration; others lazy
