"""`bench`: measure reference models and check the catalog's claims about them.

    bench list [--json]
    bench run MODEL [options]        one model: params, FLOPs, latency, memory (+ mIoU), verdicts
    bench run --all [--resume]       the whole zoo, saved to data/results/, resumable
    bench miou ...                   accuracy only (from bench.miou_cmd, when installed)

Default output is rich tables on stdout with progress on stderr; `--json` prints exactly one
JSON object on stdout. Exit codes: 0 ok, 1 the run recorded an error, 2 bad usage
(unknown model, no CUDA, fp16 on CPU, malformed option).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

import bench
from bench.models.registry import ModelSpec, UnknownModel, all_specs, get_spec
from bench.results import (
    DEFAULT_RESULTS_DIR,
    ResultsFileError,
    latest_run,
    now_iso,
    save_run,
    write_json_atomic,
)

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None, pretty_exceptions_enable=False)
# results; 120 columns when piped (rich would assume 80 and squeeze the tables)
out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False)  # progress and messages

# CPU defaults keep a heavy model (FCN-8s at 500x500, ~7 s per forward on 2 cores) to about
# a minute: 1 warm-up, then as many timed iterations as fit in 20 s (3 to 10).
# CUDA defaults: 10 warm-up, 100 timed iterations.
CPU_WARMUP, CPU_BUDGET_S, CPU_MAX_ITERS = 1, 20.0, 10
CUDA_WARMUP, CUDA_ITERS = 10, 100
SWEEP_STATE = ".sweep-state.json"

VERDICT_STYLE = {"verified": "green", "mismatch": "red", "unit": "yellow",
                 "not-comparable": "cyan", "unmeasured": "dim"}


class UsageError(Exception):
    """Bad options: reported in one line, exit code 2."""


@dataclass
class RunOptions:
    device: str = "cpu"
    input_size: tuple[int, int] | None = None
    batch: int = 1
    precision: str = "fp32"
    channels_last: bool = False
    compile: bool = False
    warmup: int | None = None
    iters: int | None = None
    latency: bool = True
    fvcore: bool = True
    num_classes: int | None = None
    weights: str | None = None
    sha256: str | None = None
    threads: int | None = None
    data: str | None = None
    split: str = "val"
    protocol: str = "whole"
    crop: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None
    flip: bool = False
    scales: list[float] = field(default_factory=lambda: [1.0])

    def fingerprint(self) -> str:
        """Identifies a sweep's settings, to resume only a sweep with the same ones."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- option parsing

def parse_hw(text: str | None, what: str = "--input") -> tuple[int, int] | None:
    """'512x1024' -> (512, 1024); '512' -> (512, 512)."""
    if text is None:
        return None
    parts = text.lower().replace("*", "x").split("x")
    try:
        hw = tuple(int(p) for p in parts)
    except ValueError:
        hw = ()
    if len(hw) == 1:
        hw = (hw[0], hw[0])
    if len(hw) != 2 or min(hw) < 1:
        raise UsageError(f"{what} '{text}' is not HxW (e.g. 512x1024)")
    return hw  # type: ignore[return-value]


def parse_data(text: str) -> tuple[str, str]:
    name, sep, root = text.partition("=")
    if not sep or not name or not root:
        raise UsageError(f"--data '{text}' is not DATASET=ROOT (e.g. voc2012=/data/VOCdevkit)")
    return name.strip(), root.strip()


def parse_scales(text: str) -> list[float]:
    try:
        scales = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        scales = []
    if not scales or min(scales) <= 0:
        raise UsageError(f"--scales '{text}' is not a comma-separated list of positive numbers")
    return scales


# ---------------------------------------------------------------- catalog

def load_claims_catalog(path: Path | None = None):
    """The catalog, or None (with the reason) when it is absent or does not load."""
    from catalog import DEFAULT_CATALOG

    path = Path(path or DEFAULT_CATALOG)
    if not path.exists():
        return None, f"no catalog claims ({path} not found)"
    try:
        from catalog.load import load_catalog

        return load_catalog(path), None
    except Exception as e:  # noqa: BLE001 - a broken catalog must not block measuring
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return None, f"no catalog claims (the catalog did not load: {first})"


def claims_for(cat, spec: ModelSpec) -> tuple[list, list]:
    return cat.claims_for(spec.model_id) if cat is not None else ([], [])


