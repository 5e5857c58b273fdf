"""The typed run record and results file (`data/results/<bench key>.json`), as pydantic models.

Written by the bench (`bench run --save`, the sweep, the Slurm executor), validated by every
reader (the site, `bench list`, the sweep). The format is documented in docs/dev/conventions.md
and as JSON Schema in `schema/results.schema.json`, generated from these models
(`python -m bench.record schema -o schema/results.schema.json`; a test fails when it is stale).

This module imports only pydantic and the standard library: the site imports it without
torch, and the catalog never imports the bench.

Rules the models enforce:
- numbers are JSON numbers (a string such as "134M" where a count belongs is an error, not a
  coercion), finite (NaN and Infinity are impossible) and inside a plausible range;
- blocks the harness writes have a closed set of keys (`extra="forbid"`), except `flops`
  entries, which carry the FLOP counter's diagnostics and may grow;
- every run in a file belongs to the file's model.

`load_results(path)` raises ResultsError naming the file and the field
(`data/results/x.json: runs[0].params.total: Input should be a valid integer (got '134M')`).

Which run the site shows (`shown_run`): a committed reference run (`reference: true`, written
with `bench run --reference`) wins over any local run; among reference runs without errors, the
newest per (device, precision, batch). A file with no reference run (runs saved before the
flag existed) falls back to its newest error-free run, marked as not a reference.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

RECORD_FORMAT = "segatlas-results/1"
# Caps, refused before (size) or while (counts) parsing: a results file is 5-20 KB today, a run
# carries one verdict per catalog claim on its model (a few dozen at most).
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_RUNS = 5_000
MAX_VERDICTS = 1_000
ID_RE = r"^[a-z0-9][a-z0-9+-]*$"   # bench keys, catalog model and paper ids
VERDICTS = ("verified", "mismatch", "unit", "not-comparable", "unmeasured")
ENGINES = ("pytorch", "onnxruntime")

Id = Annotated[str, Field(pattern=ID_RE, max_length=100)]
Text = Annotated[str, Field(max_length=10_000)]
Count = Annotated[int, Field(ge=0, le=10**13)]  # parameters: 10 trillion is beyond any model
Pos = Annotated[int, Field(ge=1, le=10**6)]
NonNeg = Annotated[int, Field(ge=0, le=10**9)]
G = Annotated[float, Field(ge=0, le=1e9)]        # GMACs / GFLOPs
Ms = Annotated[float, Field(ge=0, le=1e9)]       # milliseconds, MB, seconds
Pct = Annotated[float, Field(ge=0, le=100)]
Size = Annotated[list[Annotated[int, Field(ge=1, le=100_000)]], Field(min_length=2, max_length=2)]


class _Record(BaseModel):
    """Closed blocks: unknown keys, non-finite numbers and coerced strings are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True,
                              str_max_length=100_000)


