"""The typed run record: committed files validate, bad ones are rejected with file and field,
the committed JSON Schema is current, and importing it does not import torch."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from bench.record import (
    SCHEMA_PATH,
    ResultsError,
    Run,
    build_schema,
    load_results,
    parse_results,
    schema_text,
    shown_run,
    shown_runs,
    validate_run,
)

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = sorted((ROOT / "data" / "results").glob("*.json"))


def _doc() -> dict:
    return json.loads((ROOT / "data" / "results" / "fcn8s.json").read_text())


def test_committed_schema_is_current():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "schema/results.schema.json is stale; regenerate it with "
        "`python -m bench.record schema -o schema/results.schema.json`")


def test_schema_is_valid_and_accepts_committed_files():
    jsonschema.Draft202012Validator.check_schema(build_schema())
    v = jsonschema.Draft202012Validator(build_schema())
    for f in COMMITTED:
        assert not list(v.iter_errors(json.loads(f.read_text()))), f


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_results_validate(path):
    doc = load_results(path)
    assert doc.model == path.stem and doc.runs


def test_fcn8s_values_survive_typing():
    run = load_results(ROOT / "data" / "results" / "fcn8s.json").runs[0]
    assert run.params.total == 134_489_759
    assert run.input_size == [500, 500]
    assert run.flops.gmacs == pytest.approx(181.529034048)
    assert run.reference is True and run.flops_at == []  # the committed sweep, marked reference


@pytest.mark.parametrize("mutate,where", [
    (lambda d: d["runs"][0]["params"].__setitem__("total", "134M"), "runs[0].params.total"),
    (lambda d: d["runs"][0]["params"].__setitem__("total", True), "runs[0].params.total"),
    (lambda d: d["runs"][0]["params"].__setitem__("total", 1e29), "runs[0].params.total"),
    (lambda d: d["runs"][0]["latency"].__setitem__("median_ms", -1), "runs[0].latency.median_ms"),
    (lambda d: d["runs"][0].__setitem__("timestamp", "yesterday"), "runs[0].timestamp"),
    (lambda d: d["runs"][0].__setitem__("model", "segnet"), "runs[0].model is 'segnet'"),
    (lambda d: d["runs"][0].__setitem__("surprise", 1), "runs[0].surprise: unknown key"),
    (lambda d: d["runs"][0]["verdicts"][0].__setitem__("verdict", "ok"), "runs[0].verdicts[0].verdict"),
    (lambda d: d["runs"].__setitem__(0, 1), "runs[0]: Input should be an object"),
    (lambda d: d["runs"][0]["flops"].__setitem__("diag", [1, {"x": 1e400}]), "runs[0].flops"),
])
def test_bad_fields_are_named(mutate, where):
    d = _doc()
    mutate(d)
    with pytest.raises(ResultsError) as e:
        parse_results(json.dumps(d), "data/results/fcn8s.json")
    msg = str(e.value)
    assert msg.startswith("data/results/fcn8s.json: ") and where in msg, msg
    assert len(msg) < 600


@pytest.mark.parametrize("text,where", [
    ("[1]", "(top level): Input should be an object"),
    ('{"model": "x", "paper": "y", "runs": [1]}', "runs[0]: Input should be an object"),
    ('{"model": "x", "paper": "y", "runs": [], "runs2": 1}', "runs2: unknown key"),
    ("NaN", "(top level)"),
    ("\xff", "(top level)"),
    ("[" * 5000, "(top level): Invalid JSON"),
])
def test_bad_documents_are_named(tmp_path, text, where):
    f = tmp_path / "x.json"
    f.write_bytes(text.encode("latin-1"))
    with pytest.raises(ResultsError) as e:
        load_results(f)
    assert str(e.value).startswith(f"{f}: ") and where in str(e.value), str(e.value)


def test_non_finite_numbers_are_impossible():
    run = copy.deepcopy(_doc()["runs"][0])
    for bad in (float("nan"), float("inf"), -float("inf")):
        run["latency"]["median_ms"] = bad
        with pytest.raises(ResultsError, match=r"latency\.median_ms: Input should be a finite"):
            validate_run(run)


def test_file_name_must_match_model(tmp_path):
    f = tmp_path / "segnet.json"
    f.write_text(json.dumps(_doc()))
    with pytest.raises(ResultsError, match="named for 'segnet'"):
        load_results(f)


def test_flops_at_needs_a_count_or_a_reason():
    run = copy.deepcopy(_doc()["runs"][0])
    run["flops_at"] = [{"input_size": [512, 512], "datasets": ["voc2012"]}]
    with pytest.raises(ResultsError, match=r"flops_at\[0\]: gmacs and gflops are required"):
        validate_run(run)
    run["flops_at"] = [{"input_size": [512, 512], "datasets": ["voc2012"], "gmacs": 1.0,
                        "gflops": 2.0}, {"input_size": [1, 1], "error": "too small"}]
    assert validate_run(run).flops_at[1].error == "too small"


def _run(ts: str, reference: bool = False, error: str | None = None, **kw) -> Run:
    rec = copy.deepcopy(_doc()["runs"][0])
    rec.update(timestamp=ts, reference=reference, error=error, **kw)
    return validate_run(rec)


def test_shown_run_prefers_reference_runs_over_newer_local_ones():
    ref = _run("2026-11-24T03:00:00+00:00", reference=True)
    local = _run("2026-12-01T10:00:00+00:00")
    broken = _run("2026-12-02T10:00:00+00:00", reference=True, error="boom")
    assert shown_run([ref, local, broken]) is ref
    newer_ref = _run("2026-11-25T03:00:00+00:00", reference=True)
    assert shown_run([ref, newer_ref, local]) is newer_ref
    assert shown_run([local]) is local  # legacy files: no reference run at all
    other_batch = _run("2026-11-26T03:00:00+00:00", reference=True, batch=8)
    assert [r.batch for r in shown_runs([ref, other_batch])] == [1, 8]
    assert shown_run([ref, other_batch]) is ref  # batch 1 is what papers quote


def test_importing_the_record_does_not_import_torch():
    code = ("import sys, bench.record; "
            "print(sorted(m for m in ('torch', 'numpy', 'catalog', 'typer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_mark_reference_migrates_committed_files(tmp_path):
    from bench.record import main

    f = tmp_path / "fcn8s.json"
    f.write_text((ROOT / "data" / "results" / "fcn8s.json").read_text())
    assert main(["mark-reference", str(f)]) == 0
    runs = load_results(f).runs
    assert [r.reference for r in runs] == [True] * len(runs)
    assert shown_run(runs) is runs[-1] or shown_run(runs).reference