def catalog_sha256(cat, spec: ModelSpec, weights: str) -> str | None:
    """The sha256 the catalog gives for a published checkpoint with this file name, if any."""
    if cat is None:
        return None
    try:
        variant = next(m for m in cat.model_owner(spec.model_id).models if m.id == spec.model_id)
    except KeyError:
        return None
    name = Path(weights).name
    return next((c.sha256 for c in variant.weights if c.url.rsplit("/", 1)[-1] == name), None)


# ---------------------------------------------------------------- measuring one model

def _check_device(opts: RunOptions) -> None:
    import torch

    from bench.measure.latency import LatencyConfigError, autocast_context

    if opts.device not in ("cpu", "cuda") and not opts.device.startswith("cuda:"):
        raise UsageError(f"--device '{opts.device}' is not cpu or cuda")
    if opts.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available here (torch "
                         f"{torch.__version__}, cuda build {torch.version.cuda}); use --device cpu")
    try:
        autocast_context(torch.device(opts.device), opts.precision)
    except LatencyConfigError as e:
        raise UsageError(str(e)) from e
    if opts.batch < 1:
        raise UsageError("--batch must be >= 1")


def _is_oom(e: BaseException) -> bool:
    import torch

    return isinstance(e, torch.cuda.OutOfMemoryError) or "out of memory" in str(e).lower()


def measure_model(spec: ModelSpec, opts: RunOptions, cat=None, say=lambda msg: None) -> dict:
    """Build `spec`'s model and measure it; returns a RUN record (docs/dev/conventions.md).

    A CUDA out-of-memory (or any failure after the model is built) is recorded in `error`
    with what was measured before it; usage errors raise UsageError.
    """
    import torch

    from bench.measure.env import collect_env
    from bench.measure.flops import count_flops
    from bench.measure.params import count_params
    from bench.verify import claim_input_sizes, verify_all

    _check_device(opts)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    dev = torch.device(opts.device)
    size = tuple(opts.input_size or spec.input_size)
    nc = opts.num_classes or spec.num_classes
    cuda = dev.type == "cuda"
    results, effs = claims_for(cat, spec)
    rec: dict = {
        "model": spec.key, "paper": spec.paper, "catalog_model": spec.model_id,
        "harness_version": bench.__version__, "timestamp": now_iso(),
        "device": dev.type, "input_size": list(size), "batch": opts.batch,
        "precision": opts.precision, "channels_last": opts.channels_last,
        "compile": opts.compile, "num_classes": nc,
        "params": None, "flops": None, "latency": None, "memory": None,
        "env": collect_env(dev), "miou": None, "verdicts": [], "error": None,
    }
    t0 = time.perf_counter()
    torch.manual_seed(0)
    say(f"building {spec.key} ({nc} classes)")
    model = spec.build(num_classes=nc).eval()
    rec["params"] = count_params(model)
    params_for_claims = rec["params"]
    if nc != spec.num_classes:  # params claims are about the spec's (the paper's) head
        params_for_claims = count_params(spec.build(num_classes=spec.num_classes))
        rec["params_spec_classes"] = params_for_claims
    try:
        model = model.to(dev)
        say(f"counting FLOPs at {size[0]}x{size[1]}")
        rec["flops"] = count_flops(model, size, dev, fvcore=opts.fvcore)
        flops_by_size = {size: rec["flops"]}
        extra = sorted(claim_input_sizes(effs) - {size})
        if extra:  # FLOPs depend on input size: re-measure at each claim's, so verdicts are real
            say("counting FLOPs at claim sizes " + ", ".join(f"{h}x{w}" for h, w in extra))
            rec["flops_at_claim_sizes"] = []
            for s in extra:
                flops_by_size[s] = count_flops(model, s, dev, fvcore=False)
                rec["flops_at_claim_sizes"].append(flops_by_size[s])
        if opts.weights:
            from bench.weights import load_weights

            expected = opts.sha256 or catalog_sha256(cat, spec, opts.weights)
            say(f"loading weights {opts.weights}" + (f" (sha256 {expected}...)" if expected else ""))
            weights_report = load_weights(model, opts.weights, sha256=expected)
            rec["weights"] = weights_report
        else:
            weights_report = {"path": None, "sha256": None, "missing": [], "unexpected": []}
        rec["latency"], rec["memory"] = _time_and_memory(model, size, opts, dev, say)
        if opts.data:
            from bench.accuracy import evaluate

            dataset, root = parse_data(opts.data)
            say(f"evaluating on {dataset} {opts.split} at {root}")
            miou = evaluate(model, dataset=dataset, root=root, split=opts.split,
                            protocol=opts.protocol, crop=opts.crop, stride=opts.stride,
                            flip=opts.flip, scales=opts.scales, device=opts.device,
                            num_classes=nc, progress=err.is_terminal)
            miou["weights"] = weights_report
            rec["miou"] = miou
    except UsageError:
        raise
    except Exception as e:  # noqa: BLE001 - record what failed; --all goes on
        kind = "CUDA out of memory" if _is_oom(e) else type(e).__name__
        rec["error"] = f"{kind} (batch {opts.batch}, {size[0]}x{size[1]}): {e}"[:2000]
        if cuda:
            torch.cuda.empty_cache()
        flops_by_size = {size: rec["flops"]} if rec["flops"] else {}
    measured = {"params": params_for_claims, "flops_by_size": flops_by_size,
                "latency": rec["latency"], "memory": rec["memory"], "env": rec["env"],
                "input_size": size, "batch": opts.batch, "precision": opts.precision,
                "miou": rec["miou"]}
    rec["verdicts"] = verify_all(results, effs, measured)
    rec["elapsed_s"] = round(time.perf_counter() - t0, 2)
    return rec