class _Open(_Record):
    """A block another module fills and may extend: extra keys kept (JSON values only)."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _finite_extras(self):
        for k, v in (self.__pydantic_extra__ or {}).items():
            _check_json(v, k)
        return self


def _check_json(v: Any, where: str, depth: int = 0) -> None:
    """Extra keys must still be finite JSON: no NaN/Infinity hiding in a diagnostic."""
    if depth > 20:
        raise ValueError(f"{where}: nested deeper than 20 levels")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"{where}: {v} is not a finite number")
    if isinstance(v, dict):
        for k, x in v.items():
            _check_json(x, f"{where}.{k}", depth + 1)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _check_json(x, f"{where}[{i}]", depth + 1)


class Params(_Record):
    total: Count = Field(description="Parameters counted (shared tensors once), aux heads excluded.")
    trainable: Count
    excluded: Count = Field(0, description="Parameters of auxiliary heads left out of `total`.")
    scope: Text = Field(description="What was counted, in words.")


class ParamsAtClasses(Params):
    num_classes: Pos = Field(description="The classifier's class count this count is for (a params "
                                         "claim's dataset, when it differs from the registered one).")


class Skipped(_Record):
    flopcounter: list[Text] | None = None
    fvcore: list[Text] | None = None


class Flops(_Open):
    """One FLOP count at one input size, batch 1 (bench/measure/flops.py)."""

    gmacs: G = Field(description="Multiply-adds / 1e9 (= gflops / 2).")
    gflops: G = Field(description="FLOPs / 1e9, two per multiply-add (FlopCounterMode).")
    input_size: Size = Field(description="[H, W] of the counted input.")
    batch: Pos = 1
    conv_gmacs: G | None = None
    counted_on: Text | None = None
    flopcounter_gflops: G | None = None
    fvcore_gmacs: G | None = None
    fvcore_error: Text | None = None
    by_op: dict[str, dict[str, Annotated[float, Field(ge=0, le=1e9)]]] | None = None
    skipped: Skipped | None = None
    convention: Text | None = None
    units: dict[str, Text] | None = Field(None, description="Per figure: MACs or FLOPs.")
    fvcore_status: Literal["ok", "failed", "disabled"] | None = None
    meta_error: Text | None = Field(None, description="Why counting on the meta device failed.")


class FlopsAt(_Record):
    """FLOPs at a size the site compares models at: a dataset's canonical size
    (catalog.datasets.DATASETS[...].canonical_size), a size one of the model's results was
    evaluated at, or the model's default input size."""

    input_size: Size
    datasets: list[Id] = Field(default_factory=list,
                               description="Datasets whose canonical size this is.")
    eval_datasets: list[Id] = Field(default_factory=list,
                                    description="Datasets with a result of this model evaluated "
                                                "at this size (catalog.compare Row.eval_size).")
    model_default: bool = Field(False, description="The model's default input size.")
    gmacs: G | None = None
    gflops: G | None = None
    error: Text | None = Field(None, description="Why counting failed at this size.")

    @model_validator(mode="after")
    def _count_or_error(self):
        if (self.gmacs is None or self.gflops is None) and not self.error:
            raise ValueError("gmacs and gflops are required unless `error` says why not")
        return self


class LatencyProtocol(_Record):
    """The bound the timings were judged against (bench/measure/latency.py, Protocol)."""

    max_rel_ci: Annotated[float, Field(gt=0, le=10)] = Field(
        description="Half-width of the CI of the median, relative to the median, at most.")
    max_spread: Annotated[float, Field(ge=1, le=100)] = Field(description="p90 / median at most.")
    budget_s: Ms = Field(description="Seconds of timing before the run is called unstable.")
    min_samples: Pos
    confidence: Annotated[float, Field(gt=0, lt=1)]


class FamilyOrder(_Record):
    """A smaller variant of a family measured slower than a larger one (fewer GMACs at the
    same input size), re-measured with both timed in turn (bench/ordering.py)."""

    smaller: Id
    larger: Id
    smaller_gmacs: G
    larger_gmacs: G
    smaller_median_ms: Ms = Field(description="Re-measured.")
    larger_median_ms: Ms = Field(description="Re-measured.")
    first_smaller_ms: Ms = Field(description="The smaller variant's median before re-measuring.")
    first_larger_ms: Ms = Field(description="The larger variant's median before re-measuring.")
    persists: bool = Field(description="The smaller variant is still slower after re-measuring.")


