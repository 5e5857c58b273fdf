"""Measure one model and return its typed run record (bench.record.Run).

The CLI (`bench run MODEL`), the sweep (`bench run --all`, bench.sweep) and the Slurm executor
(bench.slurm) all call `measure_model`; none of them measures anything itself.

Order of work, so that a mistake costs nothing:
1. `check_options`: every option on its own (no torch import): exit 2 on the CLI.
2. `preflight`: what needs the machine or the files: CUDA present, the weights file read and
   its sha256 checked, the dataset root opened. Still before the model is built.
3. build, count params, load the weights (a checkpoint that does not fit is refused here,
   before minutes of FLOP counting and timing), count FLOPs, time, evaluate, verify.

Usage errors raise UsageError. A failure after the model is built (CUDA out of memory, a
forward that raises) is recorded in the record's `error` with what was measured before it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import bench
from bench.record import Run, now_iso, validate_run

# Timing follows the block protocol (bench/measure/latency.py): blocks until the median's CI
# is within +-5 % and p90/median <= 1.25, or the budget is spent (then `unstable`). CPU: 1
# warm-up, 60 s of timing at most beyond the 6 timings always taken (a heavy model such as
# FCN-8s at 500x500, ~7 s per forward on 2 cores, takes about a minute). CUDA: 10 warm-up,
# 30 s. `--iters N` times exactly N instead (judged the same way).
CPU_WARMUP, CPU_BUDGET_S = 1, 60.0
CUDA_WARMUP, CUDA_BUDGET_S = 10, 30.0
PRECISIONS = ("fp32", "fp16", "bf16")
PROTOCOLS = ("whole", "slide")
RUNTIMES = ("pytorch", "onnxruntime")
DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?)$")

Say = Callable[[str], None]


class UsageError(Exception):
    """Bad options or inputs (exit code 2 on the command line)."""


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
    fvcore: bool = False
    num_classes: int | None = None
    weights: str | None = None
    sha256: str | None = None
    allow_partial: bool = False
    threads: int | None = None
    latency_budget: float | None = None
    runtime: str = "pytorch"
    data: str | None = None
    split: str = "val"
    protocol: str = "whole"
    crop: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None
    flip: bool = False
    scales: list[float] = field(default_factory=lambda: [1.0])
    reference: bool = False

    def fingerprint(self) -> str:
        """Identifies a sweep's settings, to resume only a sweep with the same ones."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- option checks (no torch)

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
    if len(hw) != 2 or min(hw) < 1 or max(hw) > 100_000:
        raise UsageError(f"{what} '{text[:40]}' is not HxW (e.g. 512x1024)")
    return hw  # type: ignore[return-value]


def parse_data(text: str) -> tuple[str, str]:
    name, sep, root = text.partition("=")
    if not sep or not name.strip() or not root.strip():
        raise UsageError(f"--data '{text[:80]}' is not DATASET=ROOT (e.g. voc2012=/data/VOCdevkit)")
    return name.strip(), root.strip()


def parse_scales(text: str) -> list[float]:
    try:
        scales = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        scales = []
    if not scales or not all(math.isfinite(s) and 0 < s <= 16 for s in scales):
        raise UsageError(f"--scales '{text[:40]}' is not a comma-separated list of positive "
                         "numbers (at most 16)")
    return scales