def _time_and_memory(model, size, opts: RunOptions, dev, say) -> tuple[dict | None, dict]:
    """Latency (unless --no-latency) and the peak memory of those same forward passes."""
    import torch

    from bench.measure.latency import (
        autocast_context,
        make_input,
        measure_latency,
        prepare,
    )
    from bench.measure.memory import peak_memory

    cuda = dev.type == "cuda"
    with peak_memory(dev) as mem:
        if not opts.latency:  # one forward, for the memory figure only
            say("one forward pass for peak memory (--no-latency)")
            m = prepare(model, dev, opts.channels_last, opts.compile)
            x = make_input(opts.batch, size, dev, opts.channels_last)
            with torch.inference_mode(), autocast_context(dev, opts.precision):
                m(x)
            lat = None
        else:
            warmup = opts.warmup if opts.warmup is not None else (CUDA_WARMUP if cuda else CPU_WARMUP)
            iters = opts.iters if opts.iters is not None else (CUDA_ITERS if cuda else None)
            say(f"timing: {warmup} warm-up, "
                + (f"{iters} timed" if iters else f"up to {CPU_MAX_ITERS} timed in {CPU_BUDGET_S:g} s"))
            lat = measure_latency(model, size, batch=opts.batch, device=dev,
                                  precision=opts.precision, channels_last=opts.channels_last,
                                  compile=opts.compile, warmup=warmup, iters=iters,
                                  budget_s=CPU_BUDGET_S, max_iters=CPU_MAX_ITERS)
    mem["scope"] = "forward passes of the latency run" if lat else "one forward pass"
    return lat, mem


# ---------------------------------------------------------------- printing