class Latency(_Record):
    median_ms: Ms
    p90_ms: Ms
    mean_ms: Ms
    std_ms: Ms
    min_ms: Ms | None = None
    throughput_ips: Annotated[float, Field(ge=0, le=1e9)]
    warmup: NonNeg
    iters: Pos
    batch: Pos | None = None
    input_size: Size | None = None
    precision: Literal["fp32", "fp16", "bf16"] | None = None
    channels_last: bool | None = None
    compile: bool | None = None
    timer: Literal["perf_counter", "cuda_event"]
    times_ms: list[Ms] | None = None
    wall_s: Ms | None = None
    # the block protocol (absent in runs timed before it existed: `stable` is then None)
    ci_ms: Annotated[list[Ms], Field(min_length=2, max_length=2)] | None = Field(
        None, description="Confidence interval of the median (order statistics), [low, high].")
    ci_level: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="Coverage of `ci_ms` (0.95 or more once 6 timings are judged).")
    rel_ci: Annotated[float, Field(ge=0, le=1e6)] | None = Field(
        None, description="Half-width of `ci_ms` / median.")
    spread: Annotated[float, Field(ge=0, le=1e6)] | None = Field(None, description="p90 / median.")
    unstable: bool | None = Field(
        None, description="True: the timings never settled within the protocol's bound and budget.")
    blocks: Pos | None = None
    block_iters: Pos | None = None
    samples_used: Pos | None = Field(
        None, description="The statistics are over the last `samples_used` of `times_ms`.")
    threads: Pos | None = Field(None, description="CPU threads torch was pinned to while timing.")
    protocol: LatencyProtocol | None = None
    family_order: list[FamilyOrder] = Field(
        default_factory=list, description="Re-measured orderings against variants of the same family.")

    @property
    def stable(self) -> bool | None:
        """True when the timings settled; False when they never did; None for a run timed
        before the protocol existed (no judgement was made)."""
        return None if self.unstable is None else not self.unstable

    @property
    def ci(self) -> tuple[float, float] | None:
        return (self.ci_ms[0], self.ci_ms[1]) if self.ci_ms else None

    @property
    def p90_over_median(self) -> float | None:
        return self.p90_ms / self.median_ms if self.median_ms else None


class Memory(_Record):
    peak_mb: Ms | None = None
    kind: Text | None = None
    note: Text | None = None
    scope: Text | None = None


class Env(_Record):
    device_name: Text | None = None
    cpu: Text | None = None
    threads: Pos | None = None
    torch: Text | None = None
    cuda: Text | None = None
    cudnn: Annotated[int, Field(ge=0)] | Text | None = None
    driver: Text | None = None
    python: Text | None = None
    platform: Text | None = None
    executable: Text | None = None


class WeightsReport(_Record):
    path: Text | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    missing: list[Text] = Field(default_factory=list)
    unexpected: list[Text] = Field(default_factory=list)
    note: Text | None = Field(None, description="How checkpoint keys were renamed, if they were.")
    allow_partial: bool | None = Field(None, description="Loaded with --allow-partial.")


class Miou(_Record):
    dataset: Id
    split: Text
    protocol: Literal["whole", "slide"]
    crop: Size | None = None
    stride: Size | None = None
    flip: bool = False
    scales: list[Annotated[float, Field(gt=0, le=100)]] = Field(default_factory=lambda: [1.0])
    num_images: NonNeg
    miou: Pct = Field(description="Mean IoU in percent; never NaN (an all-ignore set is an error).")
    pixel_acc: Pct | None = None
    mean_acc: Pct | None = None
    fwiou: Pct | None = None
    per_class_iou: dict[str, Pct | None] = Field(default_factory=dict)
    num_classes: Pos | None = None
    ignore_index: Annotated[int, Field(ge=0, le=65535)] | None = None
    seconds: Ms | None = None
    weights: WeightsReport | None = None


class Verdict(_Record):
    quantity: Text
    claimed: Annotated[float, Field(ge=-1e15, le=1e15)]
    claimed_unit: Text
    bound: Literal["=", "~", "<", "<=", ">", ">="]
    measured: Annotated[float, Field(ge=-1e15, le=1e15)] | None
    measured_unit: Text | None
    verdict: Literal[VERDICTS]  # type: ignore[valid-type]
    tolerance: Text
    note: Text
    sources: list[Text]
    where: list[Text] = Field(default_factory=list)
    input_size: Text | None = None
    hardware: Text | None = None
    dataset: Text | None = None
    split: Text | None = None
    relative_to: Text | None = Field(None, description="The model a ratio claim compares with.")
    claim_model: Text | None = Field(
        None, description="Set when the claim is about another catalog model than the run's: a model "
                          "whose source names no variant, judged against each variant the bench builds.")


