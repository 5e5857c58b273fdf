"""Everything the pages need, computed once per build from the catalog and the results records.

Lookups are tables built once here (model -> owner, model -> claims, result -> board row,
conflict anchors), so a page never rescans the catalog per row: the build stays linear in the
catalog's size. Results records are read with the bench's typed loader when it is importable
(`bench.record`, pydantic only) and as plain JSON otherwise; the site never imports torch.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from catalog.checks import Conflict, find_conflicts
from catalog.datasets import DATASETS
from catalog.load import load_catalog
from catalog.schema import Catalog, Efficiency, ModelVariant, Paper, Result
from catalog.sources import SOURCES
from catalog.vocab import UNITS

# A ranking's page shows at most this many numbers of the default view, and of the rest (best
# first): a page must stay loadable when the catalog holds thousands of papers. All numbers are
# in the downloads and on the paper pages.
MAX_DEFAULT_ROWS = 300
MAX_OTHER_ROWS = 200

# Two transcriptions of one number may differ by rounding (85.41 and 85.4).
SAME_NUMBER = 0.051

# Training data that is the dataset's usual training set rather than extra data: VOC 2012 results
# are trained on the SBD-augmented set (10,582 images) almost without exception.
STANDARD_TRAINING = {"voc2012": {"sbd"}}


def extra_beyond(dataset: str, extra: list[str] | None) -> list[str] | None:
    """The extra training data a result states beyond its dataset's usual training set."""
    if extra is None:
        return None
    return [x for x in extra if x not in STANDARD_TRAINING.get(dataset, set())]


def catalog_path(root: Path) -> Path:
    return (root / os.environ.get("SEGATLAS_CATALOG", "data/papers.yaml")).resolve()


def results_dir(root: Path) -> Path:
    return (root / os.environ.get("SEGATLAS_RESULTS", "data/results")).resolve()


def fmt_claim(v: float) -> str:
    """A catalog number exactly as transcribed (62.2 stays 62.2, 35322218 has no exponent)."""
    return str(int(v)) if float(v).is_integer() else repr(v)


def size_text(size) -> str:
    return "x".join(str(v) for v in size) if size else ""


def grade_of(refs) -> str:
    """primary when any source is the authors' own (paper, official code), else secondary."""
    return "primary" if any(getattr(SOURCES[r.ref], "grade", "primary") == "primary" for r in refs) \
        else "secondary"


# --- settings in three states --------------------------------------------------------------

def extra_state(s, dataset: str = "") -> str:
    """'none' (the source says none), 'extra' (uses extra training data), 'unknown' (not stated)."""
    extra = extra_beyond(dataset, s.extra_data)
    if extra is None:
        return "unknown"
    return "extra" if extra else "none"


def tta_state(s) -> str:
    """'tta' (multi-scale or flip), 'single' (both stated off), 'unknown'."""
    if s.multi_scale or s.flip:
        return "tta"
    if s.multi_scale is False and s.flip is False:
        return "single"
    return "unknown"


PROTOCOL_ORDER = ("val", "test-official", "test-local", "test", "unspecified", "train")
PROTOCOL_WORDS = {"val": "validation set", "test-official": "test set, official server",
                  "test-local": "local test set", "test": "test set (server not stated)",
                  "unspecified": "split not stated", "train": "training set"}


def protocol_key(r: Result) -> str:
    server = getattr(r, "server", None)
    return f"test-{server}" if r.split == "test" and server else r.split


# --- leaderboard rows ------------------------------------------------------------------------

@dataclass
class Row:
    """One number on one board: results that state the same number for the same model under
    the same protocol are merged, so a number appears on a board exactly once."""

    paper: Paper          # the paper that declares the model
    model: ModelVariant | None
    model_id: str
    results: list[Result]  # the merged transcriptions, first is the representative
    anchor: str = ""       # id of the <tr>
    extra: str = "unknown"
    extra_words: str = ""  # why (e.g. 'another source reports this number with COCO')
    tta: str = "unknown"
    grade: str = "secondary"
    conflicts: list[tuple[float, str]] = field(default_factory=list)  # (other value, anchor)
    shown: bool = True     # on the board page (a ranking shows its best MAX_DEFAULT_ROWS / MAX_OTHER_ROWS)

    @property
    def result(self) -> Result:
        return self.results[0]

    @property
    def value(self) -> float:
        return self.results[0].value

    @property
    def model_name(self) -> str:
        return self.model.name if self.model else self.model_id

    @property
    def implementation(self) -> str | None:
        return getattr(self.model, "implementation", None) if self.model else None

    @property
    def sources(self):
        seen, out = set(), []
        for r in self.results:
            for s in r.sources:
                k = (s.ref, s.where, s.url)
                if k not in seen:
                    seen.add(k)
                    out.append(s)
        return out

    def setting_values(self, name: str) -> list:
        """Distinct stated values of one setting across the merged transcriptions."""
        out = []
        for r in self.results:
            v = getattr(r.setting, name, None)
            if v is not None and v not in out:
                out.append(v)
        return out

    def default_visible(self) -> bool:
        return self.extra != "extra" and self.tta != "tta"


