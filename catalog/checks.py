"""Rules that span entries (errors) and disagreements between sources (reports).

`check_catalog` returns validation errors a single pydantic model cannot see: ids unique across
the catalog, claims naming a model their paper declares, a split the dataset has, the same
number listed twice. `find_conflicts` returns what is *not* an error: sources that disagree on
a number under equal settings, and errata (a source stating a wrong fact).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from catalog.datasets import DATASETS
from catalog.load import CatalogIssue, SourceMap
from catalog.schema import Catalog, Efficiency, SourceRef
from catalog.vocab import UNITS

# A '~' claim is read as within this relative distance of its value (plus rounding).
APPROX_REL = 0.05


def _where(where: SourceMap | None) -> SourceMap:
    return where if where is not None else SourceMap("<catalog>", {(): 0})


# --------------------------------------------------------------------------- errors


def check_catalog(cat: Catalog, where: SourceMap | None = None) -> list[CatalogIssue]:
    """All cross-entry errors, in file order."""
    w = _where(where)
    issues: list[CatalogIssue] = []
    paper_seen: dict[str, int] = {}
    model_seen: dict[str, tuple[str, int]] = {}  # model id -> (paper id, line)

    for i, paper in enumerate(cat.papers):
        if paper.id in paper_seen:
            issues.append(w.issue((i, "id"), f"duplicate paper id '{paper.id}' "
                                             f"(first on line {paper_seen[paper.id]})"))
        else:
            paper_seen[paper.id] = w.line((i, "id"))

        declared = set()
        for j, m in enumerate(paper.models):
            line = w.line((i, "models", j, "id"))
            if m.id in model_seen:
                owner, first = model_seen[m.id]
                issues.append(w.issue((i, "models", j, "id"),
                                      f"duplicate model id '{m.id}' (first declared by paper "
                                      f"'{owner}' on line {first}); model ids are unique "
                                      f"across the catalog"))
            else:
                model_seen[m.id] = (paper.id, line)
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
                              lambda r: (r.model, r.dataset, r.split, r.metric,
                                         r.setting.key(), r.value))
        issues += _duplicates(i, paper.efficiency, "efficiency", w,
                              lambda e: (e.model, e.quantity, e.bound, e.base_value(),
                                         *_conditions(e)))
    return sorted(issues, key=lambda x: x.line)


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


# --------------------------------------------------------------------------- conflicts


@dataclass
class Side:
    """One value in a disagreement, and who states it."""

    value: float | None           # None for errata
    unit: str | None
    bound: str
    sources: list[str]            # 'ref' or 'ref (where)'
    paper: str
    location: str
    line: int
    detail: str = ""              # split and settings, for results


@dataclass
class Conflict:
    kind: str                     # result | efficiency | erratum
    model: str | None
    subject: str                  # what the sides disagree on, in words
    sides: list[Side] = field(default_factory=list)
    stated: str | None = None     # erratum only
    correct: str | None = None    # erratum only
    dataset: str | None = None    # result only
    metric: str | None = None     # result only

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        head = f"[{self.kind}] {self.subject}"
        if self.kind == "erratum":
            fix = f"; correct: {self.correct!r}" if self.correct else ""
            s = self.sides[0]
            return f"{head}\n    stated: {self.stated!r}{fix}  ({', '.join(s.sources)}; line {s.line})"
        lines = [head]
        for s in self.sides:
            unit = f" {s.unit}" if s.unit else ""
            bound = "" if s.bound == "=" else f"{s.bound} "
            detail = f" [{s.detail}]" if s.detail else ""
            lines.append(f"    {bound}{_fmt(s.value)}{unit}{detail}  <- {', '.join(s.sources)}  "
                         f"({s.location}, line {s.line})")
        return "\n".join(lines)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _refs(sources: list[SourceRef]) -> list[str]:
    return [f"{s.ref} ({s.where})" if s.where else s.ref for s in sources]


def _conditions(e: Efficiency) -> tuple:
    return (e.input_size, e.hardware, e.precision, e.batch_size)


def _interval(e: Efficiency) -> tuple[float, float]:
    """Base-unit values consistent with the claim, given its rounding and bound."""
    v = e.value
    decimals = 0 if float(v).is_integer() else -Decimal(repr(v)).as_tuple().exponent
    half = 0.5 * 10.0 ** -decimals
    lo, hi = v - half, v + half
    if e.bound == "~":
        lo, hi = min(lo, v * (1 - APPROX_REL)), max(hi, v * (1 + APPROX_REL))
    elif e.bound in ("<", "<="):  # a bound is exact: "< 1 G" allows nothing above 1 G
        lo, hi = 0.0, v
    elif e.bound in (">", ">="):
        lo, hi = v, math.inf
    f = UNITS[e.quantity][e.unit]
    return lo * f, hi * f


def _disjoint(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[1] < b[0] or b[1] < a[0]


def find_conflicts(cat: Catalog, where: SourceMap | None = None) -> list[Conflict]:
    """Disagreements between sources, and all errata. Not errors: the site shows them."""
    w = _where(where)
    out: list[Conflict] = []

    # Accuracy: same model, dataset and metric, different values, and splits and settings that
    # could be the same experiment: equal, or left unstated (None / 'unspecified') by one side.
    groups: dict[tuple, dict[tuple, Side]] = defaultdict(dict)
    for i, p in enumerate(cat.papers):
        for j, r in enumerate(p.results):
            cond = (r.split, r.setting.key(), r.value)
            side = groups[(r.model, r.dataset, r.metric)].get(cond)
            if side is None:
                groups[(r.model, r.dataset, r.metric)][cond] = Side(
                    r.value, None, "=", _refs(r.sources), p.id, w.location((i, "results", j)),
                    w.line((i, "results", j, "value")),
                    detail=f"{r.split}{_setting_words(r.setting.key())}")
            else:  # the same number stated twice: merge its sources
                side.sources += [s for s in _refs(r.sources) if s not in side.sources]
    for (model, dataset, metric), sides in groups.items():
        conds = list(sides)
        clash = {k for a in range(len(conds)) for b in range(a + 1, len(conds))
                 if conds[a][2] != conds[b][2] and _compatible(conds[a], conds[b]) for k in (a, b)}
        if clash:
            involved = [conds[k] for k in sorted(clash)]
            same = len({(c[0], c[1]) for c in involved}) == 1
            detail = (f" {involved[0][0]}{_setting_words(involved[0][1])}" if same
                      else " (settings compatible: one source leaves some unstated)")
            out.append(Conflict("result", model, f"{model}: {metric} on {dataset}{detail}",
                                sorted((sides[c] for c in involved), key=lambda s: s.line),
                                dataset=dataset, metric=metric))

    # Efficiency: same model, quantity and conditions; base values disagree beyond rounding.
    eff: dict[tuple, list[tuple[Efficiency, Side]]] = defaultdict(list)
    for i, p in enumerate(cat.papers):
        for j, e in enumerate(p.efficiency):
            side = Side(e.value, e.unit, e.bound, _refs(e.sources), p.id,
                        w.location((i, "efficiency", j)), w.line((i, "efficiency", j, "value")))
            eff[(e.model, e.quantity, *_conditions(e))].append((e, side))
    for (model, quantity, *cond), claims in eff.items():
        ivals = [_interval(e) for e, _ in claims]
        clash = {k for a in range(len(claims)) for b in range(a + 1, len(claims))
                 if _disjoint(ivals[a], ivals[b]) for k in (a, b)}
        if clash:
            out.append(Conflict("efficiency", model,
                                f"{model}: {quantity}{_cond_words(cond)}",
                                [claims[k][1] for k in sorted(clash)]))

    # Errata: every one is listed.
    for i, p in enumerate(cat.papers):
        for j, er in enumerate(p.errata):
            side = Side(None, None, "=", _refs(er.sources), p.id,
                        w.location((i, "errata", j)), w.line((i, "errata", j)))
            out.append(Conflict("erratum", None, f"{p.id}: wrong {er.field} in a source",
                                [side], stated=er.stated, correct=er.correct))
    return out


def _compatible(a: tuple, b: tuple) -> bool:
    """Could (split, setting key, value) a and b describe the same experiment?"""
    split_ok = a[0] == b[0] or "unspecified" in (a[0], b[0])
    extra_a, *rest_a = a[1]
    extra_b, *rest_b = b[1]
    return split_ok and extra_a == extra_b and all(
        x is None or y is None or x == y for x, y in zip(rest_a, rest_b))


def _setting_words(key: tuple) -> str:
    extra, ms, flip, crf, backbone, size = key
    words = [f"+{x}" for x in extra]
    words += [f"{name}={'yes' if v else 'no'}" for name, v in
              (("multi-scale", ms), ("flip", flip), ("crf", crf)) if v is not None]
    words += [x for x in (backbone, size) if x]
    return f" [{', '.join(words)}]" if words else ""


def _cond_words(cond: list) -> str:
    size, hw, prec, batch = cond
    words = [x for x in (size, hw, prec) if x] + ([f"batch {batch}"] if batch else [])
    return f" [{', '.join(words)}]" if words else " [conditions unstated]"
