"""Numbers that disagree, and why they may be compared at all.

Two rows of one model (or of a model whose source names no variant and a named variant of its
paper), on one benchmark (or on a benchmark and the key that leaves its variant unstated), with
one metric, are compared field by field: protocol (split, server, training split) and every
setting. A field both state differently means two experiments: no conflict. Otherwise two
different values are
- a **conflict** when every field either states, both state alike;
- a **possible conflict** when some field is stated by one side only (the reason names them).

The work is linear in the catalog's size: rows are grouped by paper, benchmark family and
metric, rows with identical statements form one class (distinct values in a class are one
conflict), and compatible classes are found with set intersections over an inverted index.
Efficiency claims conflict under equal conditions when their values are apart beyond rounding;
every erratum is listed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from catalog.datasets import DATASETS
from catalog.load import SourceMap
from catalog.schema import Catalog, Efficiency, Result, Setting, SourceRef
from catalog.vocab import UNITS

from .rows import PROTOCOL_FIELDS, Row, build_rows, same_value

# A '~' claim is read as within this relative distance of its value (plus rounding).
APPROX_REL = 0.05
# Fields in the order reasons name them. "dataset variant" and "model variant" are stated when
# the row's benchmark key / model names its variant.
FIELDS = ("dataset variant", "model variant", *PROTOCOL_FIELDS, *Setting.COMPARED)


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
    detail: str = ""              # model, split and settings, for results
    row: str | None = None        # the board row's id, for results


@dataclass
class Conflict:
    kind: str                     # result | same-number | efficiency | erratum
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

    @property
    def reason(self) -> str:
        """Why the sides are compared, one sentence for a reader."""
        if self.kind == "erratum":
            return "a source states this fact wrongly"
        if self.status == "conflict":
            return f"same experiment as far as both sources say ({self.basis})"
        return f"possibly the same experiment ({self.basis})"

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


@dataclass(frozen=True)
class ConflictLink:
    """A row's part in a disagreement, for a board's warning mark."""

    status: str                   # conflict | possible
    others: tuple[float, ...]     # the other values
    reason: str
    index: int                    # position of the Conflict in find_conflicts' list


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _refs(sources: list[SourceRef]) -> list[str]:
    return [f"{s.ref} ({s.where})" if s.where else s.ref for s in sources]


def _where(where: SourceMap | None) -> SourceMap:
    return where if where is not None else SourceMap("<catalog>", {(): 0})


# --------------------------------------------------------------------------- pairs of numbers


def _stated(name: str, v) -> bool:
    return v is not None and not (name == "split" and v == "unspecified")


def _norm(v):
    return tuple(sorted(v)) if isinstance(v, list) else v


def compare(a: Result, b: Result, lenient_extra: bool = False) -> tuple[list[str], list[str]] | None:
    """Could two scores of one model describe the same experiment?

    None when a field both sides state differs (different experiments: no conflict). Otherwise
    (fields equal on both sides, fields that one side leaves unstated). Extra data counts as
    stated when it is a list, `[]` included ("none"). With `lenient_extra`, lists where one
    holds the other count as unstated: a seed's "with COCO" column says COCO, not "COCO only".
    """
    return _compare_fields(_result_fields(a), _result_fields(b), lenient_extra)


def _result_fields(r: Result) -> dict[str, object]:
    out = {f: getattr(r, f) for f in PROTOCOL_FIELDS}
    out.update({f: getattr(r.setting, f) for f in Setting.COMPARED})
    return out


_IMPLIED = ("dataset variant", "model variant")  # named only when one side leaves them unstated


def _compare_fields(fa: dict, fb: dict, lenient_extra: bool = False):
    equal, unknown = [], []
    for name in FIELDS:
        x, y = fa.get(name), fb.get(name)
        if name == "server":  # a server the dataset decides stands in for an unstated one
            if x is None and y is not None:
                x = fa.get("derived server")
            elif y is None and x is not None:
                y = fb.get("derived server")
        if _stated(name, x) and _stated(name, y):
            if _norm(x) != _norm(y):
                if (lenient_extra and name == "extra_data" and x and y
                        and (set(x) <= set(y) or set(y) <= set(x))):
                    unknown.append(name)
                    continue
                return None
            if name not in _IMPLIED:
                equal.append(name)
        elif _stated(name, x) or _stated(name, y):
            unknown.append(name)
    return equal, unknown


def _row_fields(row: Row) -> dict[str, object]:
    """A row's statements for comparison. The server counts as stated where the dataset
    decides it (Cityscapes test labels are withheld: a test number is the server's)."""
    out = dict(row.stated)
    if out.get("split") == "test" and not out.get("server") and row.placement.derived:
        out["derived server"] = row.placement.protocol.removeprefix("test-")
    return out


def _basis(equal: list[str], unknown: list[str]) -> str:
    words = (f"stated alike by both sides: {', '.join(equal)}" if equal
             else "no field is stated by both sides")
    return words + (f"; stated by one side only: {', '.join(unknown)}" if unknown else "")


def _detail(row: Row) -> str:
    s = row.stated
    words = [row.placement.words + (" (split assumed)" if row.placement.assumed
                                    else " (server implied by the dataset)" if row.placement.derived else "")]
    if s.get("train_split"):
        words.append(f"trained on {s['train_split']}")
    if s.get("pretraining") is not None:
        words.append("pre-trained " + "+".join(s["pretraining"]))  # type: ignore[arg-type]
    if s.get("extra_data") is None:
        words.append("extra data not stated")
    else:
        words += [f"+{x}" for x in s["extra_data"]] or ["no extra data"]  # type: ignore[union-attr]
    words += [f"{name}={'yes' if s[k] else 'no'}" for name, k in
              (("multi-scale", "multi_scale"), ("flip", "flip"), ("crf", "crf")) if s.get(k) is not None]
    words += [x for x in (s.get("inference"), s.get("backbone"),
                          s.get("input_size") and f"test {s['input_size']}",
                          s.get("crop_size") and f"crop {s['crop_size']}",
                          s.get("output_stride") and f"OS {s['output_stride']}") if x]
    return ", ".join(str(w) for w in words)


def _side(row: Row, w: SourceMap, with_model: bool = False) -> Side:
    t = row.transcriptions[0]
    refs = []
    for r in row.results:
        for x in _refs(r.sources):
            if x not in refs:
                refs.append(x)
    detail = (f"{row.model_id}, " if with_model else "") + _detail(row)
    return Side(row.value, None, "=", refs, t.paper.id, w.location((t.i, "results", t.j)),
                w.line((t.i, "results", t.j, "value")), detail=detail, row=row.id)


# --------------------------------------------------------------------------- results


@dataclass
class _Class:
    """Rows that state exactly the same thing (same model, benchmark key and fields)."""

    rows: list[Row]
    model: str
    dataset: str
    unnamed: bool
    fields: dict[str, object]


def _class_fields(row: Row) -> dict[str, object]:
    f = _row_fields(row)
    ds = DATASETS[row.dataset]
    if not ds.variants:
        f["dataset variant"] = row.dataset
    if not row.unnamed_variant:
        f["model variant"] = row.model_id
    return f


def _related(a: _Class, b: _Class) -> bool:
    """Rows of two classes may be one experiment only for one model (or an unnamed variant and
    a named one) on one benchmark (or a benchmark and its variant-not-stated key)."""
    if a.model != b.model and not (a.unnamed or b.unnamed):
        return False
    if a.dataset != b.dataset:
        da, db = DATASETS[a.dataset], DATASETS[b.dataset]
        if not (b.dataset in da.variants or a.dataset in db.variants):
            return False
    return True


def _result_conflicts(rows: list[Row], w: SourceMap) -> list[Conflict]:
    groups: dict[tuple, dict[tuple, _Class]] = defaultdict(dict)
    for row in rows:
        f = _class_fields(row)
        key = (row.model_id, row.dataset, tuple((k, _norm(f.get(k))) for k in FIELDS))
        g = groups[(row.paper.id, DATASETS[row.dataset].family, row.metric)]
        cls = g.get(key)
        if cls is None:
            g[key] = _Class([row], row.model_id, row.dataset, row.unnamed_variant, f)
        else:
            cls.rows.append(row)
    out: list[Conflict] = []
    for (_paper, _family, metric), classes_by_key in groups.items():
        classes = list(classes_by_key.values())
        for c in classes:  # one class, several values: a conflict
            if len(c.rows) > 1:
                equal = [k for k in FIELDS if k not in _IMPLIED and _stated(k, c.fields.get(k))]
                out.append(_conflict(c.rows, "conflict", _basis(equal, []), w, metric))
        for a, b, eq, unk in _compatible_pairs(classes):
            values = {r.value for r in a.rows + b.rows}
            if len(values) < 2 or all(same_value(x.value, y.value) for x in a.rows for y in b.rows):
                continue
            out.append(_conflict(a.rows + b.rows, "possible" if unk else "conflict", _basis(eq, unk), w, metric))
    return out


def _compatible_pairs(classes: list[_Class]):
    """(a, b, equal fields, unknown fields) for every pair of related classes that no field
    both state tells apart, by an inverted index over the fields (no all-pairs comparison)."""
    n = len(classes)
    if n < 2:
        return
    everyone = set(range(n))
    silent: dict[str, set[int]] = defaultdict(set)
    saying: dict[tuple[str, object], set[int]] = defaultdict(set)
    for i, c in enumerate(classes):
        for k in FIELDS:
            v = c.fields.get(k)
            if _stated(k, v):
                saying[(k, _norm(v))].add(i)
            else:
                silent[k].add(i)
    for i, c in enumerate(classes):
        cand = set(everyone)
        for k in FIELDS:
            v = c.fields.get(k)
            if _stated(k, v):
                cand &= saying[(k, _norm(v))] | silent[k]
        for j in sorted(x for x in cand if x > i):
            d = classes[j]
            if not _related(c, d):
                continue
            got = _compare_fields(c.fields, d.fields)
            if got is not None:
                yield c, d, got[0], got[1]


def _conflict(rows: list[Row], status: str, basis: str, w: SourceMap, metric: str) -> Conflict:
    models = sorted({r.model_id for r in rows})
    datasets = sorted({r.dataset for r in rows}, key=lambda d: (bool(DATASETS[d].variants), d))
    model = models[0] if len(models) == 1 else next((r.model_id for r in rows if not r.unnamed_variant), models[0])
    subject = f"{' / '.join(models)}: {metric} on {' / '.join(datasets)}"
    sides = sorted((_side(r, w, with_model=len(models) > 1) for r in rows), key=lambda s: s.line)
    return Conflict("result", model, subject, sides, dataset=datasets[0], metric=metric,
                    status=status, basis=basis)


def _same_number(rows: list[Row], w: SourceMap) -> list[Conflict]:
    """One number attached to two models of one paper, under statements that do not tell them
    apart: often one experiment filed twice (a seed's bare 'RefineNet' and the paper's model)."""
    by_number: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        by_number[(row.paper.id, row.dataset, row.metric, row.value)].append(row)
    out = []
    for (paper, dataset, metric, value), group in by_number.items():
        if len({r.model_id for r in group}) < 2:
            continue
        keep = [r for r in group if any(
            o.model_id != r.model_id and _compare_fields(_row_fields(r), _row_fields(o), lenient_extra=True)
            is not None for o in group)]
        models = sorted({r.model_id for r in keep})
        if len(models) < 2:
            continue
        sides = sorted((_side(r, w, with_model=True) for r in keep), key=lambda s: s.line)
        out.append(Conflict("same-number", None,
                            f"{paper}: {metric} {_fmt(value)} on {dataset} is attached to "
                            f"{len(models)} models ({', '.join(models)})", sides,
                            dataset=dataset, metric=metric, status="possible",
                            basis="the same value for the same dataset and metric"))
    return out


# --------------------------------------------------------------------------- efficiency


def conditions(e: Efficiency) -> tuple:
    return (e.input_size, e.hardware, e.precision, e.batch_size, e.engine, e.dataset,
            e.relative_to, e.includes_aux)


def interval(e: Efficiency) -> tuple[float, float]:
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


def _cond_words(cond: tuple) -> str:
    size, hw, prec, batch, engine, dataset, rel, aux = cond
    words = [x for x in (size, hw, prec, engine, dataset) if x] + ([f"batch {batch}"] if batch else [])
    words += ([f"relative to {rel}"] if rel else []) + ([f"aux heads {'in' if aux else 'out'}"]
                                                       if aux is not None else [])
    return f" [{', '.join(words)}]" if words else " [conditions unstated]"


def _efficiency_conflicts(cat: Catalog, w: SourceMap) -> list[Conflict]:
    eff: dict[tuple, list[tuple[Efficiency, Side]]] = defaultdict(list)
    for i, p in enumerate(cat.papers):
        for j, e in enumerate(p.efficiency):
            side = Side(e.value, e.unit, e.bound, _refs(e.sources), p.id,
                        w.location((i, "efficiency", j)), w.line((i, "efficiency", j, "value")))
            eff[(e.model, e.quantity, *conditions(e))].append((e, side))
    out = []
    for (model, quantity, *cond), claims in eff.items():
        # Sorted by lower end, a claim clashes with another iff some earlier one ends before it
        # starts or it ends before some later one starts: one pass each way (linear after sort).
        ivals = sorted(((interval(e), k) for k, (e, _) in enumerate(claims)), key=lambda x: x[0][0])
        clash: set[int] = set()
        min_hi, min_k = math.inf, -1
        for (lo, hi), k in ivals:
            if min_hi < lo:
                clash.update((k, min_k))
            if hi < min_hi:
                min_hi, min_k = hi, k
        max_lo, max_k = -math.inf, -1
        for (lo, hi), k in reversed(ivals):
            if hi < max_lo:
                clash.update((k, max_k))
            if lo > max_lo:
                max_lo, max_k = lo, k
        if clash:
            out.append(Conflict("efficiency", model, f"{model}: {quantity}{_cond_words(tuple(cond))}",
                                [claims[k][1] for k in sorted(clash)]))
    return out


# --------------------------------------------------------------------------- all of it


def find_conflicts(cat: Catalog, where: SourceMap | None = None, rows: list[Row] | None = None) -> list[Conflict]:
    """Disagreements between sources, and all errata. Not errors: the site shows them."""
    w = _where(where)
    rows = rows if rows is not None else build_rows(cat)
    out = _result_conflicts(rows, w) + _same_number(rows, w) + _efficiency_conflicts(cat, w)
    for i, p in enumerate(cat.papers):
        for j, er in enumerate(p.errata):
            side = Side(None, None, "=", _refs(er.sources), p.id,
                        w.location((i, "errata", j)), w.line((i, "errata", j)))
            out.append(Conflict("erratum", None, f"{p.id}: wrong {er.field} in a source",
                                [side], stated=er.stated, correct=er.correct))
    return out


def link_rows(rows: list[Row], conflicts: list[Conflict]) -> None:
    """Give each row its part in the result conflicts (for a board's ⚠ mark and its reason)."""
    by_id = {r.id: r for r in rows}
    for n, c in enumerate(conflicts):
        if c.kind != "result":
            continue
        for s in c.sides:
            row = by_id.get(s.row or "")
            if row is None:
                continue
            others = tuple(sorted({o.value for o in c.sides if o.row != s.row and o.value != s.value}))
            row.conflicts.append(ConflictLink(c.status, others, c.reason, n))


def extra_data_elsewhere(cat: Catalog) -> dict[int, list[str]]:
    """For each score silent on extra data (keyed by `id(result)`), the extra data another row
    of the same model, dataset and metric states for the same number."""
    groups: dict[tuple, list[Result]] = defaultdict(list)
    for p in cat.papers:
        for r in p.results:
            groups[(r.model, r.dataset, r.metric)].append(r)
    out: dict[int, list[str]] = {}
    for rs in groups.values():
        for r in rs:
            if r.setting.extra_data is None:
                stated = sorted({x for o in rs if o.setting.extra_data and same_value(o.value, r.value)
                                 for x in o.setting.extra_data})
                if stated:
                    out[id(r)] = stated
    return out
