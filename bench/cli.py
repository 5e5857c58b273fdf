"""`bench`: measure reference models and check the catalog's claims about them.

\b
    bench list [--json]
    bench run MODEL [options]        one model: params, FLOPs, latency, memory (+ mIoU), verdicts
    bench run --all [--models A,B]   the zoo, saved as each model finishes, resumable
    bench miou ...                   accuracy only, from label PNGs

Default output is rich tables on stdout with progress on stderr (plain lines when stderr is
not a terminal, and with --json); `--json` prints exactly one JSON object on stdout.
Exit codes: 0 ok, 1 the run recorded an error, 2 bad usage (unknown model, bad option value,
missing weights or dataset, a checkpoint that does not fit, no CUDA, fp16 on CPU).

Saved runs go to the user results folder ($SEGATLAS_RESULTS, else ~/.cache/segatlas/results);
`--reference` saves a reference run into data/results/ (committed on purpose).

This module only parses options and prints; bench.harness measures, bench.sweep and
bench.slurm run sweeps. Nothing here imports torch until a command needs it.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from bench.harness import (
    CPU_BUDGET_S,
    CPU_WARMUP,
    CUDA_BUDGET_S,
    CUDA_WARMUP,
    RunOptions,
    UsageError,
    check_options,
    load_claims_catalog,
    parse_hw,
    parse_scales,
)
from catalog.term import esc

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None, pretty_exceptions_enable=False)

VERDICT_STYLE = {"verified": "green", "mismatch": "red", "unit": "yellow",
                 "not-comparable": "cyan", "unmeasured": "dim"}
EXECUTORS = ("local", "slurm", "submitit-local")


def _consoles():
    from rich.console import Console

    # results; 120 columns when piped (rich would assume 80 and squeeze the tables)
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    err = Console(stderr=True, highlight=False)
    return out, err


def _eprint(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _fail(msg: str, code: int = 2):
    _eprint(f"error: {msg}")
    raise typer.Exit(code)


# ---------------------------------------------------------------- printing

def _fmt(v, nd=3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def print_record(rec: dict, catalog_note: str | None) -> None:
    from rich.table import Table

    out, _ = _consoles()
    h, w = rec["input_size"]
    t = Table(title=f"{esc(rec['model'])} ({esc(rec['paper'])}): {esc(rec['device'])}, {h}x{w}, batch "
                    f"{rec['batch']}, {esc(rec['precision'])}, {rec['num_classes']} classes",
              title_justify="left")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_column("detail")
    if p := rec["params"]:
        t.add_row("params", f"{p['total']:,}", f"trainable {p['trainable']:,}; {esc(p['scope'])}")
    if f := rec["flops"]:
        t.add_row("GMACs", _fmt(f["gmacs"]),
                  f"FlopCounterMode / 2; conv only {_fmt(f.get('conv_gmacs'))}")
        t.add_row("GFLOPs", _fmt(f["gflops"]), "FlopCounterMode (2 per multiply-add)")
        if f.get("fvcore_gmacs") is not None or f.get("fvcore_error"):
            skipped = (f.get("skipped") or {}).get("fvcore") or []
            t.add_row("fvcore GMACs", _fmt(f.get("fvcore_gmacs")),
                      esc(f.get("fvcore_error") or "also norm/upsample/pool; skipped: "
                          + (", ".join(skipped) or "none")))
    for fa in rec.get("flops_at") or []:
        if list(fa["input_size"]) == [h, w]:
            continue
        why = ", ".join(fa["datasets"]) or ""
        why += (" and " if why else "") + "model default" if fa["model_default"] else ""
        t.add_row(f"GMACs at {fa['input_size'][0]}x{fa['input_size'][1]}",
                  _fmt(fa.get("gmacs")), esc(fa.get("error") or f"canonical size of {why}"))
    if lat := rec["latency"]:
        engine = "" if rec.get("engine", "pytorch") == "pytorch" else f" ({rec['engine']})"
        ci = lat.get("ci_ms")
        mark = " UNSTABLE" if lat.get("unstable") else ""
        t.add_row(f"latency median{engine}", f"{_fmt(lat['median_ms'], 2)} ms{mark}",
                  (f"95% CI {_fmt(ci[0], 2)}-{_fmt(ci[1], 2)}, " if ci else "")
                  + f"p90 {_fmt(lat['p90_ms'], 2)}, mean {_fmt(lat['mean_ms'], 2)} ± "
                  f"{_fmt(lat['std_ms'], 2)} ms; {lat['warmup']} warm-up + {lat['iters']} timed"
                  + (f" in {lat['blocks']} block(s), {lat['samples_used']} judged" if lat.get("blocks") else "")
                  + (f"; {lat['threads']} threads" if lat.get("threads") else "")
                  + f" ({esc(lat['timer'])})"
                  + ("; never settled within the protocol's bound" if lat.get("unstable") else ""))
        for fo in lat.get("family_order") or []:
            t.add_row("family order", "persists" if fo["persists"] else "resolved",
                      f"{esc(fo['smaller'])} ({_fmt(fo['smaller_gmacs'])} GMACs) {_fmt(fo['smaller_median_ms'], 1)} ms "
                      f"vs {esc(fo['larger'])} ({_fmt(fo['larger_gmacs'])} GMACs) {_fmt(fo['larger_median_ms'], 1)} ms, "
                      f"re-measured (first {_fmt(fo['first_smaller_ms'], 1)} vs {_fmt(fo['first_larger_ms'], 1)})")
        t.add_row("throughput", f"{_fmt(lat['throughput_ips'], 2)} img/s",
                  f"batch {lat.get('batch') or rec['batch']} * 1000 / median")
    if ox := rec.get("onnx"):
        t.add_row("ONNX export", ox.get("exporter") or "-",
                  esc(ox.get("error") or "") or f"opset {ox['opset']}, {_fmt(ox.get('export_s'), 1)} s, "
                  f"{_fmt(ox.get('file_mb'), 1)} MB; onnxruntime {ox['onnxruntime']} "
                  f"{', '.join(ox['providers'])}")
    if mem := rec["memory"]:
        t.add_row("peak memory", f"{_fmt(mem.get('peak_mb'), 1)} MB", esc(f"{mem.get('kind')}: {mem.get('note')}"))
    if wt := rec.get("weights"):
        detail = (f"sha256 {(wt.get('sha256') or '')[:16]}…; {len(wt['missing'])} missing, "
                  f"{len(wt['unexpected'])} unexpected key(s)")
        if wt.get("note"):
            detail += f"; {wt['note']}"
        if wt.get("allow_partial"):
            detail += "; --allow-partial"
        t.add_row("weights", esc(Path(wt["path"]).name), esc(detail))
    if mi := rec["miou"]:
        t.add_row("mIoU", f"{_fmt(mi.get('miou'), 2)} %",
                  esc(f"{mi.get('dataset')} {mi.get('split')}, {mi.get('protocol')}, "
                      f"{mi.get('num_images')} images"))
    out.print(t)
    if rec["error"]:
        out.print(f"[red]error:[/red] {esc(rec['error'])}")
    if rec["verdicts"]:
        v = Table(title="claims vs measurements (notes below)", title_justify="left")
        for col in ("#", "quantity", "claimed", "measured", "verdict", "tolerance", "sources"):
            v.add_column(col, overflow="fold")
        notes = []
        for i, d in enumerate(rec["verdicts"], 1):
            claimed = f"{'' if d['bound'] == '=' else d['bound']}{_fmt(d['claimed'])} {d['claimed_unit']}"
            if d.get("relative_to"):
                claimed += f" vs {d['relative_to']}"
            cond = [c for c in (d.get("input_size"), d.get("hardware"),
                                d.get("dataset") and f"{d['dataset']} {d['split']}") if c]
            if cond:
                claimed += f" ({', '.join(cond)})"
            measured = "-" if d["measured"] is None else f"{_fmt(d['measured'])} {d['measured_unit']}"
            style = VERDICT_STYLE.get(d["verdict"], "")
            v.add_row(str(i), esc(d["quantity"]), esc(claimed), esc(measured),
                      f"[{style}]{esc(d['verdict'])}[/{style}]",
                      esc(d["tolerance"]), esc(", ".join(d["sources"])))
            notes.append(f"{i}. {esc(d['note'])}")
        out.print(v)
        for line in notes:
            out.print(line)
    elif rec.get("engine") == "onnxruntime":
        out.print("claims are judged by the eager PyTorch run (bench run without --runtime)")
    else:
        out.print(esc(catalog_note or f"no catalog claims for {rec['catalog_model']}"))
    e = rec["env"]
    out.print(esc(f"our environment: {e['device_name']}; {e['threads']} threads; torch {e['torch']}"
                  + (f", CUDA {e['cuda']}, cuDNN {e['cudnn']}, driver {e['driver']}" if e["cuda"] else "")
                  + f"; Python {e['python']}; {e['platform']}"))
    out.print(f"elapsed {rec.get('elapsed_s') or 0:.1f} s")


# ---------------------------------------------------------------- commands

@app.command("list")
def list_models(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object, no table.")] = False,
    results_dir: Annotated[Path | None, typer.Option(help="Local runs [default: $SEGATLAS_RESULTS or ~/.cache/segatlas/results].")] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog YAML (default data/papers.yaml).")] = None,
) -> None:
    """List registered models: key, paper, classes, input size, claims, reference and local runs."""
    from bench.claim_counts import claim_counts
    from bench.models.registry import all_specs
    from bench.record import ResultsError
    from bench.results import REFERENCE_DIR, latest_run, shown, user_results_dir

    local_dir = results_dir or user_results_dir()
    specs = all_specs()  # from the registry index: no model family is imported
    counts, note = claim_counts(catalog, sorted({s.model_id for s in specs.values()}))
    rows = []
    for key, spec in specs.items():
        ref = last = None
        try:
            ref = shown(key, REFERENCE_DIR)
            last = latest_run(key, results_dir=local_dir)
        except ResultsError as e:
            _eprint(f"warning: {e}")
        rows.append({"key": key, "paper": spec.paper, "family": spec.family,
                     "num_classes": spec.num_classes, "input_size": list(spec.input_size),
                     "claims": None if counts is None else counts[spec.model_id],
                     "reference_run": ref and {"timestamp": ref.timestamp, "device": ref.device,
                                               "reference": ref.reference},
                     "last_local": last and {"timestamp": last.get("timestamp"),
                                             "device": last.get("device")},
                     "official_code": spec.official_code})
    if json_out:
        print(json.dumps({"models": rows, "catalog": note or "loaded",
                          "reference_dir": str(REFERENCE_DIR), "local_dir": str(local_dir)}))
        return
    from rich import box
    from rich.table import Table

    out, _ = _consoles()
    t = Table(title=f"{len(rows)} registered models (--json adds family and code links)",
              title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("key", "paper", "classes", "input", "claims"):
        t.add_column(col, no_wrap=True)
    t.add_column("shown run", overflow="fold")
    t.add_column("last local run", overflow="fold")
    for r in rows:
        ref, last = r["reference_run"], r["last_local"]
        t.add_row(esc(r["key"]), esc(r["paper"]), str(r["num_classes"]),
                  "x".join(map(str, r["input_size"])), "-" if r["claims"] is None else str(r["claims"]),
                  esc(f"{ref['timestamp'][:10]} {ref['device']}") if ref else "never",
                  esc(f"{last['timestamp'][:10]} {last['device']}") if last else "-")
    out.print(t)
    out.print(f"shown run: data/results (reference runs first); local runs: {esc(local_dir)}")
    if note:
        out.print(esc(note))


@app.command("run")
def run(
    model: Annotated[str | None, typer.Argument(help="Bench key (see `bench list`).")] = None,
    module: Annotated[str | None, typer.Option("--module", help="PATH/FILE.py:FACTORY: measure your own model, a function returning an nn.Module (N,3,H,W)->(N,classes,H,W). This imports and RUNS THAT FILE'S CODE in this process, with your rights.")] = None,
    hf_config: Annotated[Path | None, typer.Option("--hf-config", help="A transformers segmentation config.json (SegFormer, UperNet, BEiT, DPT, MobileViT, MaskFormer, Mask2Former, EoMT, ...), built with random weights; nothing is downloaded.")] = None,
    run_name: Annotated[str | None, typer.Option("--name", help="With --module/--hf-config: the run's model id [default: the --claims file's only model, else from the factory or file name].")] = None,
    claims: Annotated[Path | None, typer.Option("--claims", help="Judge claims from this file (efficiency and results in the catalog's format, e.g. a paper under review) instead of the catalog.")] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Run every registered model (or --models), saving each.")] = False,
    models: Annotated[str | None, typer.Option(help="With --all: only these bench keys, comma-separated.")] = None,
    resume: Annotated[bool, typer.Option(help="With --all: skip jobs this sweep (same settings) already saved.")] = True,
    only_failed: Annotated[bool, typer.Option("--only-failed", help="With --all: rerun only the jobs the sweep lists as failed.")] = False,
    executor: Annotated[str, typer.Option(help="With --all: local (in this process), slurm (one submitit job per model and precision), or submitit-local (the same, as local subprocesses).")] = "local",
    partition: Annotated[str | None, typer.Option(help="Slurm partition.")] = None,
    gpus_per_job: Annotated[int, typer.Option(help="Slurm: GPUs per job.")] = 1,
    cpus_per_job: Annotated[int | None, typer.Option(help="Slurm: CPUs per job.")] = None,
    timeout: Annotated[int, typer.Option(help="Slurm: minutes per job before it is killed.")] = 60,
    array_parallelism: Annotated[int, typer.Option(help="Slurm: jobs running at once.")] = 16,
    logs: Annotated[Path | None, typer.Option(help="Slurm: job logs and records [default: under ~/.cache/segatlas/sweeps].")] = None,
    exclusive: Annotated[bool, typer.Option("--exclusive", help="Slurm: one job per node (sbatch --exclusive), so no other job shares the cores being timed.")] = False,
    device: Annotated[str, typer.Option(help="cpu or cuda (cuda:N).")] = "cpu",
    input: Annotated[str | None, typer.Option("--input", help="Input HxW; default: the size of the claim the model reproduces.")] = None,
    batch: Annotated[int, typer.Option(help="Batch size for latency and memory.")] = 1,
    precision: Annotated[str, typer.Option(help="fp32, fp16 (CUDA only) or bf16 (autocast); with --all a comma-separated list.")] = "fp32",
    channels_last: Annotated[bool, typer.Option("--channels-last", help="channels_last memory format.")] = False,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the model before timing.")] = False,
    warmup: Annotated[int | None, typer.Option(help=f"Warm-up iterations, >= 0 [default: {CPU_WARMUP} on CPU, {CUDA_WARMUP} on CUDA].")] = None,
    iters: Annotated[int | None, typer.Option(help="Timed iterations, >= 1, in one block [default: blocks until the median's 95% CI is within +-5% and p90/median <= 1.25, or the latency budget is spent: then recorded as unstable].")] = None,
    latency_budget: Annotated[float | None, typer.Option(help=f"Seconds of timing before a run that has not settled stops as unstable (at least 6 timings are always taken) [default: {CPU_BUDGET_S:g} on CPU, {CUDA_BUDGET_S:g} on CUDA].")] = None,
    runtime: Annotated[str, typer.Option(help="pytorch (eager), or onnxruntime: export to ONNX (opset 18) and time it on ONNX Runtime (CPU provider; CUDA provider with --device cuda). Recorded as its own engine.")] = "pytorch",
    no_latency: Annotated[bool, typer.Option("--no-latency", help="Skip timing (one forward pass for memory).")] = False,
    fvcore: Annotated[bool, typer.Option("--fvcore/--no-fvcore", help="Also count with fvcore (a traced forward; off by default).")] = False,
    num_classes: Annotated[int | None, typer.Option(help="Output classes, >= 1 [default: the model's]; params claims are still checked at the model's default.")] = None,
    weights: Annotated[Path | None, typer.Option(help="Checkpoint (.pth/.pt/.safetensors), loaded with weights_only=True; must fit the model.")] = None,
    sha256: Annotated[str | None, typer.Option(help="Expected sha256 (or a prefix of 8+ hex digits) of --weights [default: the catalog's, for a published checkpoint of that file name].")] = None,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Load a checkpoint with missing/unexpected keys beyond the allowance (listed in the record).")] = False,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch, >= 1 [default: torch's].")] = None,
    data: Annotated[str | None, typer.Option(help="DATASET=ROOT: also evaluate accuracy on a local dataset.")] = None,
    split: Annotated[str, typer.Option(help="Dataset split for --data.")] = "val",
    protocol: Annotated[str, typer.Option(help="whole or slide inference for --data.")] = "whole",
    crop: Annotated[str | None, typer.Option(help="Slide window HxW.")] = None,
    stride: Annotated[str | None, typer.Option(help="Slide stride HxW [default: the crop].")] = None,
    flip: Annotated[bool, typer.Option("--flip", help="Average with horizontally flipped logits.")] = False,
    scales: Annotated[str, typer.Option(help="Comma-separated test scales, e.g. 0.5,0.75,1.")] = "1",
    json_out: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
    save: Annotated[bool, typer.Option("--save", help="Save the run to the results folder (always on with --all).")] = False,
    reference: Annotated[bool, typer.Option("--reference", help="Save as a reference run (reference: true) into data/results/, the committed folder the site prefers.")] = False,
    results_dir: Annotated[Path | None, typer.Option(help="Where runs are saved [default: $SEGATLAS_RESULTS or ~/.cache/segatlas/results; data/results with --reference].")] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog YAML with the claims [default: data/papers.yaml].")] = None,
) -> None:
    """Measure MODEL (params, GMACs/GFLOPs, latency, memory; mIoU with --data) and print a
    verdict for each catalog claim about it."""
    from bench.record import ResultsError
    from bench.results import REFERENCE_DIR, is_reference_dir, user_results_dir

    try:
        precisions = [p.strip() for p in precision.split(",") if p.strip()]
        if not precisions or (len(precisions) > 1 and not all_models):
            raise UsageError(f"--precision '{precision[:40]}': one precision (a list only with --all)")
        opts = RunOptions(device=device, input_size=parse_hw(input), batch=batch,
                          precision=precisions[0], channels_last=channels_last, compile=compile,
                          warmup=warmup, iters=iters, latency=not no_latency, fvcore=fvcore,
                          num_classes=num_classes, weights=str(weights) if weights else None,
                          sha256=sha256, allow_partial=allow_partial, threads=threads,
                          latency_budget=latency_budget, runtime=runtime,
                          data=data, split=split, protocol=protocol,
                          crop=parse_hw(crop, "--crop"), stride=parse_hw(stride, "--stride"),
                          flip=flip, scales=parse_scales(scales), reference=reference)
        for p in precisions:
            check_options(RunOptions(**{**opts.__dict__, "precision": p}))
        if sum(bool(x) for x in (model, all_models, module, hf_config)) != 1:
            raise UsageError("give one MODEL, --all, --module FILE.py:FACTORY or --hf-config FILE")
        if (module or hf_config) and reference:
            raise UsageError("--reference is for registered models: save your model's run with --save")
        if run_name and not (module or hf_config):
            raise UsageError("--name applies to --module and --hf-config")
        if claims and all_models:
            raise UsageError("--claims applies to one model, not --all")
        if models and not all_models:
            raise UsageError("--models only applies to --all")
        if only_failed and not all_models:
            raise UsageError("--only-failed only applies to --all")
        if executor not in EXECUTORS:
            raise UsageError(f"--executor '{executor[:20]}' is not one of {', '.join(EXECUTORS)}")
        if executor != "local" and not all_models:
            raise UsageError("--executor applies to --all")
        if exclusive and executor != "slurm":
            raise UsageError("--exclusive applies to --executor slurm")
        for name, v in (("--gpus-per-job", gpus_per_job), ("--timeout", timeout),
                        ("--array-parallelism", array_parallelism), ("--cpus-per-job", cpus_per_job)):
            if v is not None and v < (0 if name == "--gpus-per-job" else 1):
                raise UsageError(f"{name} must be >= {0 if name == '--gpus-per-job' else 1}, got {v}")
        out_dir = Path(results_dir or (REFERENCE_DIR if reference else user_results_dir()))
        if is_reference_dir(out_dir) and not reference and (save or all_models):
            raise UsageError(f"{out_dir} holds the committed reference runs: save there only "
                             "with --reference (local runs go to the user results folder)")
        if all_models:
            code = _sweep(opts, precisions, models, resume, only_failed, executor, out_dir,
                          catalog, json_out, dict(partition=partition, gpus_per_job=gpus_per_job,
                                                  cpus_per_job=cpus_per_job, timeout_min=timeout,
                                                  array_parallelism=array_parallelism, logs=logs,
                                                  exclusive=exclusive))
            raise typer.Exit(code)
        from bench.harness import measure_model

        spec, source = _target(model, module, hf_config, run_name, opts)
        if claims:
            from bench.user_models import bind_claims, load_claims_file

            cat, claims_source = load_claims_file(str(claims))
            spec = bind_claims(spec, cat, run_name)
            note = f"claims from {claims}"
            if source is not None:
                source.update(claims_source)
        else:
            cat, note = load_claims_catalog(catalog)
        if note and not json_out:
            _eprint(note)
        rec = measure_model(spec, opts, cat, say=lambda m: _eprint(f"  {m}"),
                            progress=True, source=source)
    except UsageError as e:
        _fail(str(e))
    except ResultsError as e:  # a record the harness built does not validate: a bench bug
        _fail(f"the run's record is invalid (a bench bug, please report it): {e}", 1)
    if save or reference:
        from bench.results import save_run

        try:
            path = save_run(rec, out_dir)
        except (ResultsError, OSError) as e:
            _fail(f"the run was not saved: {e}", 1)
        _eprint(f"saved to {path}")
    doc = rec.model_dump(mode="json")
    if json_out:
        print(json.dumps(doc))
    else:
        print_record(doc, note)
    if rec.error:
        raise typer.Exit(1)


def _target(model: str | None, module: str | None, hf_config: Path | None, name: str | None,
            opts: RunOptions):
    """(spec, record source or None) of what `bench run` measures."""
    if module or hf_config:
        from bench.user_models import hf_config_spec, module_spec

        make = module_spec if module else hf_config_spec
        return make(module or str(hf_config), name=name, num_classes=opts.num_classes,
                    input_size=opts.input_size)
    from bench.models.registry import UnknownModel, get_spec

    try:
        return get_spec(model), None
    except UnknownModel as e:
        raise UsageError(str(e)) from None


def _sweep(opts: RunOptions, precisions: list[str], models: str | None, resume: bool,
           only_failed: bool, executor: str, results_dir: Path, catalog: Path | None,
           json_out: bool, cluster: dict) -> int:
    """`bench run --all`: plan, resume, run (locally or through submitit), summarize."""
    from bench.models.registry import all_specs
    from bench.progress import Progress
    from bench.sweep import Job, finish_state, open_state, pending, plan, resume_hint, run_local

    specs = all_specs()
    keys = list(specs)
    if models:
        keys = [k.strip() for k in models.split(",") if k.strip()]
        unknown = [k for k in keys if k not in specs]
        if unknown:
            raise UsageError(f"--models: unknown model(s) {', '.join(unknown)} (`bench list`)")
    jobs = plan(keys, precisions)
    copts = None
    if executor != "local":
        from bench.slurm import ClusterOptions, check_submission

        copts = ClusterOptions(cluster="slurm" if executor == "slurm" else "local",
                               poll_s=10.0 if executor == "slurm" else 1.0, **cluster)
        check_submission(copts, opts)  # before any sweep state is written
    state = open_state(opts, precisions, results_dir, jobs, resume, _eprint)
    if only_failed:
        todo = [Job(f["model"], f["precision"]) for f in state["failed"].values()
                if Job(f["model"], f["precision"]) in jobs]
        if not todo:
            _eprint("no failed jobs in this sweep's state: nothing to rerun")
            return 0
    else:
        todo = pending(state, results_dir, jobs)
    if len(todo) < len(jobs) and not only_failed:
        _eprint(f"resuming sweep {state['sweep_id']}: {len(jobs) - len(todo)} of {len(jobs)} "
                "job(s) already saved")
    cat, note = load_claims_catalog(catalog)
    if note:
        _eprint(note)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupted)
    rows: list[dict] = []
    progress = Progress(len(jobs), "sweep", completed=len(jobs) - len(todo))
    try:
        with progress:
            if executor == "local":
                rows = run_local(todo, specs, opts, cat, results_dir, state, progress)
            else:
                from bench.slurm import run_submitit

                try:
                    rows = run_submitit(todo, specs, opts, str(catalog) if catalog else None,
                                        results_dir, state, progress, copts,
                                        catalog_loaded=cat is not None)
                except UsageError:
                    if not (state["submitted"] or state["failed"]) and len(todo) == len(jobs):
                        finish_state(state)  # refused before anything ran: leave no state
                    raise
    except KeyboardInterrupt:
        saved = len(jobs) - len(pending(state, results_dir, jobs))
        _eprint(f"interrupted: {saved} of {len(jobs)} job(s) saved in {results_dir}; "
                f"{resume_hint()}")
        return 130
    finally:
        signal.signal(signal.SIGTERM, old)
    left = pending(state, results_dir, jobs)
    failed = list(state["failed"].values())
    if not left and not failed:
        finish_state(state)
    if json_out:
        print(json.dumps({"sweep": rows, "sweep_id": state["sweep_id"], "failed": failed,
                          "results_dir": str(results_dir)}))
    else:
        from rich.table import Table

        out, _ = _consoles()
        t = Table(title=f"sweep {esc(state['sweep_id'])}: {len(rows)} run, {len(failed)} failed",
                  title_justify="left")
        for col in ("model", "precision", "params", "GMACs", "median ms", "verdicts", "error"):
            t.add_column(col, overflow="fold")
        for s in rows:
            t.add_row(esc(s["model"]), esc(s["precision"]), _fmt(s["params"]), _fmt(s["gmacs"]),
                      _fmt(s["median_ms"], 2) + (" unstable" if s.get("unstable") else ""),
                      ", ".join(f"{k} {n}" for k, n in s["verdicts"].items()), esc(s["error"] or ""))
        out.print(t)
        out.print(f"saved under {esc(results_dir)}")
    for f in failed:
        _eprint(f"failed: {f['model']} ({f['precision']}): {f['error']}"
                + (f"; log: {f['stderr']}" if f.get("stderr") else ""))
    if failed:
        _eprint("rerun the failed jobs alone with: bench " + " ".join(sys.argv[1:])
                + ("" if "--only-failed" in sys.argv else " --only-failed"))
    return 1 if failed or left else 0


def _register_miou() -> None:
    """`bench miou` lives in bench.miou_cmd (accuracy-only runs; light to import)."""
    from bench.miou_cmd import miou_command

    app.command("miou")(miou_command)


_register_miou()


def main() -> None:  # `python -m bench`
    app(prog_name="bench")


if __name__ == "__main__":
    main()
