"""Speed beside accuracy, only from one experiment.

A speed claim (fps or latency) is paired with the scores that carry its `experiment` id: the
same trained model at the same resolution, as its source states. A speed claim without one is
listed on its own ("its source ties it to no score"); a score never borrows a speed from
another experiment of its model.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.hardware import device_key
from catalog.schema import Catalog, Efficiency, Paper, Result

from .rows import Row

SPEED = ("fps", "latency")


@dataclass(frozen=True)
class SpeedRow:
    """One speed claim, and the score of its experiment (or none)."""

    paper: Paper
    claim: Efficiency
    result: Result | None
    row: Row | None                   # the board row of that score

    @property
    def fps(self) -> float | None:
        """Frames per second as claimed, or 1000 / latency for a batch of one (derived)."""
        e = self.claim
        if e.quantity == "fps":
            return e.value
        if e.batch_size in (None, 1):
            return 1000.0 / e.base_value()
        return None

    @property
    def fps_derived(self) -> bool:
        return self.claim.quantity == "latency"

    @property
    def resolution(self) -> str | None:
        if self.claim.input_size:
            return self.claim.input_size
        return self.result.setting.input_size if self.result else None

    @property
    def device(self) -> str | None:
        return device_key(self.claim.hardware)


def speed_rows(cat: Catalog, rows: list[Row]) -> list[SpeedRow]:
    """Every speed claim of the catalog, each paired with the scores of its own experiment."""
    row_of = {id(t.result): row for row in rows for t in row.transcriptions}
    out: list[SpeedRow] = []
    for p in cat.papers:
        by_exp: dict[str, list[Result]] = {}
        for r in p.results:
            if r.experiment:
                by_exp.setdefault(r.experiment, []).append(r)
        for e in p.efficiency:
            if e.quantity not in SPEED or e.relative_to is not None:
                continue
            scores = by_exp.get(e.experiment or "", [])
            if not scores:
                out.append(SpeedRow(p, e, None, None))
            for r in scores:
                if r.metric == "miou":
                    out.append(SpeedRow(p, e, r, row_of.get(id(r))))
    return out
