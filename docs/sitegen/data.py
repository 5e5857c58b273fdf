"""Everything the pages need, computed once per build: the catalog's comparison
(`catalog.compare`: rows, rankings, conflicts, costs, speed pairings) and the bench's runs.

The site decides nothing about what may be compared: it renders what `catalog.compare` returns.
Run records are read only through the bench's typed model (`bench.record`, pydantic only, no
torch) and handed to the comparison as `catalog.compare.costs.Measured`. Lookups are built once
here, so a page never rescans the catalog per row.
"""

from __future__ import annotations

import functools

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench import record as R
from catalog.compare import protocol as P
from catalog.compare import states
from catalog.compare.boards import Board, Comparison, Ranking, compare_catalog
from catalog.compare.conflicts import Conflict
from catalog.compare.costs import Cost, Measured, size_key
from catalog.compare.costs import size_text as _size_text
from catalog.compare.rows import Row
from catalog.compare.speed import SpeedRow, speed_rows
from catalog.datasets import DATASETS
from catalog.load import load_catalog
from catalog.names import model_short_name
from catalog.schema import Catalog, Efficiency, ModelVariant, Paper, Result
from catalog.sources import grade_of  # noqa: F401  (one grade rule: the catalog's)
from catalog.vocab import METRICS, UNITS

# A ranking's page shows at most this many numbers of the default view, and of the rest (best
# first): a page must stay loadable when the catalog holds thousands of papers. All numbers are
# in the downloads, the API and on the paper pages.
MAX_DEFAULT_ROWS = 300
MAX_OTHER_ROWS = 200

PROTOCOL_WORDS = P.WORDS
DEFAULT_VIEW = states.DEFAULT_VIEW

__all__ = ["Board", "Ranking", "Row", "SiteData", "load", "prepare"]


def catalog_path(root: Path) -> Path:
    return (root / os.environ.get("SEGATLAS_CATALOG", "data/papers.yaml")).resolve()


def results_dir(root: Path) -> Path:
    return (root / os.environ.get("SEGATLAS_RESULTS", "data/results")).resolve()


def fmt_claim(v: float) -> str:
    """A catalog number exactly as transcribed (62.2 stays 62.2, 35322218 has no exponent)."""
    return str(int(v)) if float(v).is_integer() else repr(v)


def size_text(size) -> str:
    return _size_text(size)


def same_size(a, b) -> bool:
    return size_key(a) is not None and size_key(a) == size_key(b)


def extra_state(s, dataset: str) -> str:
    return states.extra_state(s, dataset)


def tta_state(s) -> str:
    return states.tta_state(s)


def extra_beyond(dataset: str, extra):
    return states.extra_beyond(dataset, extra)


# --- runs ------------------------------------------------------------------------------------

def device_name(run: R.Run) -> str:
    env = run.env
    if run.device == "cpu":
        cpu = env.cpu or env.device_name or "CPU"
        return f"{cpu} ({env.threads} threads)" if env.threads else str(cpu)
    return str(env.device_name or run.device)


def measured_from_run(model: str, run: R.Run) -> Measured:
    """The costs a run measured, in the comparison's terms (GFLOPs by size, params, latency)."""
    gflops: dict[tuple[int, int], float] = {}
    for fa in run.flops_at:
        if fa.gflops is not None:
            gflops.setdefault(size_key(fa.input_size), fa.gflops)  # type: ignore[arg-type]
    for fl in [run.flops, *(run.flops_at_claim_sizes or [])]:
        if fl is not None and fl.gflops:
            gflops.setdefault(size_key(fl.input_size), fl.gflops)  # type: ignore[arg-type]
    lat = run.latency
    stable = lat.stable if lat else None   # None: timed before the block protocol
    ci = lat.ci if lat else None
    spread = (lat.p90_ms / lat.median_ms) if lat and lat.median_ms else None
    return Measured(model=model, params=run.params.total if run.params else None, gflops=gflops,
                    latency_ms=lat.median_ms if lat else None,
                    latency_size=tuple(lat.input_size or run.input_size) if lat else None,  # type: ignore[arg-type]
                    latency_stable=stable if isinstance(stable, bool) else None,
                    latency_ci_ms=tuple(ci) if ci else None, latency_spread=spread,  # type: ignore[arg-type]
                    device=device_name(run), engine=run.engine,
                    precision=run.precision, batch=run.batch)


