"""Lookup tables over a loaded catalog, built once in one pass (linear in its size).

`Catalog.model_owner` / `claims_for` scan every paper per call; a site or a check that asks
for each of thousands of models turns that into quadratic work (issue 13: `model_owner`
called 94,309 times at 1,000 papers). Build a `CatalogIndex` once and ask it instead:

    idx = CatalogIndex(cat)          # or index_for(cat): cached for the last few catalogs
    idx.owner["fcn8s"]               # -> Paper declaring the model (the first one, if twice)
    idx.model["fcn8s"]               # -> ModelVariant
    idx.results_of("fcn8s")          # -> [ClaimAt(paper, i, j, claim)] in file order
    idx.efficiency_of("fcn8s")
    idx.claims_for("fcn8s")          # -> (results, efficiency), like Catalog.claims_for
    idx.results_on("cityscapes")     # -> [ClaimAt] for one dataset, in file order
    idx.results_of_on("fcn8s", "voc2012")

`ClaimAt.path` is the claim's location for `SourceMap.line/issue`, e.g. (3, "results", 2).
The catalog must not be changed after the index is built (nothing in SegAtlas changes one).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Generic, TypeVar

from catalog.schema import Catalog, Efficiency, ModelVariant, Paper, Result

C = TypeVar("C", Result, Efficiency)


@dataclass(frozen=True, slots=True)
class ClaimAt(Generic[C]):
    """A claim with its paper and position: `cat.papers[i].<kind>[j] is claim`."""

    paper: Paper
    i: int
    j: int
    claim: C

    @property
    def path(self) -> tuple[int, str, int]:
        kind = "results" if isinstance(self.claim, Result) else "efficiency"
        return (self.i, kind, self.j)


class CatalogIndex:
    """Per-paper, per-model and per-dataset lookups of one catalog."""

    def __init__(self, cat: Catalog):
        self.catalog = cat
        self.paper: dict[str, Paper] = {}          # paper id -> first paper with that id
        self.paper_index: dict[str, int] = {}      # paper id -> its index in cat.papers
        self.model: dict[str, ModelVariant] = {}   # model id -> first declaration
        self.owner: dict[str, Paper] = {}          # model id -> paper declaring it
        self._results: dict[str, list[ClaimAt[Result]]] = defaultdict(list)
        self._efficiency: dict[str, list[ClaimAt[Efficiency]]] = defaultdict(list)
        self._by_dataset: dict[str, list[ClaimAt[Result]]] = defaultdict(list)
        self._by_model_dataset: dict[tuple[str, str], list[ClaimAt[Result]]] = defaultdict(list)
        for i, p in enumerate(cat.papers):
            self.paper.setdefault(p.id, p)
            self.paper_index.setdefault(p.id, i)
            for m in p.models:
                if m.id not in self.model:
                    self.model[m.id] = m
                    self.owner[m.id] = p
            for j, r in enumerate(p.results):
                at = ClaimAt(p, i, j, r)
                self._results[r.model].append(at)
                self._by_dataset[r.dataset].append(at)
                self._by_model_dataset[(r.model, r.dataset)].append(at)
            for j, e in enumerate(p.efficiency):
                self._efficiency[e.model].append(ClaimAt(p, i, j, e))

    def model_owner(self, model_id: str) -> Paper:
        """The paper that declares `model_id` (KeyError if none), like `Catalog.model_owner`."""
        return self.owner[model_id]

    def results_of(self, model_id: str) -> list[ClaimAt[Result]]:
        return self._results.get(model_id, [])

    def efficiency_of(self, model_id: str) -> list[ClaimAt[Efficiency]]:
        return self._efficiency.get(model_id, [])

    def results_on(self, dataset: str) -> list[ClaimAt[Result]]:
        return self._by_dataset.get(dataset, [])

    def results_of_on(self, model_id: str, dataset: str) -> list[ClaimAt[Result]]:
        return self._by_model_dataset.get((model_id, dataset), [])

    def claims_for(self, model_id: str) -> tuple[list[Result], list[Efficiency]]:
        """All accuracy and efficiency claims about one model, across papers, in file order."""
        return ([a.claim for a in self.results_of(model_id)],
                [a.claim for a in self.efficiency_of(model_id)])

    def datasets(self) -> list[str]:
        """Datasets with at least one result, in order of first appearance."""
        return list(self._by_dataset)

    def models_with_claims(self) -> list[str]:
        """Model ids with at least one result or efficiency claim, in file order."""
        return list(dict.fromkeys([*self._results, *self._efficiency]))


_CACHE: list[tuple[Catalog, CatalogIndex]] = []
_CACHE_SIZE = 4


def index_for(cat: Catalog) -> CatalogIndex:
    """The index of `cat`, built on first use and kept for the last few catalogs."""
    for known, idx in _CACHE:
        if known is cat:
            return idx
    idx = CatalogIndex(cat)
    _CACHE.insert(0, (cat, idx))
    del _CACHE[_CACHE_SIZE:]
    return idx
