"""Rules that span entries: validation errors a single pydantic model cannot see.

`check_catalog` returns ids unique across the catalog, claims naming a model their paper
declares, a split the dataset has, the same number listed twice, experiment ids that tie one
run. What is *not* an error (sources that disagree, errata) is `catalog.compare.conflicts`,
re-exported here as `find_conflicts` for older callers.
"""

from __future__ import annotations

from collections import defaultdict

from catalog.datasets import DATASETS
from catalog.load import CatalogIssue, SourceMap
from catalog.schema import Catalog, Result
from catalog.sources import SOURCES, how_read


def _where(where: SourceMap | None) -> SourceMap:
    return where if where is not None else SourceMap("<catalog>", {(): 0})


# --------------------------------------------------------------------------- errors


def check_catalog(cat: Catalog, where: SourceMap | None = None) -> list[CatalogIssue]:
    """All cross-entry errors, in file order."""
    w = _where(where)
    issues: list[CatalogIssue] = []
    # Where things were first seen is kept as a path, and turned into a line only for a message:
    # a valid catalog never asks `where` for a position (its positions may not be built yet).
    paper_seen: dict[str, int] = {}
    model_seen: dict[str, tuple[str, tuple]] = {}  # model id -> (paper id, path of its id)

    for i, paper in enumerate(cat.papers):
        if paper.id in paper_seen:
            issues.append(w.issue((i, "id"), f"duplicate paper id '{paper.id}' "
                                             f"(first on line {w.line((paper_seen[paper.id], 'id'))})"))
        else:
            paper_seen[paper.id] = i

        declared = set()
        for j, m in enumerate(paper.models):
            if m.id in model_seen:
                owner, first = model_seen[m.id]
                issues.append(w.issue((i, "models", j, "id"),
                                      f"duplicate model id '{m.id}' (first declared by paper "
                                      f"'{owner}' on line {w.line(first)}); model ids are unique "
                                      f"across the catalog"))
            else:
                model_seen[m.id] = (paper.id, (i, "models", j, "id"))
            declared.add(m.id)

        for kind in ("results", "efficiency"):
            for j, claim in enumerate(getattr(paper, kind)):
                if claim.model not in declared:
                    have = ", ".join(sorted(declared)) or "none"
                    issues.append(w.issue((i, kind, j, "model"),
                                          f"model '{claim.model}' is not declared in this paper's "
                                          f"models (declared: {have})"))

        for j, r in enumerate(paper.results):
            splits = DATASETS[r.dataset].splits
            if r.split != "unspecified" and r.split not in splits:
                issues.append(w.issue((i, "results", j, "split"),
                                      f"dataset '{r.dataset}' has no '{r.split}' split "
                                      f"(it has: {', '.join(splits)})"))

        issues += _duplicates(i, paper.results, "results", w,
                              lambda r: (r.model, r.dataset, r.split, r.server, r.train_split, r.metric,
                                         r.setting.key(), r.value))
        issues += _duplicates(i, paper.efficiency, "efficiency", w,
                              lambda e: (e.model, e.quantity, e.bound, e.base_value(), *conditions(e)))
        issues += _provenance(i, paper, w)
        issues += _experiments(i, paper, w)
        issues += _locators(i, paper, w)

    # A re-implementation reproduces a model of the catalog that is a paper's own.
    impl_of = {m.id: m.implementation for p in cat.papers for m in p.models}
    for i, paper in enumerate(cat.papers):
        for j, m in enumerate(paper.models):
            if m.reproduces is None:
                continue
            if m.implementation is None:
                issues.append(w.issue((i, "models", j, "reproduces"),
                                      "only a re-implementation (with 'implementation') reproduces a model"))
            elif m.reproduces not in model_seen:
                issues.append(w.issue((i, "models", j, "reproduces"),
                                      f"'{m.reproduces}' is not a model of the catalog"))
            elif impl_of.get(m.reproduces):
                issues.append(w.issue((i, "models", j, "reproduces"),
                                      f"'{m.reproduces}' is itself a re-implementation; name the paper's own model"))

    # A relative claim names another catalog model.
    for i, paper in enumerate(cat.papers):
        for j, e in enumerate(paper.efficiency):
            if e.relative_to is not None and e.relative_to not in model_seen:
                issues.append(w.issue((i, "efficiency", j, "relative_to"),
                                      f"'{e.relative_to}' is not a model of the catalog"))
    return sorted(issues, key=lambda x: x.line)