def _fmt(v, nd=3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def print_record(rec: dict, catalog_note: str | None) -> None:
    h, w = rec["input_size"]
    t = Table(title=f"{rec['model']} ({rec['paper']}): {rec['device']}, {h}x{w}, batch "
                    f"{rec['batch']}, {rec['precision']}, {rec['num_classes']} classes",
              title_justify="left")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_column("detail")
    p = rec["params"]
    t.add_row("params", f"{p['total']:,}", f"trainable {p['trainable']:,}; {p['scope']}")
    if f := rec["flops"]:
        skipped = f["skipped"]
        t.add_row("GMACs", _fmt(f["gmacs"]), f"FlopCounterMode / 2; conv only {_fmt(f['conv_gmacs'])}")
        t.add_row("GFLOPs", _fmt(f["gflops"]), "FlopCounterMode (2 per multiply-add)")
        t.add_row("fvcore GMACs", _fmt(f["fvcore_gmacs"]),
                  f.get("fvcore_error") or "also norm/upsample/pool; skipped: "
                  + (", ".join(skipped["fvcore"] or []) or "none"))
    if lat := rec["latency"]:
        t.add_row("latency median", f"{_fmt(lat['median_ms'], 2)} ms",
                  f"p90 {_fmt(lat['p90_ms'], 2)}, mean {_fmt(lat['mean_ms'], 2)} ± "
                  f"{_fmt(lat['std_ms'], 2)} ms; {lat['warmup']} warm-up + {lat['iters']} timed "
                  f"({lat['timer']})")
        t.add_row("throughput", f"{_fmt(lat['throughput_ips'], 2)} img/s",
                  f"batch {lat['batch']} * 1000 / median")
    if mem := rec["memory"]:
        t.add_row("peak memory", f"{_fmt(mem.get('peak_mb'), 1)} MB", f"{mem.get('kind')}: {mem.get('note')}")
    if mi := rec["miou"]:
        t.add_row("mIoU", f"{_fmt(mi.get('miou'), 2)} %",
                  f"{mi.get('dataset')} {mi.get('split')}, {mi.get('protocol')}, "
                  f"{mi.get('num_images')} images, weights {(mi.get('weights') or {}).get('path')}")
    out.print(t)
    if rec["error"]:
        out.print(f"[red]error:[/red] {rec['error']}")
    if rec["verdicts"]:
        v = Table(title="claims vs measurements (notes below)", title_justify="left")
        for col in ("#", "quantity", "claimed", "measured", "verdict", "tolerance", "sources"):
            v.add_column(col, overflow="fold")
        notes = []
        for i, d in enumerate(rec["verdicts"], 1):
            claimed = f"{'' if d['bound'] == '=' else d['bound']}{_fmt(d['claimed'])} {d['claimed_unit']}"
            cond = [c for c in (d.get("input_size"), d.get("hardware"),
                                d.get("dataset") and f"{d['dataset']} {d['split']}") if c]
            if cond:
                claimed += f" ({', '.join(cond)})"
            measured = "-" if d["measured"] is None else f"{_fmt(d['measured'])} {d['measured_unit']}"
            style = VERDICT_STYLE.get(d["verdict"], "")
            v.add_row(str(i), d["quantity"], claimed, measured, f"[{style}]{d['verdict']}[/{style}]",
                      d["tolerance"], ", ".join(d["sources"]))
            notes.append(f"{i}. {d['note']}")
        out.print(v)
        for line in notes:
            out.print(line, markup=False)
    else:
        out.print(catalog_note or f"no catalog claims for {rec['catalog_model']}")
    e = rec["env"]
    out.print(f"our environment: {e['device_name']}; {e['threads']} threads; torch {e['torch']}"
              + (f", CUDA {e['cuda']}, cuDNN {e['cudnn']}, driver {e['driver']}" if e["cuda"] else "")
              + f"; Python {e['python']}; {e['platform']}")
    out.print(f"elapsed {rec.get('elapsed_s', 0):.1f} s")


# ---------------------------------------------------------------- commands

def _fail(msg: str, code: int = 2):
    err.print(f"error: {msg}", markup=False)
    raise typer.Exit(code)


@app.command("list")
def list_models(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object, no table.")] = False,
    results_dir: Annotated[Path, typer.Option(help="Where saved runs live.")] = DEFAULT_RESULTS_DIR,
    catalog: Annotated[Path | None, typer.Option(help="Catalog YAML (default data/papers.yaml).")] = None,
) -> None:
    """List registered models: key, paper, family, classes, input size, claims, last measured."""
    cat, note = load_claims_catalog(catalog)
    rows = []
    for key, spec in all_specs().items():
        res, effs = claims_for(cat, spec)
        try:
            last = latest_run(key, results_dir=results_dir)
        except ResultsFileError as e:
            err.print(f"warning: {e}", markup=False)
            last = None
        rows.append({"key": key, "paper": spec.paper, "family": spec.family,
                     "num_classes": spec.num_classes, "input_size": list(spec.input_size),
                     "claims": None if cat is None else len(res) + len(effs),
                     "last_measured": last and last.get("timestamp"),
                     "last_device": last and last.get("device"), "official_code": spec.official_code})
    if json_out:
        print(json.dumps({"models": rows, "catalog": note or "loaded"}))
        return
    t = Table(title=f"{len(rows)} registered models (--json adds family and code links)",
              title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("key", "paper", "classes", "input", "claims"):
        t.add_column(col, no_wrap=True)
    t.add_column("last measured", overflow="fold")
    for r in rows:
        t.add_row(r["key"], r["paper"], str(r["num_classes"]),
                  "x".join(map(str, r["input_size"])), "-" if r["claims"] is None else str(r["claims"]),
                  f"{r['last_measured'][:10]} {r['last_device']}" if r["last_measured"] else "never")
    out.print(t)
    if note:
        out.print(note)


@app.command("run")
def run(
    model: Annotated[str | None, typer.Argument(help="Bench key (see `bench list`).")] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Run every registered model, saving each.")] = False,
    resume: Annotated[bool, typer.Option(help="With --all: skip models this sweep (same settings) already saved.")] = True,
    device: Annotated[str, typer.Option(help="cpu or cuda (cuda:N).")] = "cpu",
    input: Annotated[str | None, typer.Option("--input", help="Input HxW; default: the size of the claim the model reproduces.")] = None,
    batch: Annotated[int, typer.Option(help="Batch size for latency and memory.")] = 1,
    precision: Annotated[str, typer.Option(help="fp32, fp16 (CUDA only) or bf16 (autocast).")] = "fp32",
    channels_last: Annotated[bool, typer.Option("--channels-last", help="channels_last memory format.")] = False,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the model before timing.")] = False,
    warmup: Annotated[int | None, typer.Option(help=f"Warm-up iterations [default: {CPU_WARMUP} on CPU, {CUDA_WARMUP} on CUDA].")] = None,
    iters: Annotated[int | None, typer.Option(help=f"Timed iterations [default: CPU as many as fit in {CPU_BUDGET_S:g} s, 3 to {CPU_MAX_ITERS}; CUDA {CUDA_ITERS}].")] = None,
    no_latency: Annotated[bool, typer.Option("--no-latency", help="Skip timing (one forward pass for memory).")] = False,
    no_fvcore: Annotated[bool, typer.Option("--no-fvcore", help="Skip fvcore's count (FlopCounterMode only).")] = False,
    num_classes: Annotated[int | None, typer.Option(help="Output classes [default: the model's]; params claims are still checked at the model's default.")] = None,
    weights: Annotated[Path | None, typer.Option(help="Checkpoint (.pth/.pt/.safetensors), loaded with weights_only=True.")] = None,
    sha256: Annotated[str | None, typer.Option(help="Expected sha256 (or a prefix of 8+ hex digits) of --weights [default: the catalog's, for a published checkpoint of that file name].")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch [default: torch's].")] = None,
    data: Annotated[str | None, typer.Option(help="DATASET=ROOT: also evaluate accuracy on a local dataset.")] = None,
    split: Annotated[str, typer.Option(help="Dataset split for --data.")] = "val",
    protocol: Annotated[str, typer.Option(help="whole or slide inference for --data.")] = "whole",
    crop: Annotated[str | None, typer.Option(help="Slide window HxW.")] = None,
    stride: Annotated[str | None, typer.Option(help="Slide stride HxW [default: the crop].")] = None,
    flip: Annotated[bool, typer.Option("--flip", help="Average with horizontally flipped logits.")] = False,
    scales: Annotated[str, typer.Option(help="Comma-separated test scales, e.g. 0.5,0.75,1.")] = "1",
    json_out: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
    save: Annotated[bool, typer.Option("--save", help="Append the run to RESULTS_DIR/<model>.json (always on with --all).")] = False,
    results_dir: Annotated[Path, typer.Option(help="Where runs are saved.")] = DEFAULT_RESULTS_DIR,
    catalog: Annotated[Path | None, typer.Option(help="Catalog YAML with the claims [default: data/papers.yaml].")] = None,
) -> None:
    """Measure MODEL (params, GMACs/GFLOPs, latency, memory; mIoU with --data) and print a
    verdict for each catalog claim about it."""
    try:
        opts = RunOptions(device=device, input_size=parse_hw(input), batch=batch,
                          precision=precision, channels_last=channels_last, compile=compile,
                          warmup=warmup, iters=iters, latency=not no_latency, fvcore=not no_fvcore,
                          num_classes=num_classes, weights=str(weights) if weights else None,
                          sha256=sha256, threads=threads,
                          data=data, split=split, protocol=protocol,
                          crop=parse_hw(crop, "--crop"), stride=parse_hw(stride, "--stride"),
                          flip=flip, scales=parse_scales(scales))
        if opts.data:
            parse_data(opts.data)
        if protocol not in ("whole", "slide"):
            raise UsageError(f"--protocol '{protocol}' is not whole or slide")
        if (model is None) == (not all_models):
            raise UsageError("give one MODEL or --all")
        _check_device(opts)
        cat, note = load_claims_catalog(catalog)
        if note and not json_out:
            err.print(note, markup=False)
        if all_models:
            code = _sweep(opts, cat, note, resume, Path(results_dir), json_out)
            raise typer.Exit(code)
        spec = get_spec(model)
        say = (lambda msg: None) if json_out else (lambda msg: err.print(f"[dim]{msg}[/dim]"))
        rec = measure_model(spec, opts, cat, say)
    except (UsageError, UnknownModel) as e:
        _fail(str(e))
    if save:
        try:
            path = save_run(rec, results_dir)
        except ResultsFileError as e:
            _fail(str(e), 1)
        if not json_out:
            err.print(f"saved to {path}", markup=False)
    if json_out:
        print(json.dumps(rec, default=str))
    else:
        print_record(rec, note)
    if rec["error"]:
        raise typer.Exit(1)


def _sweep(opts: RunOptions, cat, note, resume: bool, results_dir: Path, json_out: bool) -> int:
    """Every registered model, each saved as it finishes. The sweep state (settings
    fingerprint + models done) lives in RESULTS_DIR/.sweep-state.json, so an interrupted
    sweep resumes where it stopped; it is deleted when the sweep completes."""
    state_path = results_dir / SWEEP_STATE
    fp = opts.fingerprint()
    state = {"fingerprint": fp, "settings": asdict(opts), "started": now_iso(), "done": []}
    if resume and state_path.exists():
        try:
            old = json.loads(state_path.read_text())
            if old.get("fingerprint") == fp:
                state = old
            else:
                err.print("sweep state has other settings: starting a new sweep", markup=False)
        except (OSError, json.JSONDecodeError):
            err.print(f"unreadable {state_path}: starting a new sweep", markup=False)
    specs = all_specs()
    todo = [k for k in specs if k not in state["done"]]
    if len(todo) < len(specs):
        err.print(f"resuming: {len(specs) - len(todo)} of {len(specs)} done", markup=False)
    summary, failed = [], 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("sweep", total=len(specs), completed=len(specs) - len(todo))
        for key in todo:
            bar.update(task, description=f"{key}")
            try:
                rec = measure_model(specs[key], opts, cat)
            except UsageError as e:
                rec = {"model": key, "error": str(e), "verdicts": []}
            if "params" in rec:  # a real record: keep it, even with an error inside
                try:
                    save_run(rec, results_dir)
                except ResultsFileError as e:
                    rec["error"] = str(e)
            failed += bool(rec.get("error"))
            summary.append({"model": key, "error": rec.get("error"),
                            "median_ms": (rec.get("latency") or {}).get("median_ms"),
                            "gmacs": (rec.get("flops") or {}).get("gmacs"),
                            "params": (rec.get("params") or {}).get("total"),
                            "verdicts": {v["verdict"]: sum(x["verdict"] == v["verdict"]
                                                           for x in rec["verdicts"])
                                         for v in rec["verdicts"]}})
            state["done"].append(key)
            write_json_atomic(state_path, state)
            bar.advance(task)
    state_path.unlink(missing_ok=True)
    if json_out:
        print(json.dumps({"sweep": summary, "failed": failed, "results_dir": str(results_dir)}))
    else:
        t = Table(title=f"sweep: {len(summary)} run, {failed} with errors", title_justify="left")
        for col in ("model", "params", "GMACs", "median ms", "verdicts", "error"):
            t.add_column(col, overflow="fold")
        for s in summary:
            t.add_row(s["model"], _fmt(s["params"]), _fmt(s["gmacs"]), _fmt(s["median_ms"], 2),
                      ", ".join(f"{k} {n}" for k, n in s["verdicts"].items()), s["error"] or "")
        out.print(t)
        out.print(f"saved under {results_dir}")
    return 1 if failed else 0


def _register_miou() -> None:
    """`bench miou` lives in bench.miou_cmd (accuracy-only runs); absent until it lands."""
    try:
        from bench.miou_cmd import miou_command
    except ImportError:
        return
    app.command("miou")(miou_command)


_register_miou()


def main() -> None:  # `python -m bench`
    app(prog_name="bench")


if __name__ == "__main__":
    main()