class NodeUse(_Record):
    """How a cluster job had its node while it measured (bench.cluster_job, Slurm only):
    latencies of jobs that shared a node's cores are not comparable with exclusive ones."""

    scheduler: Literal["slurm"]
    job_id: Annotated[str, Field(max_length=40)]
    node: Text | None = Field(None, description="The node's name (SLURMD_NODENAME).")
    cpus_allotted: Pos | None = Field(None, description="CPUs Slurm gave the job on the node "
                                                        "(SLURM_CPUS_ON_NODE).")
    cpus_on_node: Pos | None = Field(None, description="CPUs the node has (os.cpu_count).")
    exclusive_requested: bool = Field(description="The sweep asked for the whole node "
                                                  "(--exclusive).")
    other_jobs: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, description="Ids of other jobs squeue showed running on the "
                                          "node while this one measured.")
    samples: NonNeg = Field(description="How many times squeue was asked (start, each "
                                        "heartbeat, end).")
    shared: bool | None = Field(description="Other jobs ran on the node while it measured; "
                                             "null when squeue never answered.")
    note: Text | None = Field(None, description="Why a sample failed, if one did.")

class OnnxExport(_Record):
    """How the model reached ONNX Runtime (bench/measure/onnx_runtime.py)."""

    opset: Pos
    exporter: Text = Field(description="torch.onnx.export mode that produced the graph.")
    providers: list[Text] = Field(description="ONNX Runtime execution providers, in order of use.")
    onnxruntime: Text = Field(description="onnxruntime version.")
    export_s: Ms | None = None
    file_mb: Ms | None = Field(None, description="Size of the exported graph and weights.")
    error: Text | None = Field(None, description="Why the export or the session failed.")


class ModelSource(_Record):
    """A model given by the user instead of a registry key; the file's sha256 identifies it."""

    kind: Literal["module", "hf-config"]
    path: Text
    factory: Text | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    claims: Text | None = Field(None, description="The --claims file the verdicts come from.")
    claims_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class Run(_Record):
    """One measurement of one model (docs/dev/conventions.md, RUN)."""

    model: Id = Field(description="Bench key.")
    paper: Id
    catalog_model: Id
    harness_version: Annotated[str, Field(max_length=40)]
    timestamp: Annotated[str, Field(max_length=40, description="ISO 8601 with a UTC offset.")]
    run_id: Annotated[str, Field(pattern=r"^[0-9a-f]{8,64}$")] | None = Field(
        None, description="Unique id of the run: saving it twice does not duplicate it.")
    sweep: Annotated[str, Field(pattern=r"^[0-9a-zA-Z_.-]{1,80}$")] | None = Field(
        None, description="The sweep (`bench run --all`) that made this run, if any.")
    reference: bool = Field(False, description="A committed reference run (bench run --reference); "
                                               "the site prefers these to local runs.")
    device: Annotated[str, Field(pattern=r"^(cpu|cuda|mps|xpu)$")]
    engine: Literal[ENGINES] = Field(  # type: ignore[valid-type]
        "pytorch", description="What ran the timed forward passes: eager PyTorch, or the model "
                               "exported to ONNX and run by ONNX Runtime.")
    onnx: OnnxExport | None = Field(None, description="The export, for engine onnxruntime.")
    source: ModelSource | None = Field(
        None, description="Where an unregistered model came from (bench run --module / --hf-config).")
    input_size: Size
    batch: Pos
    precision: Literal["fp32", "fp16", "bf16"]
    channels_last: bool
    compile: bool
    num_classes: Pos
    params: Params | None = None
    params_spec_classes: Params | None = None
    params_at_claim_classes: list[ParamsAtClasses] | None = Field(
        None, description="Parameters with the head of each params claim's dataset whose class count "
                          "differs from the registered one (the claim is judged against that count).")
    flops: Flops | None = None
    flops_at_claim_sizes: list[Flops] | None = None
    flops_at: list[FlopsAt] = Field(default_factory=list,
                                    description="FLOPs at each canonical dataset size the model's "
                                                "catalog results use, and at its default size.")
    latency: Latency | None = None
    memory: Memory | None = None
    env: Env
    miou: Miou | None = None
    weights: WeightsReport | None = None
    verdicts: list[Verdict] = Field(default_factory=list, max_length=MAX_VERDICTS)
    error: Text | None = None
    elapsed_s: Ms | None = None
    node: NodeUse | None = Field(None, description="Slurm sweeps: how the job had its node "
                                                   "(shared or not) while it measured.")

    @field_validator("timestamp")
    @classmethod
    def _iso(cls, v: str) -> str:
        try:
            t = datetime.fromisoformat(v)
        except ValueError:
            raise ValueError("not an ISO 8601 timestamp (e.g. 2026-11-24T03:06:13+00:00)") from None
        if t.tzinfo is None:
            raise ValueError("timestamp needs a UTC offset (e.g. +00:00)")
        return v

    def key(self) -> tuple[str, str, int, str]:
        """What a shown run is chosen per: (device, precision, batch, engine)."""
        return (self.device, self.precision, self.batch, self.engine)