def load_runs(path: Path) -> dict[str, R.Run]:
    """The run to show per catalog model, from `<dir>/*.json` (typed; an invalid file stops the
    build with its name and field)."""
    runs: dict[str, R.Run] = {}
    if not path.is_dir():
        return runs
    for f in sorted(path.glob("*.json")):
        run = R.shown_run(R.load_results(f).runs)
        if run is not None:
            runs[run.catalog_model or run.model] = run
    return runs


# --- the site's data ---------------------------------------------------------------------------

@dataclass
class SiteData:
    catalog: Catalog
    runs: dict[str, R.Run]             # catalog model id -> the run record the site shows
    comparison: Comparison
    speed: list[SpeedRow] = field(default_factory=list)
    owners: dict[str, Paper] = field(default_factory=dict)
    models: dict[str, ModelVariant] = field(default_factory=dict)
    eff: dict[tuple[str, str], list[Efficiency]] = field(default_factory=dict)
    row_of: dict[int, tuple[Board, Row]] = field(default_factory=dict)  # id(Result) -> row
    shown: set[str] = field(default_factory=set)                        # row ids on board pages
    anchors: list[str] = field(default_factory=list)                    # conflict index -> anchor
    _claim_rows: list[dict] | None = None
    _accuracy_rows: list[dict] | None = None
    repro: dict = field(default_factory=dict)   # board row id -> catalog ReproductionVerdict

    @property
    def papers(self) -> list[Paper]:
        return self.catalog.papers

    @property
    def boards(self) -> list[Board]:
        return self.comparison.boards

    @property
    def conflicts(self) -> list[Conflict]:
        return self.comparison.conflicts

    @property
    def costs(self):
        return self.comparison.costs

    def owner(self, model_id: str, fallback: Paper | None) -> Paper | None:
        return self.owners.get(model_id, fallback)

    def model_name(self, model_id: str) -> str:
        m = self.models.get(model_id)
        return model_short_name(m) if m else model_id

    def claims(self, model_id: str, quantity: str) -> list[Efficiency]:
        return self.eff.get((model_id, quantity), [])


def board_page(b: Board) -> str:
    return f"leaderboards/{b.dataset}.md"


def conflict_anchor(data: SiteData, index: int) -> str:
    return data.anchors[index]


def _conflict_anchors(conflicts: list[Conflict]) -> list[str]:
    """Stable, readable anchors for the conflicts page: 'c-result-fcn8s-miou-on-voc2012'."""
    out, used = [], set()
    for c in conflicts:
        base = "c-" + _slug(f"{c.kind} {c.subject}")
        anchor, n = base, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        out.append(anchor)
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def load(root: Path) -> SiteData:
    cat = load_catalog(catalog_path(root))
    return prepare(cat, load_runs(results_dir(root)))


def prepare(cat: Catalog, runs: dict[str, R.Run]) -> SiteData:
    measured = {m: measured_from_run(m, r) for m, r in runs.items()}
    comp = compare_catalog(cat, measured)
    data = SiteData(cat, runs, comp, speed_rows(cat, comp.rows))
    data.anchors = _conflict_anchors(comp.conflicts)
    from catalog.reproductions import reproduction_verdicts, verdicts_by_row

    data.repro = verdicts_by_row(reproduction_verdicts(cat, rows=comp.rows))
    for p in cat.papers:
        for m in p.models:
            data.owners.setdefault(m.id, p)
            data.models.setdefault(m.id, m)
        for e in p.efficiency:
            data.eff.setdefault((e.model, e.quantity), []).append(e)
    for b in comp.boards:
        for rk in b.rankings:
            counts = {True: 0, False: 0}
            for row in rk.rows:
                fair = row.admitted(DEFAULT_VIEW)
                counts[fair] += 1
                if counts[fair] <= (MAX_DEFAULT_ROWS if fair else MAX_OTHER_ROWS):
                    data.shown.add(row.id)
                for t in row.transcriptions:
                    data.row_of[id(t.result)] = (b, row)
    return data


# --- efficiency: claimed (catalog) and measured (runs) -------------------------------------

def params_cost(data: SiteData, model_id: str, measured_only: bool = False) -> Cost | None:
    return data.costs.params(model_id, measured_only)


def compute_cost(data: SiteData, model_id: str, size, measured_only: bool = False) -> Cost | None:
    return data.costs.compute(model_id, size, measured_only)


