"""Rows: the numbers of a board, each one experiment.

Several sources often transcribe one experiment (a paper's table and a survey copying it). They
become one row only when their values agree after rounding (85.41 and 85.4) and no setting or
protocol field that both state differs; a field one of them leaves unstated takes the other's
statement (their union describes the one experiment). Two numbers from different experiments
are never merged, even when equal.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from catalog.datasets import DATASETS
from catalog.names import model_short_name
from catalog.schema import Catalog, ModelVariant, Paper, Result, Setting
from catalog.sources import grade_of

from . import states
from .protocol import Placement, place

PROTOCOL_FIELDS = ("split", "server", "train_split")


@dataclass(frozen=True)
class Transcription:
    """One result as the catalog holds it, with its position (papers[i].results[j])."""

    paper: Paper
    i: int
    j: int
    result: Result


def same_value(a: float, b: float) -> bool:
    """Equal once the more precise value is rounded like the other (85.41 ~ 85.4)."""
    # repr keeps one decimal for a whole float (50.0), so "50" merges with 50.04, never with 50.4.
    d = max(min(-Decimal(repr(float(x))).as_tuple().exponent for x in (a, b)), 0)
    return round(a, d) == round(b, d)


def _stated(name: str, v) -> bool:
    return v is not None and not (name == "split" and v == "unspecified")


def _norm(v):
    return tuple(sorted(v)) if isinstance(v, list) else v


def _fields(r: Result) -> list[tuple[str, object]]:
    """(field, value) of the protocol and every compared setting, lists as given."""
    return ([(f, getattr(r, f)) for f in PROTOCOL_FIELDS]
            + [(f, getattr(r.setting, f)) for f in Setting.COMPARED])


@dataclass
class Row:
    """One experiment's number on one board, with every transcription of it."""

    id: str
    model_id: str
    model: ModelVariant | None
    paper: Paper                      # the paper declaring the model
    dataset: str
    metric: str
    transcriptions: list[Transcription]
    stated: dict[str, object]         # union of the stated protocol and setting fields
    placement: Placement = field(default_factory=lambda: Placement("unspecified"))
    extra: str = "unknown"
    extra_words: str = ""
    tta: str = "unknown"
    pretraining: str = "unknown"
    grade: str = "secondary"
    conflicts: list = field(default_factory=list)   # ConflictLink, filled by conflicts.link_rows

    # -- identity ---------------------------------------------------------------------------
    @property
    def results(self) -> list[Result]:
        return [t.result for t in self.transcriptions]

    @property
    def result(self) -> Result:
        return self.transcriptions[0].result

    @property
    def value(self) -> float:
        return self.result.value

    @property
    def model_name(self) -> str:
        return model_short_name(self.model) if self.model else self.model_id

    @property
    def implementation(self) -> str | None:
        return self.model.implementation if self.model else None

    @property
    def unnamed_variant(self) -> bool:
        return bool(self.model and self.model.unnamed_variant)

    @property
    def setting(self) -> Setting:
        """The experiment's settings: every field some transcription states."""
        return Setting.model_construct(**{k: v for k, v in self.stated.items() if k in Setting.COMPARED})

    @property
    def split(self) -> str:
        return str(self.stated.get("split") or "unspecified")

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

    @property
    def experiments(self) -> set[str]:
        return {r.experiment for r in self.results if r.experiment}

    def eval_size(self) -> tuple[str | None, str]:
        """(HxW the number was evaluated at, how that is known): the stated test size, else the
        training crop on benchmarks evaluated at crop size (marked), else unknown."""
        s = self.stated
        if s.get("input_size"):
            return str(s["input_size"]), "stated test size"
        if s.get("crop_size") and DATASETS[self.dataset].eval_at_crop:
            return str(s["crop_size"]), "training crop (this benchmark is evaluated at the crop size)"
        return None, "evaluation size not stated"

    def admitted(self, view: states.View) -> bool:
        return view.admits(self.extra, self.tta, self.pretraining, bool(self.implementation),
                           self.placement.assumed)