def check_options(opts: RunOptions) -> None:
    """Every option on its own, before anything is imported or built."""
    if not DEVICE_RE.match(opts.device):
        raise UsageError(f"--device '{opts.device[:40]}' is not cpu, cuda or cuda:N")
    if opts.precision not in PRECISIONS:
        raise UsageError(f"--precision '{opts.precision[:20]}' is not one of {', '.join(PRECISIONS)}")
    if opts.device == "cpu" and opts.precision == "fp16":
        raise UsageError("fp16 on CPU is not supported: use --precision bf16 or fp32 on CPU, "
                         "or --device cuda for fp16")
    for name, value, low in (("--batch", opts.batch, 1), ("--warmup", opts.warmup, 0),
                             ("--iters", opts.iters, 1), ("--num-classes", opts.num_classes, 1),
                             ("--threads", opts.threads, 1)):
        if value is not None and value < low:
            raise UsageError(f"{name} must be >= {low}, got {value}")
    if opts.latency_budget is not None and not (math.isfinite(opts.latency_budget)
                                                and 0 < opts.latency_budget <= 86_400):
        raise UsageError(f"--latency-budget must be seconds in (0, 86400], got {opts.latency_budget}")
    if opts.runtime not in RUNTIMES:
        raise UsageError(f"--runtime '{opts.runtime[:20]}' is not one of {', '.join(RUNTIMES)}")
    if opts.runtime == "onnxruntime" and (opts.compile or opts.channels_last or opts.precision != "fp32"
                                          or opts.data or opts.weights):
        raise UsageError("--runtime onnxruntime times the fp32 export of the model: no --compile, "
                         "--channels-last, --precision, --data or --weights")
    if opts.num_classes is not None and opts.num_classes > 100_000:
        raise UsageError(f"--num-classes {opts.num_classes} is not a plausible class count")
    if opts.protocol not in PROTOCOLS:
        raise UsageError(f"--protocol '{opts.protocol[:20]}' is not whole or slide")
    if opts.protocol == "slide" and opts.crop is None:
        raise UsageError("--protocol slide needs --crop HxW")
    if (opts.crop or opts.stride) and opts.protocol != "slide":
        raise UsageError("--crop/--stride only apply to --protocol slide")
    if not opts.scales or not all(math.isfinite(s) and s > 0 for s in opts.scales):
        raise UsageError("--scales must be positive numbers")
    if opts.sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{8,64}", opts.sha256.strip()):
        raise UsageError(f"--sha256 '{opts.sha256[:70]}' is not 8 to 64 hex digits")
    if opts.sha256 and not opts.weights:
        raise UsageError("--sha256 needs --weights")
    if opts.allow_partial and not opts.weights:
        raise UsageError("--allow-partial needs --weights")
    if opts.weights:
        p = Path(opts.weights).expanduser()
        if not p.is_file():
            raise UsageError(f"--weights: file not found: {p}")
    if opts.data:
        name, root = parse_data(opts.data)
        if not Path(root).expanduser().is_dir():
            raise UsageError(f"--data: dataset root {root} does not exist or is not a directory")
    elif opts.split != "val" or opts.flip or opts.scales != [1.0] or opts.protocol != "whole":
        raise UsageError("--split/--protocol/--flip/--scales apply to an accuracy run: add "
                         "--data DATASET=ROOT")


# ---------------------------------------------------------------- preflight (torch, files)

@dataclass
class Prepared:
    """What preflight read, handed to the measuring step so nothing is read twice."""

    state_dict: Any = None          # the checkpoint's tensors (--weights)
    weights_sha256: str | None = None
    expected_sha256: str | None = None


def preflight(spec, opts: RunOptions, cat=None) -> Prepared:
    """Checks that need torch or the files, before the model is built (UsageError)."""
    import torch

    from bench.weights import WeightsError, read_checkpoint

    check_options(opts)
    if opts.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available here (torch "
                         f"{torch.__version__}, cuda build {torch.version.cuda}); use --device cpu")
    if opts.device.startswith("cuda:") and int(opts.device[5:]) >= torch.cuda.device_count():
        raise UsageError(f"--device {opts.device}: only {torch.cuda.device_count()} CUDA device(s)")
    if opts.runtime == "onnxruntime":
        try:
            from bench.measure.onnx_runtime import providers_for
        except ImportError:
            raise UsageError("--runtime onnxruntime needs the onnxruntime and onnxscript packages "
                             "(pip install -e '.[bench]')") from None
        try:
            providers = providers_for(opts.device)
        except ImportError:
            raise UsageError("--runtime onnxruntime: onnxruntime is not installed "
                             "(pip install -e '.[bench]')") from None
        if opts.device.startswith("cuda") and "CUDAExecutionProvider" not in providers:
            raise UsageError("--runtime onnxruntime --device cuda: this onnxruntime has no CUDA "
                             "execution provider (install onnxruntime-gpu), or use --device cpu")
    prep = Prepared()
    if opts.data:
        from bench.data import DatasetError, open_dataset

        name, root = parse_data(opts.data)
        try:
            open_dataset(name, root, split=opts.split)
        except DatasetError as e:
            raise UsageError(f"--data: {e}") from None
    if opts.weights:
        prep.expected_sha256 = opts.sha256 or catalog_sha256(cat, spec, opts.weights)
        try:
            prep.state_dict, prep.weights_sha256 = read_checkpoint(opts.weights,
                                                                   prep.expected_sha256)
        except WeightsError as e:
            raise UsageError(f"--weights: {e}") from None
    return prep


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
        first = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
        return None, f"no catalog claims (the catalog did not load: {first})"