@dataclass
class Ranking:
    """One ranking: a dataset, a metric and where it was evaluated (split / server)."""

    dataset: str
    metric: str
    protocol: str
    rows: list[Row] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"{self.metric}-{self.protocol}"


@dataclass
class Board:
    """One leaderboard page: a dataset, its rankings by (metric, protocol)."""

    dataset: str
    rankings: list[Ranking] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.dataset

    @property
    def title(self) -> str:
        return DATASETS[self.dataset].name

    @property
    def page(self) -> str:
        return f"leaderboards/{self.slug}.md"

    @property
    def rows(self) -> list[Row]:
        return [r for k in self.rankings for r in k.rows]


@dataclass
class SiteData:
    catalog: Catalog
    runs: dict[str, dict]  # catalog model id -> the run record the site shows
    conflicts: list[Conflict]
    boards: list[Board] = field(default_factory=list)
    owners: dict[str, Paper] = field(default_factory=dict)
    models: dict[str, ModelVariant] = field(default_factory=dict)
    eff: dict[tuple[str, str], list[Efficiency]] = field(default_factory=dict)
    row_of: dict[int, tuple[Board, Row]] = field(default_factory=dict)  # id(Result) -> row
    conflict_anchor: dict[int, str] = field(default_factory=dict)        # id(Conflict) -> anchor
    _claim_rows: list[dict] | None = None

    @property
    def papers(self) -> list[Paper]:
        return self.catalog.papers

    def owner(self, model_id: str, fallback: Paper | None) -> Paper | None:
        return self.owners.get(model_id, fallback)

    def model_name(self, model_id: str) -> str:
        m = self.models.get(model_id)
        return m.name if m else model_id

    def claims(self, model_id: str, quantity: str) -> list[Efficiency]:
        return self.eff.get((model_id, quantity), [])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def conflict_anchors(conflicts: list[Conflict]) -> dict[int, str]:
    out, used = {}, set()
    for c in conflicts:
        base = "c-" + _slug(f"{c.kind} {c.subject}")
        anchor, n = base, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        out[id(c)] = anchor
    return out


# --- results records --------------------------------------------------------------------------

def load_runs(path: Path) -> dict[str, dict]:
    """The run to show per catalog model, from `<dir>/*.json`."""
    try:
        from bench import record as R  # pydantic-only module of the bench (typed records)
    except ImportError:
        R = None
    runs: dict[str, dict] = {}
    if not path.is_dir():
        return runs
    for f in sorted(path.glob("*.json")):
        if R is not None and hasattr(R, "load_results") and hasattr(R, "shown_run"):
            rec = R.load_results(f)
            run = R.shown_run(rec.runs)
            if run is None:
                continue
            d = run.model_dump(mode="json")
            runs[d.get("catalog_model") or d.get("model") or f.stem] = d
            continue
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


# --- building the boards ------------------------------------------------------------------------