def latency_cost(data: SiteData, model_id: str, size, include_unstable: bool = True) -> Cost | None:
    return data.costs.latency(model_id, size, include_unstable)


def measured(data: SiteData, model_id: str) -> dict:
    """params (M), gflops, gmacs, latency (ms) of the shown run at its own input size."""
    run = data.runs.get(model_id)
    if not run:
        return {}
    out: dict = {"run": run}
    if run.params and run.params.total:
        out["params_m"] = run.params.total / 1e6
    if run.flops and run.flops.gflops:
        out["gflops"] = run.flops.gflops
        out["gmacs"] = run.flops.gmacs
    if run.latency and run.latency.median_ms:
        out["latency_ms"] = run.latency.median_ms
        out["latency_stable"] = run.latency.stable
        out["latency_spread"] = run.latency.p90_ms / run.latency.median_ms
        out["latency_ci"] = run.latency.ci
    return out


def canonical(dataset: str):
    return DATASETS[dataset].canonical_size


# --- verdicts --------------------------------------------------------------------------------

def _same_claim(v: R.Verdict, e: Efficiency) -> bool:
    return (v.quantity == e.quantity and v.claimed_unit == e.unit
            and abs(v.claimed - e.value) <= 1e-9 * max(1.0, abs(e.value)))


EFFICIENCY = frozenset(UNITS)       # params, flops, macs, latency, fps, memory
ACCURACY = frozenset(METRICS)       # miou, pixel-acc, ...: judged by a reproduction, never by a cost run


def claim_rows(data: SiteData) -> list[dict]:
    """Every efficiency claim with its verdict from the shown run ('no run' when never measured),
    plus verdicts of runs that match no catalog claim. A verdict whose `claim_model` names
    another model (a claim about an unnamed variant, checked against each variant the bench
    builds) sits beside that claim, once per run. Computed once per build."""
    if data._claim_rows is not None:
        return data._claim_rows
    rows, used = [], set()
    foreign: dict[str, list[tuple[str, int, R.Verdict]]] = defaultdict(list)  # claim model -> verdicts
    for model, run in data.runs.items():
        for i, v in enumerate(run.verdicts):
            if v.quantity not in EFFICIENCY:
                used.add((model, i))  # an accuracy claim: judged by `reproduction`, not here
            elif v.claim_model and v.claim_model != model:
                foreign[v.claim_model].append((model, i, v))
    for p in data.papers:
        for e in p.efficiency:
            run = data.runs.get(e.model)
            match = None
            for i, v in enumerate(run.verdicts if run else []):
                if (e.model, i) not in used and v.claim_model in (None, e.model) and _same_claim(v, e):
                    match = v
                    used.add((e.model, i))
                    break
            others = []
            for model, i, v in foreign.get(e.model, []):
                if (model, i) not in used and _same_claim(v, e):
                    used.add((model, i))
                    others.append({"paper": p, "model": model, "claim": e, "run": data.runs[model],
                                   "verdict": v})
            if run or not others:
                rows.append({"paper": p, "model": e.model, "claim": e, "run": run, "verdict": match})
            rows += others
    for model, run in data.runs.items():
        for i, v in enumerate(run.verdicts):
            if (model, i) not in used:
                rows.append({"paper": data.owner(model, None), "model": model, "claim": None,
                             "run": run, "verdict": v})
    data._claim_rows = rows
    return rows


def claim_rows_by_paper(data: SiteData) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for c in claim_rows(data):
        if c["paper"] is not None:
            out[id(c["paper"])].append(c)
    return out


def verdict_name(row: dict) -> str:
    """The run's verdict; 'no run' when the model was never measured, 'not checked' when its
    run has no verdict on this claim (the run predates the claim, or its unit changed since)."""
    if row["verdict"] is not None:
        return str(row["verdict"].verdict)
    return "not checked" if row["run"] else "no run"


def verdict_counts(rows: list[dict]) -> dict[str, int]:
    counts = {"verified": 0, "unit": 0, "mismatch": 0, "unverified": 0}
    for r in rows:
        v = verdict_name(r)
        counts[v if v in counts else "unverified"] += 1
    return counts


@functools.cache
def _built_models() -> frozenset[str]:
    """Catalog model ids the zoo builds (from the registry's static index: no family imported)."""
    from bench.models.registry import all_specs

    return frozenset(spec.model_id for spec in all_specs().values())


