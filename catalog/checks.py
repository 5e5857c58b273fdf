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
from catalog.schema import Catalog, Efficiency, Result, Setting, SourceRef
from catalog.sources import SOURCES
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
                              lambda r: (r.model, r.dataset, *_protocol(r), r.metric,
                                         r.setting.key(), r.value))
        issues += _duplicates(i, paper.efficiency, "efficiency", w,
                              lambda e: (e.model, e.quantity, e.bound, e.base_value(),
                                         *_conditions(e)))
        issues += _provenance(i, paper, w)

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
    status: str = "conflict"      # conflict: settings equal; possible: equal where both are stated
    basis: str = ""               # which fields made the pair comparable, in words

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        tag = self.kind if self.status == "conflict" else f"{self.kind}, possible"
        head = f"[{tag}] {self.subject}" + (f"\n    comparable because: {self.basis}" if self.basis else "")
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
    return (e.input_size, e.hardware, e.precision, e.batch_size, e.relative_to, e.includes_aux)


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
    f = 1.0 if e.relative_to is not None else UNITS[e.quantity][e.unit]
    return lo * f, hi * f


def _disjoint(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[1] < b[0] or b[1] < a[0]


def find_conflicts(cat: Catalog, where: SourceMap | None = None) -> list[Conflict]:
    """Disagreements between sources, and all errata. Not errors: the site shows them."""
    w = _where(where)
    out: list[Conflict] = []

    # Accuracy: same model, dataset and metric, different values, and a protocol and setting
    # that could be the same experiment (see `compare`).
    groups: dict[tuple, list[tuple[Result, Side]]] = defaultdict(list)
    for i, p in enumerate(cat.papers):
        for j, r in enumerate(p.results):
            side = Side(r.value, None, "=", _refs(r.sources), p.id, w.location((i, "results", j)),
                        w.line((i, "results", j, "value")), detail=_result_words(r))
            groups[(r.model, r.dataset, r.metric)].append((r, side))
    for (model, dataset, metric), rows in groups.items():
        pairs = []
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                ra, rb = rows[a][0], rows[b][0]
                if ra.value != rb.value:
                    cmp = compare(ra, rb)
                    if cmp is not None:
                        pairs.append((a, b, cmp))
        if not pairs:
            continue
        involved = sorted({k for a, b, _ in pairs for k in (a, b)})
        order = _PROTOCOL_FIELDS + Setting.COMPARED
        unknown = [f for f in order if any(f in unk for *_, (_, unk) in pairs)]
        equal = [f for f in order if all(f in eq for *_, (eq, _) in pairs)]
        status = "possible" if unknown else "conflict"
        basis = (f"stated alike by both sides: {', '.join(equal)}" if equal
                 else "no field is stated by both sides")
        basis += f"; stated by one side only: {', '.join(unknown)}" if unknown else ""
        out.append(Conflict("result", model, f"{model}: {metric} on {dataset}",
                            sorted((rows[k][1] for k in involved), key=lambda s: s.line),
                            dataset=dataset, metric=metric, status=status, basis=basis))
    out += _same_number(cat, w)

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


def _protocol(r: Result) -> tuple:
    return (r.split, r.server, r.train_split)


# Protocol fields of a result, then setting fields; None / 'unspecified' = not stated.
_PROTOCOL_FIELDS = ("split", "server", "train_split")


def _stated(field: str, v) -> bool:
    return v is not None and not (field == "split" and v == "unspecified")


def compare(a: Result, b: Result, lenient_extra: bool = False) -> tuple[list[str], list[str]] | None:
    """Could two scores of one model describe the same experiment?

    None when a field both sides state differs (different experiments: no conflict). Otherwise
    (fields equal on both sides, fields that one side leaves unstated). Extra data counts as
    stated when it is a list, `[]` included ("none"). With `lenient_extra`, lists where one
    holds the other count as unstated: a seed's "with COCO" column says COCO, not "COCO only".
    """
    equal, unknown = [], []
    fields = [(f, getattr(a, f), getattr(b, f)) for f in _PROTOCOL_FIELDS]
    ka, kb = a.setting.key(), b.setting.key()
    fields += list(zip(Setting.COMPARED, ka, kb))
    for name, x, y in fields:
        if _stated(name, x) and _stated(name, y):
            if x != y:
                if lenient_extra and name == "extra_data" and x and y and (set(x) <= set(y) or set(y) <= set(x)):
                    unknown.append(name)
                    continue
                return None
            equal.append(name)
        elif _stated(name, x) or _stated(name, y):
            unknown.append(name)
    return equal, unknown


def _same_value(a: float, b: float) -> bool:
    """Equal once the more precise value is rounded like the other (85.41 ~ 85.4)."""
    digits = min(-Decimal(repr(float(x))).normalize().as_tuple().exponent for x in (a, b))
    return round(a, max(digits, 0)) == round(b, max(digits, 0))


def extra_data_elsewhere(cat: Catalog) -> dict[int, list[str]]:
    """For each score whose own source leaves extra data unstated (keyed by `id(result)`), the
    extra data that another row of the same model, dataset and metric states for the same
    number. A board of "no extra data" must not rank such a number: some source says it used
    COCO (PSPNet's 85.4 on VOC, for one)."""
    groups: dict[tuple, list[Result]] = defaultdict(list)
    for p in cat.papers:
        for r in p.results:
            groups[(r.model, r.dataset, r.metric)].append(r)
    out: dict[int, list[str]] = {}
    for rows in groups.values():
        for r in rows:
            if r.setting.extra_data is None:
                stated = sorted({x for o in rows if o.setting.extra_data and _same_value(o.value, r.value)
                                 for x in o.setting.extra_data})
                if stated:
                    out[id(r)] = stated
    return out


def _same_number(cat: Catalog, w: SourceMap) -> list[Conflict]:
    """One number attached to two models of the same paper, under settings that do not tell them
    apart: often one experiment filed twice (a seed's bare 'RefineNet' and the paper's ResNet-101
    model)."""
    out = []
    for i, p in enumerate(cat.papers):
        by_number: dict[tuple, list[int]] = defaultdict(list)
        for j, r in enumerate(p.results):
            by_number[(r.dataset, r.metric, r.value)].append(j)
        for (dataset, metric, value), js in by_number.items():
            # Only rows whose stated protocol and settings agree: one experiment filed twice.
            js = [j for j in js if any(p.results[k].model != p.results[j].model
                                       and compare(p.results[j], p.results[k], lenient_extra=True) is not None
                                       for k in js)]
            models = {p.results[j].model for j in js}
            if len(models) < 2:
                continue
            sides = [Side(p.results[j].value, None, "=", _refs(p.results[j].sources), p.id,
                          w.location((i, "results", j)), w.line((i, "results", j, "value")),
                          detail=f"{p.results[j].model}, {_result_words(p.results[j])}") for j in js]
            out.append(Conflict("same-number", None,
                                f"{p.id}: {metric} {_fmt(value)} on {dataset} is attached to "
                                f"{len(models)} models ({', '.join(sorted(models))})", sides,
                                dataset=dataset, metric=metric, status="possible",
                                basis="the same value for the same dataset and metric"))
    return out


def _result_words(r: Result) -> str:
    s = r.setting
    words = [r.protocol]
    if r.train_split:
        words.append(f"trained on {r.train_split}")
    if s.pretraining is not None:
        words.append("pre-trained " + "+".join(s.pretraining))
    if s.extra_data is None:
        words.append("extra data not stated")
    else:
        words += [f"+{x}" for x in s.extra_data] or ["no extra data"]
    words += [f"{name}={'yes' if v else 'no'}" for name, v in
              (("multi-scale", s.multi_scale), ("flip", s.flip), ("crf", s.crf)) if v is not None]
    words += [x for x in (s.inference, s.backbone, s.input_size and f"test {s.input_size}",
                          s.crop_size and f"crop {s.crop_size}",
                          s.output_stride and f"OS {s.output_stride}") if x]
    return ", ".join(words)


def _cond_words(cond: list) -> str:
    size, hw, prec, batch, rel, aux = cond
    words = [x for x in (size, hw, prec) if x] + ([f"batch {batch}"] if batch else [])
    words += ([f"relative to {rel}"] if rel else []) + ([f"aux heads {'in' if aux else 'out'}"]
                                                       if aux is not None else [])
    return f" [{', '.join(words)}]" if words else " [conditions unstated]"