class ResultsFile(_Record):
    """`data/results/<bench key>.json`."""

    model_config = ConfigDict(title="SegAtlas results file")

    model: Id
    paper: Id
    runs: list[Run] = Field(max_length=MAX_RUNS)

    @model_validator(mode="after")
    def _runs_are_this_models(self):
        for i, r in enumerate(self.runs):
            if r.model != self.model:
                raise ValueError(f"runs[{i}].model is '{r.model}', the file is for '{self.model}'")
        return self


def now_iso() -> str:
    """The record's timestamp format: UTC, seconds, with the offset."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- reading

class ResultsError(ValueError):
    """A results file that is not a valid record; the message names the file and the field."""


def _excerpt(v: Any, n: int = 40) -> str:
    s = repr(v)
    return s if len(s) <= n else s[: n - 3] + "..."


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def describe(e: ValidationError, limit: int = 5) -> str:
    """Pydantic's errors as 'field: message (got value)', at most `limit`, values abridged."""
    lines = []
    for err in e.errors(include_url=False)[:limit]:
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        quiet = err["type"] in ("missing", "json_invalid") or isinstance(value, (dict, list))
        got = "" if quiet else f" (got {_excerpt(value)})"
        if err["type"] == "extra_forbidden":
            msg, got = "unknown key", ""
        lines.append(f"{_loc(err['loc'])}: {msg}{got}")
    more = e.error_count() - limit
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    seen: dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            raise _DuplicateKey(k)
        seen[k] = v
    return seen


class _DuplicateKey(ValueError):
    pass