def verdict_reason(row: dict) -> str:
    """Why a claim got its verdict, in words a reader sees next to the badge: the measured and
    claimed values, the tolerance, and the bench's own note (what was compared, at which size,
    why it is not comparable)."""
    v, run = row["verdict"], row["run"]
    if v is None:
        if run is None:
            from bench.models._unbuilt import reason

            paper = row["paper"].id if row.get("paper") is not None else None
            return ("the bench has not run this model yet" if row["model"] in _built_models() else
                    f"no reference model in the bench: {reason(paper, row['model'])}")
        return ("the bench has not run this model yet" if run is None else
                "the shown run has no verdict on this claim (it predates the claim, or the claim's "
                "unit changed since)")
    both = (f"measured {with_unit(v.measured, v.measured_unit or v.claimed_unit)} vs claimed "
            f"{with_unit(v.claimed, v.claimed_unit)}" if v.measured is not None else "")
    if v.verdict == "verified":
        head = f"within {v.tolerance}: {both}"
    elif v.verdict == "mismatch" and v.measured is not None and v.claimed:
        off = (v.measured - v.claimed) / abs(v.claimed) * 100
        head = f"off by {off:+.1f}%, beyond {v.tolerance}: {both}"
    elif v.verdict == "unit":
        head = f"matches at 2x or 1/2x (a multiply-add counted as 1 or 2 FLOPs), {v.tolerance}"
    else:
        head = ""
    return "; ".join(x for x in (head, v.note) if x)


def with_unit(x: float | None, unit: str | None) -> str:
    """'3.63 M', '82.4x' (a ratio), '157 ms'."""
    if not unit:
        return sig(x)
    return f"{sig(x)}x" if unit == "x" else f"{sig(x)} {unit}"


def sig(x: float | None, digits: int = 3) -> str:
    """A measured value rounded to what it supports (3 significant figures, no exponent)."""
    if x is None:
        return "–"
    if x == 0:
        return "0"
    text = f"{float(f'{x:.{digits}g}'):f}".rstrip("0").rstrip(".")
    return f"{float(text):,.0f}" if abs(x) >= 10 ** digits else text


# --- accuracy claims: judged by an independent reproduction --------------------------------

NO_REPRODUCTION = "no independent reproduction yet"


@dataclass(frozen=True)
class Reproduction:
    verdict: str                  # NO_REPRODUCTION, or a reproduction's verdict (verified, mismatch, ...)
    reason: str                   # shown as text beside the verdict
    measured: float | None = None
    environment: str | None = None  # where a reproduction ran; None when nothing ran


def reproduction(data: SiteData, paper: Paper, result: Result) -> Reproduction:
    """The verdict on one accuracy claim, from catalog.reproductions (an independent re-training
    on the same protocol: reproduced within the tolerance, lower or higher; one under other
    settings is shown, not judged). Nothing ran on this site's machine, so no environment."""
    found = data.row_of.get(id(result))
    v = data.repro.get(found[1].id) if found else None
    if v is None or v.verdict == "none":
        return Reproduction(NO_REPRODUCTION, f"no one has re-trained this {metric_words(result.metric)} on "
                                             f"{split_words(result)} independently yet")
    return Reproduction(v.verdict, v.words, v.reproduced)


def split_words(result: Result) -> str:
    """'Cityscapes, validation set' / 'ADE20K, split not stated'."""
    return f"{DATASETS[result.dataset].name}, {evaluated_on(result)}"


def evaluated_on(result: Result) -> str:
    """Where a score was evaluated, in words, as its source states it (an unstated split is not
    assumed here): 'validation set', 'test set, official server', 'split not stated'."""
    if result.split == "unspecified":
        return "split not stated"
    return P.WORDS.get(P.place(result.dataset, result.split, result.server).protocol, result.split)


def metric_words(metric: str) -> str:
    return {"miou": "mIoU"}.get(metric, METRICS.get(metric, metric).split(" (")[0])


def accuracy_rows(data: SiteData) -> list[dict]:
    """Every accuracy claim of the catalog with its reproduction verdict; computed once."""
    if data._accuracy_rows is None:
        data._accuracy_rows = [{"paper": p, "result": r, "reproduction": reproduction(data, p, r)}
                               for p in data.papers for r in p.results]
    return data._accuracy_rows


def accuracy_counts(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["reproduction"].verdict] += 1
    return dict(counts)