def _taint(cat: Catalog) -> dict[tuple[str, str], list[tuple[float, list[str]]]]:
    """(model, dataset) -> numbers some source states with extra training data, and which data."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for p in cat.papers:
        for r in p.results:
            extra = extra_beyond(r.dataset, r.setting.extra_data)
            if extra:
                out[(r.model, r.dataset)].append((r.value, extra))
    return out


def _conflict_index(conflicts: list[Conflict], anchors: dict[int, str]):
    idx: dict[tuple, list[Conflict]] = defaultdict(list)
    for c in conflicts:
        if c.kind == "result":
            idx[(c.model, c.dataset, c.metric)].append(c)
    return idx


def build_boards(data: SiteData) -> None:
    cat = data.catalog
    taint = _taint(cat)
    cidx = _conflict_index(data.conflicts, data.conflict_anchor)
    by_ds: dict[str, Board] = {}
    rankings: dict[tuple[str, str, str], Ranking] = {}
    merged: dict[tuple, Row] = {}
    for p in cat.papers:
        for r in p.results:
            proto = protocol_key(r)
            board = by_ds.setdefault(r.dataset, Board(r.dataset))
            rk = rankings.get((r.dataset, r.metric, proto))
            if rk is None:
                rk = rankings[(r.dataset, r.metric, proto)] = Ranking(r.dataset, r.metric, proto)
                board.rankings.append(rk)
            key = (r.dataset, r.metric, proto, r.model, r.value, getattr(r, "train_split", None))
            row = merged.get(key)
            if row is None:
                owner = data.owners.get(r.model, p)
                row = merged[key] = Row(owner, data.models.get(r.model), r.model, [r])
                rk.rows.append(row)
            else:
                row.results.append(r)
            data.row_of[id(r)] = (board, row)
    for rk in rankings.values():
        used: set[str] = set()
        for row in rk.rows:
            states = {extra_state(r.setting, rk.dataset) for r in row.results}
            extra = sorted({x for r in row.results for x in (extra_beyond(rk.dataset, r.setting.extra_data) or [])})
            tainted = [d for v, ds in taint.get((row.model_id, rk.dataset), [])
                       if abs(v - row.value) <= SAME_NUMBER for d in ds]
            if "extra" in states:
                row.extra, row.extra_words = "extra", "extra training data: " + ", ".join(extra)
            elif tainted:
                row.extra = "extra"
                row.extra_words = ("another source reports this number with extra training data: "
                                   + ", ".join(sorted(set(tainted))))
            elif "none" in states:
                row.extra, row.extra_words = "none", "the source states no extra training data"
            else:
                row.extra, row.extra_words = "unknown", "extra training data not stated"
            ttas = {tta_state(r.setting) for r in row.results}
            row.tta = "tta" if "tta" in ttas else "single" if "single" in ttas else "unknown"
            row.grade = "primary" if any(grade_of(r.sources) == "primary" for r in row.results) \
                else "secondary"
            base = _slug(f"{row.model_id}-{rk.metric}-{rk.protocol}-{fmt_claim(row.value)}")
            anchor, n = base, 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            used.add(anchor)
            row.anchor = anchor
            for c in cidx.get((row.model_id, rk.dataset, rk.metric), []):
                values = [s.value for s in c.sides]
                if row.value in values:
                    row.conflicts += [(v, data.conflict_anchor[id(c)]) for v in sorted(values)
                                      if v != row.value]
        rk.rows.sort(key=lambda x: (-x.value, x.model_name))
        counts = {True: 0, False: 0}
        for row in rk.rows:
            fair = row.default_visible()
            counts[fair] += 1
            row.shown = counts[fair] <= (MAX_DEFAULT_ROWS if fair else MAX_OTHER_ROWS)
    order = list(DATASETS)
    for b in by_ds.values():
        b.rankings.sort(key=lambda k: (k.metric != "miou", k.metric,
                                       PROTOCOL_ORDER.index(k.protocol)
                                       if k.protocol in PROTOCOL_ORDER else 99))
    data.boards = sorted(by_ds.values(), key=lambda b: order.index(b.dataset))


def load(root: Path) -> SiteData:
    cat = load_catalog(catalog_path(root))
    return prepare(cat, load_runs(results_dir(root)))


def prepare(cat: Catalog, runs: dict[str, dict]) -> SiteData:
    conflicts = find_conflicts(cat)
    data = SiteData(cat, runs, conflicts)
    for p in cat.papers:
        for m in p.models:
            data.owners.setdefault(m.id, p)
            data.models.setdefault(m.id, m)
        for e in p.efficiency:
            data.eff.setdefault((e.model, e.quantity), []).append(e)
    data.conflict_anchor = conflict_anchors(conflicts)
    build_boards(data)
    return data


# --- efficiency: claimed (catalog) and measured (runs) -------------------------------------

def claimed_params_m(data: SiteData, model_id: str) -> tuple[float, Efficiency] | None:
    for e in data.claims(model_id, "params"):
        if getattr(e, "relative_to", None) is None:
            return e.base_value() / 1e6, e
    return None


def _absolute(claims: list[Efficiency]) -> list[Efficiency]:
    return [e for e in claims if getattr(e, "relative_to", None) is None]


def same_size(a, b) -> bool:
    """Sizes given as 'HxW' or [H, W]; equal in either orientation (2048x1024 = 1024x2048)."""
    def norm(s):
        if not s:
            return None
        v = [int(x) for x in (s.split("x") if isinstance(s, str) else s)]
        return tuple(sorted(v))
    return norm(a) is not None and norm(a) == norm(b)


def claimed_gflops_at(data: SiteData, model_id: str, size) -> tuple[float, Efficiency] | None:
    """A claimed compute figure at exactly `size`, in GFLOPs (a MAC claim counts 2 FLOPs)."""
    for q, factor in (("flops", 1.0), ("macs", 2.0)):
        for e in _absolute(data.claims(model_id, q)):
            if same_size(e.input_size, size):
                return e.base_value() * factor / 1e9, e
    return None


def first_compute_claim(data: SiteData, model_id: str) -> Efficiency | None:
    for q in ("flops", "macs"):
        c = _absolute(data.claims(model_id, q))
        if c:
            return c[0]
    return None


def measured_flops_at(run: dict | None, size) -> dict | None:
    """{'gflops', 'gmacs', 'input_size'} measured at `size` (HxW), from `flops_at`, the main
    count or the re-counts at claim sizes; None when the bench never counted at that size."""
    if not run or not size:
        return None
    for fa in run.get("flops_at") or []:
        if fa.get("gflops") is not None and list(fa.get("input_size") or []) == list(size):
            return fa
    for fl in [run.get("flops") or {}, *(run.get("flops_at_claim_sizes") or [])]:
        if fl.get("gflops") and list(fl.get("input_size") or run.get("input_size") or []) == list(size):
            return {**fl, "input_size": list(size)}
    return None


def measured(data: SiteData, model_id: str) -> dict:
    """params (M), gflops, gmacs, latency (ms) of the shown run, where present."""
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


def device_name(run: dict) -> str:
    env = run.get("env") or {}
    if run.get("device") == "cpu":
        cpu = env.get("cpu") or env.get("device_name") or "CPU"
        return f"{cpu} ({env['threads']} threads)" if env.get("threads") else str(cpu)
    return str(env.get("device_name") or run.get("device") or "?")


# --- verdicts --------------------------------------------------------------------------------

def _same_claim(v: dict, e: Efficiency) -> bool:
    try:
        claimed = float(v.get("claimed"))
    except (TypeError, ValueError):
        return False
    return (v.get("quantity") == e.quantity and v.get("claimed_unit") == e.unit
            and abs(claimed - e.value) <= 1e-9 * max(1.0, abs(e.value)))


def claim_rows(data: SiteData) -> list[dict]:
    """Every efficiency claim with its verdict from the shown run ('no run' when never measured),
    plus verdicts of runs that match no catalog claim. A verdict whose `claim_model` names
    another model (a claim about an unnamed variant, checked against each variant the bench
    builds) sits beside that claim, once per run. Computed once per build."""
    if data._claim_rows is not None:
        return data._claim_rows
    rows, used = [], set()
    foreign: dict[str, list[tuple[str, int, dict]]] = defaultdict(list)  # claim model -> verdicts
    for model, run in data.runs.items():
        for i, v in enumerate(run.get("verdicts") or []):
            if v.get("claim_model") and v["claim_model"] != model:
                foreign[v["claim_model"]].append((model, i, v))
    for p in data.papers:
        for e in p.efficiency:
            run = data.runs.get(e.model)
            match = None
            for i, v in enumerate((run or {}).get("verdicts") or []):
                if (e.model, i) not in used and v.get("claim_model") in (None, e.model) and _same_claim(v, e):
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
        for i, v in enumerate(run.get("verdicts") or []):
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
    if row["verdict"]:
        return str(row["verdict"].get("verdict") or "unmeasured")
    return "not checked" if row["run"] else "no run"


def verdict_counts(rows: list[dict]) -> dict[str, int]:
    counts = {"verified": 0, "unit": 0, "mismatch": 0, "unverified": 0}
    for r in rows:
        v = verdict_name(r)
        counts[v if v in counts else "unverified"] += 1
    return counts