def _compatible(stated: dict[str, object], r: Result) -> bool:
    return all(not (_stated(k, v) and k in stated and _norm(stated[k]) != _norm(v)) for k, v in _fields(r))


def _merge(stated: dict[str, object], r: Result) -> None:
    for k, v in _fields(r):
        if _stated(k, v):
            stated.setdefault(k, v)


def build_rows(cat: Catalog) -> list[Row]:
    """Every result of the catalog in exactly one row, rows in file order of their first
    transcription. Linear in the number of results: candidates are looked up by model, dataset,
    metric and the value's integer part."""
    owners: dict[str, Paper] = {}
    models: dict[str, ModelVariant] = {}
    for p in cat.papers:
        for m in p.models:
            owners.setdefault(m.id, p)
            models.setdefault(m.id, m)
    rows: list[Row] = []
    buckets: dict[tuple, list[Row]] = defaultdict(list)
    for i, p in enumerate(cat.papers):
        for j, r in enumerate(p.results):
            t = Transcription(p, i, j, r)
            near = [row for b in (int(r.value) - 1, int(r.value), int(r.value) + 1)
                    for row in buckets.get((r.model, r.dataset, r.metric, b), [])]
            for row in near:
                if all(same_value(x.value, r.value) for x in row.results) and _compatible(row.stated, r):
                    row.transcriptions.append(t)
                    _merge(row.stated, r)
                    break
            else:
                stated: dict[str, object] = {}
                _merge(stated, r)
                row = Row("", r.model, models.get(r.model), owners.get(r.model, p), r.dataset, r.metric,
                          [t], stated)
                rows.append(row)
                buckets[(r.model, r.dataset, r.metric, int(r.value))].append(row)
    for row in rows:
        row.placement = place(row.dataset, row.split, row.stated.get("server"))  # type: ignore[arg-type]
    _annotate(rows)
    _assign_ids(rows)
    return rows


def _annotate(rows: list[Row]) -> None:
    """Fair-view states of each row. A row silent on extra data whose number another row of the
    same model and dataset states with extra data counts as using it."""
    with_extra: dict[tuple, list[tuple[float, list[str]]]] = defaultdict(list)
    for row in rows:
        extra = states.extra_beyond(row.dataset, row.stated.get("extra_data"))  # type: ignore[arg-type]
        if extra:
            with_extra[(row.model_id, row.dataset, row.metric)].append((row.value, extra))
    for row in rows:
        s = row.setting
        row.extra = states.extra_state(s, row.dataset)
        if row.extra == "extra":
            row.extra_words = "extra training data: " + ", ".join(
                states.extra_beyond(row.dataset, s.extra_data) or [])
        elif row.extra == "none":
            row.extra_words = "the source states no extra training data"
        else:
            tainted = sorted({d for v, ds in with_extra.get((row.model_id, row.dataset, row.metric), [])
                              if same_value(v, row.value) for d in ds})
            if tainted:
                row.extra = "extra"
                row.extra_words = ("another source reports this number with extra training data: "
                                   + ", ".join(tainted))
            else:
                row.extra_words = "extra training data not stated"
        row.tta = states.tta_state(s)
        row.pretraining = states.pretraining_state(s)
        row.grade = grade_of([src for r in row.results for src in r.sources])


def _slug(text: str) -> str:
    # Model ids run to 64 characters (a zoo config's name): the bound leaves room for the
    # dataset, metric, protocol and value after the longest one.
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:128]


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _assign_ids(rows: list[Row]) -> None:
    used: set[str] = set()
    for row in rows:
        base = _slug(f"{row.model_id}-{row.dataset}-{row.metric}-{row.placement.protocol}-{_fmt(row.value)}")
        rid, n = base, 2
        while rid in used:
            rid, n = f"{base}-{n}", n + 1
        used.add(rid)
        row.id = rid