def claims_for(cat, spec) -> tuple[list, list]:
    """The claims about the spec's catalog model, plus the efficiency claims of models of the same
    paper whose source names no variant (DFANet's bare "7.8M"): each built variant is shown beside
    them, never judged as if it were the one meant."""
    if cat is None:
        return [], []
    results, effs = cat.claims_for(spec.model_id)
    try:
        paper = cat.model_owner(spec.model_id)
    except KeyError:
        return results, effs
    unnamed = {m.id for m in paper.models if m.unnamed_variant and m.id != spec.model_id}
    return results, effs + [e for e in paper.efficiency if e.model in unnamed]


def catalog_sha256(cat, spec, weights: str) -> str | None:
    """The sha256 the catalog gives for a published checkpoint with this file name, if any."""
    if cat is None:
        return None
    try:
        variant = next(m for m in cat.model_owner(spec.model_id).models if m.id == spec.model_id)
    except (KeyError, StopIteration):
        return None
    name = Path(weights).name
    return next((c.sha256 for c in variant.weights if c.url.rsplit("/", 1)[-1] == name), None)


def canonical_sizes(results, default: tuple[int, int],
                    eval_sizes: dict[tuple[int, int], list[str]] | None = None
                    ) -> dict[tuple[int, int], dict]:
    """Sizes to count FLOPs at for the site: each canonical size of a dataset the model's
    accuracy claims use (catalog.datasets), each size its results were evaluated at
    (`eval_sizes`: size -> datasets, from `result_eval_sizes`), and the model's default size."""
    from catalog.datasets import DATASETS

    def entry(size) -> dict:
        return sizes.setdefault(tuple(size), {"datasets": [], "eval_datasets": [],
                                              "model_default": False})

    sizes: dict[tuple[int, int], dict] = {}
    for ds in sorted({r.dataset for r in results}):
        d = DATASETS.get(ds)
        if d is not None and d.canonical_size:
            entry(d.canonical_size)["datasets"].append(ds)
    for size, datasets in sorted((eval_sizes or {}).items()):
        entry(size)["eval_datasets"] = sorted(set(datasets))
    entry(default)["model_default"] = True
    return sizes


def result_eval_sizes(cat, model_id: str) -> dict[tuple[int, int], list[str]]:
    """HxW -> datasets, for each size a result of `model_id` was evaluated at, by the rule
    the site pairs a score with its compute (catalog.compare.rows.Row.eval_size)."""
    if cat is None:
        return {}
    from catalog.compare.rows import build_rows

    out: dict[tuple[int, int], list[str]] = {}
    for row in build_rows(cat):
        if row.model_id != model_id:
            continue
        size, _how = row.eval_size()
        if size:
            hw = parse_hw(size, "eval size")
            out.setdefault(hw, []).append(row.dataset)  # type: ignore[arg-type]
    return out


def _spec_for_catalog_model(model_id: str):
    from bench.models.registry import all_specs

    return next((s for s in all_specs().values() if s.model_id == model_id), None)


# ---------------------------------------------------------------- measuring

def _is_oom(e: BaseException) -> bool:
    import torch

    return isinstance(e, torch.cuda.OutOfMemoryError) or "out of memory" in str(e).lower()


def _quiet(msg: str) -> None:
    return None