def _provenance(i: int, paper, w: SourceMap) -> list[CatalogIssue]:
    """A reproduction's model zoo only speaks for a re-implementation, never for the paper's model."""
    impl = {m.id: m.implementation for m in paper.models}
    out = []
    for kind in ("results", "efficiency"):
        for j, claim in enumerate(getattr(paper, kind)):
            for k, src in enumerate(claim.sources):
                if SOURCES[src.ref].kind in ("reimplementation", "library") and not impl.get(claim.model):
                    out.append(w.issue((i, kind, j, "sources", k, "ref"),
                                       f"source '{src.ref}' is a re-implementation: attach its number to a "
                                       f"model with 'implementation' set, not to the paper's model "
                                       f"'{claim.model}'"))
    return out


def _locators(i: int, paper, w: SourceMap) -> list[CatalogIssue]:
    """A note or `where` names what a reader can open, never the tool or mirror we read it with."""
    out = []

    def walk(node, path):  # descends into containers only: ~2M scalars at 10,000 papers
        if isinstance(node, dict):
            for k, v in node.items():
                if type(v) is str:
                    if k in ("note", "where", "notes") and (hit := how_read(v)):
                        out.append(w.issue((i, *path, k), f"'{hit}' names a tool, an index, a file id or a "
                                                          f"mirror; cite the paper (arXiv id with version and "
                                                          f"table), the publisher's page or the repository at a "
                                                          f"commit instead"))
                elif isinstance(v, (dict, list)):
                    walk(v, (*path, k))
        elif isinstance(node, list):
            for j, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    walk(v, (*path, j))

    walk(paper.model_dump(exclude_none=True), ())
    return out


def _experiments(i: int, paper, w: SourceMap) -> list[CatalogIssue]:
    """An experiment id ties scores and cost claims of one run: one model, one dataset, one
    evaluation size; a cost claim names an experiment some score of the paper carries."""
    out = []
    first: dict[str, tuple[int, Result]] = {}
    for j, r in enumerate(paper.results):
        if r.experiment is None:
            continue
        if r.experiment not in first:
            first[r.experiment] = (j, r)
            continue
        k, r0 = first[r.experiment]
        for what, a, b in (("model", r0.model, r.model), ("dataset", r0.dataset, r.dataset),
                           ("input size", r0.setting.input_size, r.setting.input_size)):
            if a is not None and b is not None and a != b:
                out.append(w.issue((i, "results", j, "experiment"),
                                   f"experiment '{r.experiment}' has {what} {b!r} here but {a!r} in "
                                   f"results[{k}] (line {w.line((i, 'results', k))}); one experiment is "
                                   f"one model at one evaluation size"))
                break
    sizes: dict[str, set[str]] = defaultdict(set)
    for r in paper.results:
        if r.experiment and r.setting.input_size:
            sizes[r.experiment].add(r.setting.input_size)
    for j, e in enumerate(paper.efficiency):
        if e.experiment is None:
            continue
        if e.experiment not in first:
            known = ", ".join(sorted(first)) or "none"
            out.append(w.issue((i, "efficiency", j, "experiment"),
                               f"no result of this paper carries experiment '{e.experiment}' "
                               f"(experiments here: {known})"))
            continue
        _, r0 = first[e.experiment]
        if e.model != r0.model:
            out.append(w.issue((i, "efficiency", j, "experiment"),
                               f"experiment '{e.experiment}' is model '{r0.model}', not '{e.model}'"))
        elif e.dataset is not None and e.dataset != r0.dataset:
            out.append(w.issue((i, "efficiency", j, "experiment"),
                               f"experiment '{e.experiment}' is scored on '{r0.dataset}', but this "
                               f"claim names dataset '{e.dataset}'"))
        elif e.input_size and sizes[e.experiment] and e.input_size not in sizes[e.experiment]:
            out.append(w.issue((i, "efficiency", j, "experiment"),
                               f"experiment '{e.experiment}' is evaluated at "
                               f"{', '.join(sorted(sizes[e.experiment]))}, but this claim is at {e.input_size}"))
    return out


def _duplicates(i: int, claims: list, kind: str, w: SourceMap, key) -> list[CatalogIssue]:
    """The same number under the same conditions listed twice: one entry, several sources."""
    first: dict[tuple, int] = {}
    out = []
    for j, c in enumerate(claims):
        k = key(c)
        if k in first:
            out.append(w.issue((i, kind, j),
                               f"same claim as {kind}[{first[k]}] (line "
                               f"{w.line((i, kind, first[k]))}); list it once with all its "
                               f"sources"))
        else:
            first[k] = j
    return out




from catalog.compare.conflicts import (  # noqa: E402  (re-exported; they import this module's peers)
    Conflict,
    Side,
    compare,
    conditions,
    extra_data_elsewhere,
    find_conflicts,
)

__all__ = ["Conflict", "Side", "check_catalog", "compare", "extra_data_elsewhere", "find_conflicts"]
