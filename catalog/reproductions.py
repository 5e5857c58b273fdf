"""Is a paper's accuracy claim true? Verdicts from independent re-trainings.

A paper's own score (a board row whose model has no `implementation`) is judged against the
re-implementations that reproduce that model (`ModelVariant.reproduces`, an explicit link: same
variant, backbone and head), row by row of `catalog.compare.rows`:

- **same protocol**: same benchmark key (dataset variant), metric and ranking (split/server),
  no stated difference in backbone pre-training, training crop or test size, and single- vs multi-scale testing stated
  by both sides and equal (flip equal where both state it). A field only one side states is
  named in `unstated`; a split the paper does not state counts as the dataset's usual one
  (`split` in `unstated`, as the boards mark it).
- Against the same-protocol reproductions: `reproduced` when one lies within
  `ACCURACY_TOLERANCE` of the claim, else `lower` / `higher` by the gap to the nearest one.
- Reproductions of the model under other settings are listed in `beside` with what differs,
  never judged (`other-settings` when there is no same-protocol one).
- `none`: no re-implementation reproduces the model on that benchmark.

The tolerance is shared with the bench's own accuracy verdicts (bench/verify.py reads it from
here), and printed with every verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from catalog.compare.rows import Row, build_rows
from catalog.datasets import family_of
from catalog.schema import Catalog

# Two trainings of one recipe differ by a few tenths of a point of mIoU (seeds, data order);
# half a point is the bench's accuracy tolerance too.
ACCURACY_TOLERANCE = 0.5   # points (percentage points of the metric)
TOLERANCE_WORDS = f"±{ACCURACY_TOLERANCE:g} points"

VERDICTS: dict[str, str] = {
    "reproduced": "re-trained independently within the tolerance",
    "lower": "re-trained independently: lower than claimed",
    "higher": "re-trained independently: higher than claimed",
    "other-settings": "re-trained only under other settings (shown beside, not judged)",
    "none": "no independent reproduction",
}
JUDGED = ("reproduced", "lower", "higher")

# Setting fields that make two numbers different experiments when both state them differently.
_SIZE_FIELDS = ("crop_size", "input_size")


@dataclass(frozen=True)
class Reproduction:
    """One re-implementation's number set against the claim."""

    row: str                  # board row id
    model: str
    model_name: str
    implementation: str
    value: float
    same_protocol: bool
    differs: tuple[str, ...] = ()     # fields stated differently (other settings)
    unstated: tuple[str, ...] = ()    # fields only one side states
    sources: tuple[str, ...] = ()     # urls (or refs) of its transcriptions


@dataclass(frozen=True)
class ReproductionVerdict:
    """The verdict on one paper claim (one board row of a paper's own model)."""

    row: str
    paper: str
    model: str
    dataset: str
    metric: str
    protocol: str
    claimed: float
    verdict: str                      # a key of VERDICTS
    tolerance: str = TOLERANCE_WORDS
    reproduced: float | None = None   # the judged reproduction's value
    delta: float | None = None        # reproduced - claimed, points
    by: Reproduction | None = None    # the judged reproduction
    unstated: tuple[str, ...] = ()    # of the judged pair: fields only one side states
    same: tuple[Reproduction, ...] = ()     # every same-protocol reproduction
    beside: tuple[Reproduction, ...] = ()   # reproductions under other settings
    words: str = ""

    @property
    def judged(self) -> bool:
        return self.verdict in JUDGED

    def to_dict(self) -> dict:
        d = asdict(self)
        d["verdict_words"] = VERDICTS[self.verdict]
        return d


def _fmt(v: float) -> str:
    return f"{v:g}"


def _stated(v) -> bool:
    return v is not None and v != "unspecified"


def compare_protocol(claim: Row, repro: Row) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """(same protocol, fields stated differently, fields only one side states)."""
    differs: list[str] = []
    unstated: list[str] = []
    if claim.dataset != repro.dataset:
        differs.append("dataset variant")
    if claim.metric != repro.metric:
        differs.append("metric")
    if claim.placement.protocol != repro.placement.protocol:
        differs.append("split")
    elif claim.placement.assumed or repro.placement.assumed:
        unstated.append("split")
    a, b = claim.stated, repro.stated
    pa, pb = a.get("pretraining"), b.get("pretraining")
    if pa is not None and pb is not None and sorted(pa) != sorted(pb):  # type: ignore[arg-type]
        differs.append("pretraining")
    for f in _SIZE_FIELDS:
        if _stated(a.get(f)) and _stated(b.get(f)):
            if a[f] != b[f]:
                differs.append(f)
        elif _stated(a.get(f)) or _stated(b.get(f)):
            unstated.append(f)
    ms_a, ms_b = a.get("multi_scale"), b.get("multi_scale")
    if ms_a is None or ms_b is None:
        differs.append("multi_scale (not stated by both)")
    elif ms_a != ms_b:
        differs.append("multi_scale")
    fl_a, fl_b = a.get("flip"), b.get("flip")
    if fl_a is not None and fl_b is not None:
        if fl_a != fl_b:
            differs.append("flip")
    elif fl_a is not None or fl_b is not None:
        unstated.append("flip")
    return not differs, tuple(differs), tuple(unstated)


