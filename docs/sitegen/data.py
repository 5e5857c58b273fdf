"""Everything the pages need, computed once per build from the catalog and the results records.

The catalog is read with `catalog.load.load_catalog`; results records (docs/dev/conventions.md)
are read as JSON directly, the site never imports `bench`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.checks import Conflict, find_conflicts
from catalog.datasets import DATASETS
from catalog.load import load_catalog
from catalog.schema import Catalog, Efficiency, Paper, Result
from catalog.vocab import UNITS

EXTRA_PAGE_DATA = {"coco", "jft"}  # VOC results using these get their own leaderboard


def catalog_path(root: Path) -> Path:
    return (root / os.environ.get("SEGATLAS_CATALOG", "data/papers.yaml")).resolve()


def results_dir(root: Path) -> Path:
    return (root / os.environ.get("SEGATLAS_RESULTS", "data/results")).resolve()


@dataclass
class Board:
    """One leaderboard page: a dataset, possibly restricted to a subset of settings."""

    slug: str
    title: str
    dataset: str
    rows: list[Row] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"leaderboards/{self.slug}.md"


@dataclass
class Row:
    """One accuracy claim as shown in a leaderboard."""

    paper: Paper  # the paper that declares the model
    model_id: str
    model_name: str
    result: Result
    conflicts: list[float] = field(default_factory=list)  # other values under equal settings


@dataclass
class SiteData:
    catalog: Catalog
    runs: dict[str, dict]  # catalog model id -> latest successful run record
    boards: list[Board]
    conflicts: list[Conflict]  # catalog.checks.find_conflicts: results, efficiency, errata

    @property
    def papers(self) -> list[Paper]:
        return self.catalog.papers

    def owner(self, model_id: str, fallback: Paper) -> Paper:
        try:
            return self.catalog.model_owner(model_id)
        except KeyError:
            return fallback

    def model_name(self, model_id: str) -> str:
        for p in self.papers:
            for m in p.models:
                if m.id == model_id:
                    return m.name
        return model_id


def fmt_claim(v: float) -> str:
    """A catalog number exactly as transcribed (62.2 stays 62.2, 35322218 has no exponent)."""
    return str(int(v)) if float(v).is_integer() else repr(v)


def load_runs(path: Path) -> dict[str, dict]:
    """Latest error-free run per catalog model, from `<dir>/*.json`."""
    runs: dict[str, dict] = {}
    if not path.is_dir():
        return runs
    for f in sorted(path.glob("*.json")):
        try:
            record = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{f}: not a readable results record ({e})") from e
        good = [r for r in record.get("runs", []) if not r.get("error")]
        if not good:
            continue
        latest = max(good, key=lambda r: r.get("timestamp") or "")
        runs[latest.get("catalog_model") or record.get("model") or f.stem] = latest
    return runs


def _result_conflict_values(conflicts: list[Conflict], r: Result) -> list[float]:
    """Other values stated for the same claim, per catalog.checks.find_conflicts."""
    for c in conflicts:
        if (c.kind, c.model, c.dataset, c.metric) != ("result", r.model, r.dataset, r.metric):
            continue
        values = [s.value for s in c.sides]
        if r.value in values:  # equal values from several papers are merged into one side
            return sorted(v for v in values if v != r.value)
    return []


def build_boards(cat: Catalog, conflicts: list[Conflict]) -> list[Board]:
    by_key: dict[str, Board] = {}
    names = {m.id: m.name for p in cat.papers for m in p.models}
    owners = {m.id: p for p in cat.papers for m in p.models}
    for p in cat.papers:
        for r in p.results:
            ds = DATASETS[r.dataset]
            if r.dataset == "voc2012" and EXTRA_PAGE_DATA & set(r.setting.extra_data):
                key, title = "voc2012-extra", "VOC 2012 + extra data (COCO/JFT)"
            else:
                key, title = r.dataset, ds.name
            board = by_key.setdefault(key, Board(key, title, r.dataset))
            board.rows.append(Row(owners.get(r.model, p), r.model, names.get(r.model, r.model), r,
                                  _result_conflict_values(conflicts, r)))
    order = list(DATASETS)
    return sorted(by_key.values(), key=lambda b: (order.index(b.dataset), b.slug))


def load(root: Path) -> SiteData:
    cat = load_catalog(catalog_path(root))
    runs = load_runs(results_dir(root))
    conflicts = find_conflicts(cat)
    return SiteData(cat, runs, build_boards(cat, conflicts), conflicts)


# --- efficiency: claimed (catalog) and measured (runs) -------------------------------------

def claims(data: SiteData, model_id: str, quantity: str) -> list[Efficiency]:
    return [e for p in data.papers for e in p.efficiency
            if e.model == model_id and e.quantity == quantity]


def claimed_params_m(data: SiteData, model_id: str) -> float | None:
    c = claims(data, model_id, "params")
    return c[0].base_value() / 1e6 if c else None


def claimed_gflops(data: SiteData, model_id: str) -> tuple[float, Efficiency] | None:
    """Claimed compute in GFLOPs; a MAC claim counts as 2 FLOPs (the unit is always shown)."""
    for q, factor in (("flops", 1.0), ("macs", 2.0)):
        c = claims(data, model_id, q)
        if c:
            return c[0].base_value() * factor / 1e9, c[0]
    return None


def measured(data: SiteData, model_id: str) -> dict:
    """params (M), gflops, gmacs, latency (ms) of the latest run, where present."""
    run = data.runs.get(model_id)
    if not run:
        return {}
    out: dict = {"run": run}
    if (run.get("params") or {}).get("total"):
        out["params_m"] = run["params"]["total"] / 1e6
    fl = run.get("flops") or {}
    if fl.get("gflops"):
        out["gflops"] = fl["gflops"]
    if fl.get("gmacs"):
        out["gmacs"] = fl["gmacs"]
    lat = run.get("latency") or {}
    if lat.get("median_ms"):
        out["latency_ms"] = lat["median_ms"]
    return out


def unit_factor(quantity: str, unit: str) -> float:
    return UNITS[quantity][unit]


# --- verdicts --------------------------------------------------------------------------------

def _same_claim(v: dict, e: Efficiency) -> bool:
    try:
        claimed = float(v.get("claimed"))
    except (TypeError, ValueError):
        return False
    return (v.get("quantity") == e.quantity and v.get("claimed_unit") == e.unit
            and abs(claimed - e.value) <= 1e-9 * max(1.0, abs(e.value)))


def claim_rows(data: SiteData) -> list[dict]:
    """Every efficiency claim with its verdict from the latest run ('no run' when never measured),
    plus verdicts of runs that match no catalog claim (e.g. accuracy claims)."""
    rows, used = [], set()
    for p in data.papers:
        for e in p.efficiency:
            run = data.runs.get(e.model)
            match = None
            for i, v in enumerate((run or {}).get("verdicts") or []):
                if (e.model, i) not in used and _same_claim(v, e):
                    match = v
                    used.add((e.model, i))
                    break
            rows.append({"paper": p, "model": e.model, "claim": e, "run": run, "verdict": match})
    for model, run in data.runs.items():
        for i, v in enumerate(run.get("verdicts") or []):
            if (model, i) not in used:
                rows.append({"paper": data.owner(model, None), "model": model, "claim": None,
                             "run": run, "verdict": v})
    return rows


def verdict_name(row: dict) -> str:
    if row["verdict"]:
        return str(row["verdict"].get("verdict") or "unmeasured")
    return "no run"


def verdict_counts(rows: list[dict]) -> dict[str, int]:
    counts = {"verified": 0, "unit": 0, "mismatch": 0, "unverified": 0}
    for r in rows:
        v = verdict_name(r)
        counts[v if v in counts else "unverified"] += 1
    return counts