def measure_model(spec, opts: RunOptions, cat=None, say: Say = _quiet,
                  progress: bool = False, sweep: str | None = None,
                  source: dict | None = None) -> Run:
    """Build `spec`'s model, measure it and judge the catalog's claims; the typed record.

    `say` receives one line per stage (the CLI prints them on stderr); `progress` shows the
    per-image progress of an accuracy run; `sweep` marks the run as part of that sweep."""
    prep = preflight(spec, opts, cat)
    rec = _measure(spec, opts, cat, say, progress, prep)
    if sweep:
        rec["sweep"] = sweep
    if source:  # an unregistered model: which file was measured, and whose claims
        rec["source"] = source
    return validate_run(rec, f"record of {spec.key}")


def _measure(spec, opts: RunOptions, cat, say: Say, progress: bool, prep: Prepared) -> dict:
    import torch

    from bench.measure.env import collect_env
    from bench.measure.flops import count_flops
    from bench.measure.onnx_runtime import OnnxError
    from bench.measure.params import count_params
    from bench.verify import claim_input_sizes, unnamed_variant_verdict, verify_all, verify_efficiency

    # pinned (to torch's own default when not given), so the record names the threads its
    # timings ran on
    torch.set_num_threads(opts.threads or torch.get_num_threads())
    dev = torch.device(opts.device)
    size = tuple(opts.input_size or spec.input_size)
    nc = opts.num_classes or spec.num_classes
    results, effs = claims_for(cat, spec)
    rec: dict = {
        "model": spec.key, "paper": spec.paper, "catalog_model": spec.model_id,
        "harness_version": bench.__version__, "timestamp": now_iso(),
        "run_id": uuid.uuid4().hex, "reference": opts.reference,
        "device": dev.type, "engine": opts.runtime, "input_size": list(size), "batch": opts.batch,
        "precision": opts.precision, "channels_last": opts.channels_last,
        "compile": opts.compile, "num_classes": nc,
        "params": None, "flops": None, "latency": None, "memory": None,
        "env": collect_env(dev), "miou": None, "verdicts": [], "error": None,
    }
    t0 = time.perf_counter()
    torch.manual_seed(0)
    say(f"building {spec.key} ({nc} classes)")
    try:
        model = spec.build(num_classes=nc).eval()
        rec["params"] = count_params(model)
        params_for_claims = rec["params"]
        if nc != spec.num_classes:  # params claims are about the spec's (the paper's) head
            params_for_claims = count_params(spec.build(num_classes=spec.num_classes))
            rec["params_spec_classes"] = params_for_claims
        # ... unless a claim names a dataset with another class count (an ADE20K count of a
        # Cityscapes-registered model is of its 150-class build).
        params_by_classes = _params_with_claim_classes(spec, effs, say)
    except Exception as e:  # noqa: BLE001 - e.g. a class count the architecture cannot take
        rec["error"] = f"{type(e).__name__} while building the model: {e}"[:2000]
        rec["elapsed_s"] = round(time.perf_counter() - t0, 2)
        return rec
    weights_report = None
    if opts.weights:  # before FLOPs and timing: a checkpoint that does not fit stops here
        from bench.weights import WeightsError, apply_state_dict

        say(f"loading weights {opts.weights}")
        try:
            weights_report = apply_state_dict(model, prep.state_dict, opts.weights,
                                              prep.weights_sha256,
                                              allow_partial=opts.allow_partial)
        except WeightsError as e:
            raise UsageError(f"--weights: {e}") from None
        prep.state_dict = None
        rec["weights"] = weights_report
        if weights_report.get("note"):
            say(f"weights: {weights_report['note']}")
        if weights_report["missing"] or weights_report["unexpected"]:
            say(f"weights: {len(weights_report['missing'])} missing, "
                f"{len(weights_report['unexpected'])} unexpected key(s) (listed in the record)")
    flops_by_size: dict = {}
    flops_by_key: dict = {}
    relative: dict = {}
    stage = "counting FLOPs"
    try:
        model = model.to(dev)
        say(f"counting FLOPs at {size[0]}x{size[1]}" + (" (with fvcore)" if opts.fvcore else ""))
        rec["flops"] = count_flops(model, size, dev, fvcore=opts.fvcore)
        flops_by_size[size] = rec["flops"]
        if opts.runtime == "onnxruntime":  # the eager run of the model counts FLOPs elsewhere
            stage = "timing on ONNX Runtime"
            rec["latency"], rec["memory"], rec["onnx"] = _time_onnx(model, size, opts, dev, say)
            rec["elapsed_s"] = round(time.perf_counter() - t0, 2)
            return rec
        extra = sorted(claim_input_sizes(effs) - {size})
        if extra:  # FLOPs depend on input size: re-measure at each claim's, so verdicts are real
            say("counting FLOPs at claim sizes " + ", ".join(f"{h}x{w}" for h, w in extra))
            rec["flops_at_claim_sizes"] = []
            for s in extra:
                flops_by_size[s] = count_flops(model, s, dev, fvcore=False)
                rec["flops_at_claim_sizes"].append(flops_by_size[s])
        # ... and with the claim's number of classes when it names a dataset (a Cityscapes
        # count of an ADE20K-registered model has a 19-class head, not 150).
        flops_by_key = _flops_with_claim_classes(spec, effs, nc, dev, say)
        rec.setdefault("flops_at_claim_sizes", []).extend(flops_by_key.values())
        rec["flops_at"] = _flops_at(model, results, spec, dev, flops_by_size, say,
                                    result_eval_sizes(cat, spec.model_id))
        stage = "timing"
        rec["latency"], rec["memory"] = _time_and_memory(model, size, opts, dev, say)
        if any(getattr(e, "relative_to", None) for e in effs):
            stage = "measuring the models of relative claims"
            relative = _relative_measurements(effs, size, opts, dev, say)
        if opts.data:
            from bench.accuracy import evaluate

            stage = "evaluating accuracy"
            dataset, root = parse_data(opts.data)
            say(f"evaluating on {dataset} {opts.split} at {root}")
            miou = evaluate(model, dataset=dataset, root=root, split=opts.split,
                            protocol=opts.protocol, crop=opts.crop, stride=opts.stride,
                            flip=opts.flip, scales=opts.scales, device=opts.device,
                            num_classes=nc, progress=progress)
            miou["weights"] = weights_report or {"path": None, "sha256": None, "missing": [],
                                                 "unexpected": []}
            if miou["miou"] is None or not math.isfinite(miou["miou"]):
                rec["error"] = (f"mIoU is undefined on {dataset} {opts.split}: no pixel was "
                                f"scored (every label pixel is the ignore index "
                                f"{miou.get('ignore_index')}); check the labels")
            else:
                rec["miou"] = _finite_scores(miou)
    except UsageError:
        raise
    except OnnxError as e:  # an export that fails is a finding, recorded with its reason
        rec["onnx"], rec["error"] = e.info, str(e)[:2000]
        rec["elapsed_s"] = round(time.perf_counter() - t0, 2)
        return rec
    except Exception as e:  # noqa: BLE001 - record what failed; --all goes on
        if _is_oom(e):
            rec["error"] = f"CUDA out of memory (batch {opts.batch}, {size[0]}x{size[1]}): {e}"
        else:
            rec["error"] = f"{type(e).__name__} while {stage}: {e}"
        rec["error"] = rec["error"][:2000]
        if dev.type == "cuda":
            torch.cuda.empty_cache()
    measured = {"params": params_for_claims, "flops_by_size": flops_by_size, "num_classes": nc,
                "flops_by_key": flops_by_key, "params_by_classes": params_by_classes,
                "latency": rec["latency"], "memory": rec["memory"], "env": rec["env"],
                "input_size": size, "batch": opts.batch, "precision": opts.precision,
                "device": dev.type, "miou": rec["miou"], "relative": relative}
    own = [e for e in effs if e.model == spec.model_id]
    rec["verdicts"] = verify_all(results, own, measured) + [
        unnamed_variant_verdict(verify_efficiency(e, measured), e.model, spec.key)
        for e in effs if e.model != spec.model_id]
    rec["elapsed_s"] = round(time.perf_counter() - t0, 2)
    return rec


