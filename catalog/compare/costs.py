"""A row's costs: parameters, compute and latency, measured by the bench or claimed, at the
row's own evaluation size and at its dataset's canonical size.

The catalog never reads the bench's run records itself: the caller passes `Measured` values
(`bench.record.Run.measured()` builds them from a typed record). Compute is in GFLOPs (two per
multiply-add; a claim stored as MACs counts x2 and says so); params in millions; latency in ms.
A cost that is neither measured nor claimed is None: unknown, never estimated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from catalog.datasets import DATASETS
from catalog.schema import Catalog, Efficiency


def size_key(size) -> tuple[int, int] | None:
    """'HxW', [H, W] or (H, W) -> a key equal in either orientation (2048x1024 = 1024x2048)."""
    if not size:
        return None
    v = [int(x) for x in (size.split("x") if isinstance(size, str) else size)]
    return tuple(sorted(v))  # type: ignore[return-value]


def size_text(size) -> str:
    return "x".join(str(v) for v in size) if size and not isinstance(size, str) else (size or "")


@dataclass(frozen=True)
class Measured:
    """What one bench run measured, in the catalog's terms."""

    model: str
    params: int | None = None
    gflops: dict[tuple[int, int], float] = field(default_factory=dict)   # size_key -> GFLOPs
    latency_ms: float | None = None
    latency_size: tuple[int, int] | None = None
    latency_stable: bool | None = None      # False: the timings never settled (unstable)
    latency_ci_ms: tuple[float, float] | None = None
    latency_spread: float | None = None     # p90 / median
    device: str | None = None               # in words, e.g. "AMD EPYC 7B13 (2 threads)"
    engine: str = "pytorch"
    precision: str | None = None
    batch: int | None = None


@dataclass(frozen=True)
class Cost:
    value: float                    # M params, GFLOPs or ms
    how: str                        # "measured" | "claimed"
    size: str | None = None         # HxW the value is for (compute, latency)
    claim: Efficiency | None = None # the claim behind a claimed value
    macs_doubled: bool = False      # a claim stored as MACs, shown as 2x FLOPs
    stable: bool | None = None      # latency: False when the timings never settled
    device: str | None = None       # latency: where it was measured


class Costs:
    """Costs of catalog models from their claims and, where given, their measurements."""

    def __init__(self, cat: Catalog, measured: dict[str, Measured] | None = None):
        self.measured = measured or {}
        self.claims: dict[tuple[str, str], list[Efficiency]] = defaultdict(list)
        for p in cat.papers:
            for e in p.efficiency:
                if e.relative_to is None:
                    self.claims[(e.model, e.quantity)].append(e)

    def params(self, model: str, measured_only: bool = False) -> Cost | None:
        m = self.measured.get(model)
        if m and m.params:
            return Cost(m.params / 1e6, "measured")
        if measured_only:
            return None
        for e in self.claims.get((model, "params"), []):
            return Cost(e.base_value() / 1e6, "claimed", claim=e)
        return None

    def compute(self, model: str, size, measured_only: bool = False) -> Cost | None:
        """GFLOPs at exactly `size` (HxW, either orientation), measured first."""
        key = size_key(size)
        if key is None:
            return None
        m = self.measured.get(model)
        if m and key in m.gflops:
            return Cost(m.gflops[key], "measured", size_text(size))
        if measured_only:
            return None
        for q, factor in (("flops", 1.0), ("macs", 2.0)):
            for e in self.claims.get((model, q), []):
                if size_key(e.input_size) == key:
                    return Cost(e.base_value() * factor / 1e9, "claimed", e.input_size, claim=e,
                                macs_doubled=q == "macs")
        return None

    def latency(self, model: str, size, include_unstable: bool = True) -> Cost | None:
        """Our measured latency at `size` (claimed speeds come from other hardware: never here)."""
        m = self.measured.get(model)
        if not m or m.latency_ms is None or size_key(m.latency_size) != size_key(size) or size_key(size) is None:
            return None
        if m.latency_stable is False and not include_unstable:
            return None
        return Cost(m.latency_ms, "measured", size_text(m.latency_size), stable=m.latency_stable,
                    device=m.device)

    def canonical(self, dataset: str):
        return DATASETS[dataset].canonical_size