def _sources(row: Row) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.url or s.ref for s in row.sources))


def verdict_for(claim: Row, reproductions: list[Row]) -> ReproductionVerdict:
    """The verdict on `claim` given the rows of re-implementations that reproduce its model."""
    same, beside = [], []
    family = family_of(claim.dataset)
    for r in reproductions:
        if family_of(r.dataset) != family:  # another benchmark: not beside this claim at all
            continue
        ok, differs, unstated = compare_protocol(claim, r)
        rep = Reproduction(r.id, r.model_id, r.model_name, r.implementation or "", r.value, ok,
                           differs, unstated, _sources(r))
        (same if ok else beside).append(rep)
    base = dict(row=claim.id, paper=claim.paper.id, model=claim.model_id, dataset=claim.dataset,
                metric=claim.metric, protocol=claim.placement.protocol, claimed=claim.value,
                same=tuple(same), beside=tuple(beside))
    if not same:
        kind = "other-settings" if beside else "none"
        words = (f"re-trained only under other settings ({len(beside)} shown beside, not judged)"
                 if beside else "no independent reproduction")
        return ReproductionVerdict(verdict=kind, words=words, **base)
    nearest = min(same, key=lambda r: (abs(r.value - claim.value), r.row))
    delta = round(nearest.value - claim.value, 6)
    if abs(delta) <= ACCURACY_TOLERANCE + 1e-9:
        kind, how = "reproduced", f"within {TOLERANCE_WORDS} of {_fmt(claim.value)}"
    elif delta < 0:
        kind, how = "lower", f"lower by {_fmt(round(-delta, 4))} points than {_fmt(claim.value)}"
    else:
        kind, how = "higher", f"higher by {_fmt(round(delta, 4))} points than {_fmt(claim.value)}"
    words = f"re-trained by {nearest.implementation}: {_fmt(nearest.value)} ({how})"
    if nearest.unstated:
        words += f"; stated by one side only: {', '.join(nearest.unstated)}"
    return ReproductionVerdict(verdict=kind, reproduced=nearest.value, delta=delta, by=nearest,
                               unstated=nearest.unstated, words=words, **base)


def reproduced_model(model) -> str | None:
    """The paper's own model a re-implementation reproduces: its `reproduces`, and nothing else.

    A backbone alone does not say which model a re-training is of: one backbone is often
    trained under several heads (Twins-PCPVT-S with FPN and UPerNet, Segmenter's ViT-S/16 with a
    linear and a mask decoder), and a guessed link would judge a claim against another model.
    `catalog import` writes the link from the metafile's architecture (catalog.modelindex
    REPRODUCES); a hand-curated re-implementation states it."""
    if model is None or not model.implementation:
        return None
    return model.reproduces


def reproduction_verdicts(catalog: Catalog, rows: list[Row] | None = None) -> list[ReproductionVerdict]:
    """A verdict for every accuracy claim of a paper's own model (one per board row), in row
    order. Pass `rows` (from `build_rows` / `compare_catalog`) to share the row ids of the boards."""
    rows = build_rows(catalog) if rows is None else rows
    by_target: dict[str, list[Row]] = {}
    for r in rows:
        target = reproduced_model(r.model)
        if target:
            by_target.setdefault(target, []).append(r)
    out = []
    for r in rows:
        if r.implementation:
            continue
        candidates = [x for x in by_target.get(r.model_id, []) if x.metric == r.metric]
        out.append(verdict_for(r, candidates))
    return out


@dataclass
class VerdictCounts:
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def judged(self) -> int:
        return sum(self.by_kind.get(k, 0) for k in JUDGED)


def count_verdicts(verdicts: list[ReproductionVerdict]) -> VerdictCounts:
    """How many claims have each verdict (every kind present, zero included)."""
    counts = {k: 0 for k in VERDICTS}
    for v in verdicts:
        counts[v.verdict] += 1
    return VerdictCounts(counts)


def verdicts_by_row(verdicts: list[ReproductionVerdict]) -> dict[str, ReproductionVerdict]:
    """Row id -> verdict, for a board's badge ("re-trained by mmsegmentation: 37.41")."""
    return {v.row: v for v in verdicts}


def verdicts_frame(verdicts: list[ReproductionVerdict]):
    """The verdicts as a flat table (one row per claim), for CSV."""
    import pandas as pd

    rows = [{"row": v.row, "paper": v.paper, "model": v.model, "dataset": v.dataset, "metric": v.metric,
             "protocol": v.protocol, "claimed": v.claimed, "verdict": v.verdict,
             "reproduced": v.reproduced, "delta": v.delta, "tolerance": v.tolerance,
             "by": v.by.implementation if v.by else None, "reproduction_model": v.by.model if v.by else None,
             "unstated": ";".join(v.unstated), "n_same_protocol": len(v.same), "n_beside": len(v.beside),
             "words": v.words} for v in verdicts]
    return pd.DataFrame(rows)