def _finite_scores(miou: dict) -> dict:
    """NaN sub-scores (a class absent from both sides) become null, never a bare NaN."""
    out = dict(miou)
    for k in ("pixel_acc", "mean_acc", "fwiou"):
        if out.get(k) is not None and not math.isfinite(out[k]):
            out[k] = None
    out["per_class_iou"] = {c: (v if v is not None and math.isfinite(v) else None)
                            for c, v in (out.get("per_class_iou") or {}).items()}
    return out


def _params_with_claim_classes(spec, effs, say: Say) -> dict[int, dict]:
    """Parameters by class count, for params claims that name a dataset whose class count is not
    the spec's: the model built for that dataset (its classifier, and any head the builder
    chooses by the class count) is the one the claim is about."""
    from bench.measure.params import count_params
    from bench.verify import claim_param_classes

    out: dict[int, dict] = {}
    for classes in sorted(claim_param_classes(effs, spec.num_classes) - {spec.num_classes}):
        say(f"counting parameters with a {classes}-class head (the claim's dataset)")
        out[classes] = count_params(spec.build(num_classes=classes))
    return out


def _flops_with_claim_classes(spec, effs, nc: int, dev, say: Say) -> dict[tuple[int, int, int], dict]:
    """FLOPs at (h, w, classes) for FLOPs claims that name a dataset with another class count."""
    from bench.measure.flops import count_flops
    from bench.verify import claim_sizes_with_classes

    out: dict[tuple[int, int, int], dict] = {}
    for (h, w), classes in sorted(claim_sizes_with_classes(effs, nc)):
        if classes == nc:
            continue
        say(f"counting FLOPs at {h}x{w} with a {classes}-class head (the claim's dataset)")
        model = spec.build(num_classes=classes).eval().to(dev)
        out[(h, w, classes)] = {**count_flops(model, (h, w), dev, fvcore=False), "num_classes": classes}
    return out


