"""The model chooser's data: for one ranking, each model at its best score (in the default view
or among all rows), its costs at the dataset's canonical size, and the Pareto fronts.

The fronts are decided here, not in the browser: for every set of budgeted quantities and both
switches (measured costs only; include latencies that never settled), the models on the front
among those whose costs on those quantities are known. A budget cannot change membership: a
model's dominator is no costlier on any budgeted quantity, so it fits whenever the model does.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from catalog.datasets import DATASETS

from . import states
from .boards import Ranking
from .costs import Cost, Costs
from .pareto import front
from .rows import Row

AXES = ("params", "gflops", "latency")
# The quantities a front is taken on when the reader sets no budget.
DEFAULT_AXES = ("params", "gflops")


@dataclass(frozen=True)
class Choice:
    row: Row
    params: Cost | None
    gflops: Cost | None
    latency: Cost | None

    def cost(self, axis: str, measured_only: bool, include_unstable: bool) -> float | None:
        c: Cost | None = getattr(self, axis)
        if c is None or (measured_only and c.how != "measured"):
            return None
        if axis == "latency" and c.stable is False and not include_unstable:
            return None
        return c.value


def choices(rk: Ranking, costs: Costs, fair_only: bool) -> list[Choice]:
    """One choice per model: its best row in the ranking (in the default view when `fair_only`)."""
    view = states.DEFAULT_VIEW if fair_only else states.ALL_VIEW
    best: dict[str, Row] = {}
    for row in rk.rows:
        if row.admitted(view) and (row.model_id not in best or row.value > best[row.model_id].value):
            best[row.model_id] = row
    size = DATASETS[rk.dataset].canonical_size
    out = [Choice(r, costs.params(r.model_id), costs.compute(r.model_id, size) if size else None,
                  costs.latency(r.model_id, size) if size else None) for r in best.values()]
    return sorted(out, key=lambda c: (-c.row.value, c.row.model_name))


def axes_key(axes) -> str:
    return "+".join(a for a in AXES if a in axes)


def fronts(items: list[Choice], measured_only: bool, include_unstable: bool) -> dict[str, list[int]]:
    """axes key ('params+gflops') -> indices of `items` on the front for those axes."""
    out = {}
    for n in range(1, len(AXES) + 1):
        for axes in combinations(AXES, n):
            pts = [(i, [c.cost(a, measured_only, include_unstable) for a in axes], c.row.value)
                   for i, c in enumerate(items)]
            out[axes_key(axes)] = sorted(front(pts))  # type: ignore[type-var]
    return out