def check_duplicate_keys(data: bytes | str, name: str = "<results>") -> None:
    """Refuse a key given twice in one object: JSON readers disagree on which value wins (one
    keeps the first, pydantic and `json` the last), so a reviewer may read another number than
    the site shows."""
    try:
        json.loads(data, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as e:
        raise ResultsError(f"{name}: the key {_excerpt(str(e))} is given twice in one object; "
                           "a results file names each key once") from None


def parse_results(data: bytes | str, name: str = "<results>") -> ResultsFile:
    """Validate the JSON text of a results file; ResultsError names `name` and the field."""
    if len(data) > MAX_FILE_BYTES:
        raise ResultsError(f"{name}: {len(data):,} bytes, more than a results file can be "
                           f"({MAX_FILE_BYTES:,})")
    try:
        doc = ResultsFile.model_validate_json(data)
    except ValidationError as e:
        raise ResultsError(f"{name}: {describe(e)}") from None
    check_duplicate_keys(data, name)  # valid JSON by now
    return doc


def read_results_bytes(path: str | Path) -> bytes:
    """The bytes of a results file through the one safe reader (regular file, at most
    MAX_FILE_BYTES); ResultsError naming the file otherwise."""
    from catalog.safeio import UnsafeFile, read_bytes

    try:
        return read_bytes(path, MAX_FILE_BYTES, "results file")
    except UnsafeFile as e:
        raise ResultsError(str(e)) from None


def load_results(path: str | Path) -> ResultsFile:
    """Read and validate one results file; ResultsError (file and field) when it is not valid."""
    path = Path(path)
    doc = parse_results(read_results_bytes(path), str(path))
    if path.suffix == ".json" and path.stem != doc.model:
        raise ResultsError(f"{path}: model: '{doc.model}' but the file is named for "
                           f"'{path.stem}' (results/<bench key>.json)")
    return doc


def validate_run(record: dict, name: str = "run") -> Run:
    """A record the harness built, checked before it is saved (ResultsError when invalid)."""
    try:
        return Run.model_validate_json(json.dumps(record, allow_nan=True))
    except ValidationError as e:
        raise ResultsError(f"{name}: {describe(e)}") from None


# ---------------------------------------------------------------- which run to show

def shown_runs(runs: list[Run]) -> list[Run]:
    """The runs the site shows: the newest error-free reference run per (device, precision,
    batch, engine); where a file has no reference run, the newest error-free run per key (legacy)."""
    good = [r for r in runs if not r.error]
    pool = [r for r in good if r.reference] or good
    best: dict[tuple, Run] = {}
    for r in pool:
        k = r.key()
        if k not in best or _when(r) > _when(best[k]):
            best[k] = r
    return sorted(best.values(), key=lambda r: r.key())


def shown_run(runs: list[Run], device: str | None = None) -> Run | None:
    """The one run to show for a model (on `device`): per `shown_runs`, preferring eager
    PyTorch, batch 1 and fp32 (what papers quote), then the newest."""
    cands = [r for r in shown_runs(runs) if device is None or r.device == device]
    if not cands:
        return None
    return min(cands, key=lambda r: (r.engine != "pytorch", r.batch != 1, r.precision != "fp32",
                                     r.device != "cpu", -_when(r).timestamp()))


def _when(r: Run) -> datetime:
    return datetime.fromisoformat(r.timestamp)


# ---------------------------------------------------------------- JSON Schema

def _repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


SCHEMA_PATH = _repo_root() / "schema" / "results.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def build_schema() -> dict:
    schema = ResultsFile.model_json_schema()
    return {"$schema": DIALECT, "title": "SegAtlas results file (data/results/<bench key>.json)",
            "description": "Measured runs of one bench model; written by `bench run --save`, "
                           "validated by bench.record. Generated from bench/record.py.",
            **{k: v for k, v in schema.items() if k not in ("title", "description")}}


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.record schema [-o PATH]` | `check FILE...` | `mark-reference FILE...`."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["schema"]:
        from catalog.safeio import write_atomic

        out = Path(args[args.index("-o") + 1]) if "-o" in args else SCHEMA_PATH
        write_atomic(out, schema_text())
        print(f"wrote {out}")
        return 0
    if args[:1] == ["check"] and len(args) > 1:
        bad = 0
        for f in args[1:]:
            try:
                load_results(f)
            except ResultsError as e:
                print(e, file=sys.stderr)
                bad += 1
        return 1 if bad else 0
    if args[:1] == ["mark-reference"] and len(args) > 1:
        # one-off migration: runs committed before the flag existed are the reference sweep
        from catalog.safeio import locked, write_atomic

        for f in args[1:]:
            with locked(f):
                load_results(f)  # refuse to touch an invalid file
                doc = json.loads(read_results_bytes(f))
                for r in doc["runs"]:
                    r["reference"] = True
                write_atomic(Path(f), json.dumps(doc, indent=1, ensure_ascii=False,
                                                 allow_nan=False) + "\n")
            print(f"{f}: {len(doc['runs'])} run(s) marked reference")
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