def _flops_at(model, results, spec, dev, flops_by_size: dict, say: Say,
              eval_sizes: dict | None = None) -> list[dict]:
    """FLOPs at each canonical dataset size, each size the model's results were evaluated at,
    and the default size: the site shows compute at the size of the score beside it."""
    from bench.measure.flops import count_flops

    out = []
    sizes = canonical_sizes(results, spec.input_size, eval_sizes)
    todo = [s for s in sizes if s not in flops_by_size]
    if todo:
        say("counting FLOPs at canonical and evaluation sizes " + ", ".join(f"{h}x{w}" for h, w in todo))
    for s, info in sizes.items():
        entry = {"input_size": list(s), **info}
        try:
            f = flops_by_size.get(s) or count_flops(model, s, dev, fvcore=False)
            flops_by_size.setdefault(s, f)
            entry.update(gmacs=f["gmacs"], gflops=f["gflops"])
        except Exception as e:  # noqa: BLE001 - e.g. a size the architecture cannot take
            entry["error"] = f"{type(e).__name__}: {e}"[:300]
        out.append(entry)
    return out


def latency_settings(opts: RunOptions, cuda: bool):
    """(warm-up, fixed iterations or None, the block protocol) for these options."""
    from bench.measure.latency import Protocol

    warmup = opts.warmup if opts.warmup is not None else (CUDA_WARMUP if cuda else CPU_WARMUP)
    budget = opts.latency_budget or (CUDA_BUDGET_S if cuda else CPU_BUDGET_S)
    return warmup, opts.iters, Protocol(budget_s=budget)


def _time_and_memory(model, size, opts: RunOptions, dev, say: Say) -> tuple[dict | None, dict]:
    """Latency (unless --no-latency) and the peak memory of those same forward passes."""
    import torch

    from bench.measure.latency import autocast_context, make_input, measure_latency, prepare
    from bench.measure.memory import peak_memory

    with peak_memory(dev) as mem:
        if not opts.latency:  # one forward, for the memory figure only
            say("one forward pass for peak memory (--no-latency)")
            m = prepare(model, dev, opts.channels_last, opts.compile)
            x = make_input(opts.batch, size, dev, opts.channels_last)
            with torch.inference_mode(), autocast_context(dev, opts.precision):
                m(x)
            lat = None
        else:
            warmup, iters, proto = latency_settings(opts, dev.type == "cuda")
            say(f"timing: {warmup} warm-up, "
                + (f"{iters} timed" if iters else f"blocks until settled (CI of the median "
                   f"+-{proto.max_rel_ci:.0%}, p90/median <= {proto.max_spread}) or {proto.budget_s:g} s"))
            lat = measure_latency(model, size, batch=opts.batch, device=dev,
                                  precision=opts.precision, channels_last=opts.channels_last,
                                  compile=opts.compile, warmup=warmup, iters=iters, protocol=proto)
            if lat["unstable"]:
                say(f"timings never settled: median {lat['median_ms']:.1f} ms, CI "
                    f"{lat['ci_ms'][0]:.1f}-{lat['ci_ms'][1]:.1f}, p90/median {lat['spread']:.2f} "
                    "(recorded as unstable)")
    mem["scope"] = "forward passes of the latency run" if lat else "one forward pass"
    return lat, mem


def remeasure_latency(spec, opts: RunOptions, say: Say = _quiet) -> dict:
    """Build `spec` again and time it with the options of its run (bench.ordering)."""
    import torch

    torch.set_num_threads(opts.threads or torch.get_num_threads())
    dev = torch.device(opts.device)
    size = tuple(opts.input_size or spec.input_size)
    torch.manual_seed(0)
    model = spec.build(num_classes=opts.num_classes or spec.num_classes).eval().to(dev)
    say(f"re-measuring the latency of {spec.key}")
    if opts.runtime == "onnxruntime":
        return _time_onnx(model, size, opts, dev, say)[0]
    return _time_and_memory(model, size, replace(opts, latency=True), dev, say)[0]


def _time_onnx(model, size, opts: RunOptions, dev, say: Say) -> tuple[dict, dict, dict]:
    """Export to ONNX and time it on ONNX Runtime (bench.measure.onnx_runtime); OnnxError
    carries the reason when the export or the session fails."""
    from bench.measure.memory import peak_memory
    from bench.measure.onnx_runtime import OPSET, measure_onnx_latency

    warmup, iters, proto = latency_settings(opts, dev.type == "cuda")
    say(f"exporting to ONNX (opset {OPSET}) and timing on ONNX Runtime")
    with peak_memory("cpu") as mem:
        lat, info = measure_onnx_latency(model, size, batch=opts.batch, device=opts.device,
                                         warmup=warmup, iters=iters, protocol=proto)
    mem["scope"] = "export, session creation and the timed runs (ONNX Runtime, host memory)"
    return lat, mem, info


def _relative_measurements(effs, size, opts: RunOptions, dev, say: Say) -> dict[str, dict]:
    """The other model of each relative claim ("79x fewer params than SegNet"), measured in
    this process under the same settings: params, FLOPs at this run's size and at the claims'
    sizes, and latency when a latency/fps claim needs it. Unregistered models get a reason."""
    import torch

    from bench.measure.flops import count_flops
    from bench.measure.params import count_params
    from bench.verify import _size

    out: dict[str, dict] = {}
    for other in sorted({e.relative_to for e in effs if getattr(e, "relative_to", None)}):
        mine = [e for e in effs if getattr(e, "relative_to", None) == other]
        spec = _spec_for_catalog_model(other)
        if spec is None:
            out[other] = {"reason": f"{other} is not registered in the bench"}
            continue
        say(f"measuring {spec.key} for {len(mine)} relative claim(s)")
        torch.manual_seed(0)
        m = spec.build(num_classes=spec.num_classes).eval()
        rel: dict = {"key": spec.key, "params": count_params(m), "flops_by_size": {}}
        m = m.to(dev)
        sizes = {size} | {_size(e.input_size) for e in mine
                          if e.quantity in ("flops", "macs") and e.input_size}
        if any(e.quantity in ("flops", "macs") for e in mine):
            for s in sorted(sizes):
                rel["flops_by_size"][s] = count_flops(m, s, dev, fvcore=False)
        if opts.latency and any(e.quantity in ("latency", "fps") for e in mine):
            from bench.measure.latency import measure_latency

            warmup, iters, proto = latency_settings(opts, dev.type == "cuda")
            rel["latency"] = measure_latency(m, size, batch=opts.batch, device=dev,
                                             precision=opts.precision,
                                             channels_last=opts.channels_last,
                                             compile=opts.compile, warmup=warmup, iters=iters,
                                             protocol=proto)
        out[other] = rel
        del m
    return out
