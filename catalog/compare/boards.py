"""Rankings: one per dataset, metric and protocol, built from rows (see `rows`), ranked best
first, with the default view's ranks. `catalog board` prints them; the site renders them.

A number whose split its source does not state is ranked in the dataset's usual split when the
registry states one (marked `assumed`, excludable), else in a "split not stated" ranking.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from catalog.datasets import DATASETS
from catalog.load import SourceMap
from catalog.schema import Catalog, Setting

from . import protocol, states
from .conflicts import Conflict, find_conflicts, link_rows
from .costs import Costs, Measured, size_key
from .protocol import assumption_words
from .rows import PROTOCOL_FIELDS, Row, build_rows


@dataclass
class Ranking:
    dataset: str
    metric: str
    protocol: str
    rows: list[Row] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)  # row id -> rank in the default view

    @property
    def id(self) -> str:
        return f"{self.metric}-{self.protocol}"

    @property
    def words(self) -> str:
        return protocol.WORDS.get(self.protocol, self.protocol)

    def admitted(self, view: states.View = states.DEFAULT_VIEW) -> list[Row]:
        return [r for r in self.rows if r.admitted(view)]

    def best(self, view: states.View = states.DEFAULT_VIEW) -> Row | None:
        rows = self.admitted(view)
        return rows[0] if rows else None

    def counts(self) -> dict[str, Counter]:
        """How many rows each state of each facet has (shown beside the filters)."""
        return {"extra": Counter(r.extra for r in self.rows), "tta": Counter(r.tta for r in self.rows),
                "pretraining": Counter(r.pretraining for r in self.rows),
                "impl": Counter("reimpl" if r.implementation else "paper" for r in self.rows),
                "split": Counter("assumed" if r.placement.assumed else "stated" for r in self.rows)}


@dataclass
class Board:
    dataset: str
    rankings: list[Ranking] = field(default_factory=list)

    @property
    def name(self) -> str:
        return DATASETS[self.dataset].name

    @property
    def rows(self) -> list[Row]:
        return [r for k in self.rankings for r in k.rows]

    def ranking(self, metric: str, proto: str) -> Ranking | None:
        return next((k for k in self.rankings if k.metric == metric and k.protocol == proto), None)


@dataclass
class Comparison:
    """Everything compared once: rows, conflicts, boards, costs (the site and CLI share it)."""

    catalog: Catalog
    rows: list[Row]
    conflicts: list[Conflict]
    boards: list[Board]
    costs: Costs

    def board(self, dataset: str) -> Board | None:
        return next((b for b in self.boards if b.dataset == dataset), None)


def compare_catalog(cat: Catalog, measured: dict[str, Measured] | None = None,
                    where: SourceMap | None = None) -> Comparison:
    rows = build_rows(cat)
    conflicts = find_conflicts(cat, where, rows)
    link_rows(rows, conflicts)
    return Comparison(cat, rows, conflicts, build_boards(rows), Costs(cat, measured))


def build_boards(rows: list[Row], view: states.View = states.DEFAULT_VIEW) -> list[Board]:
    boards: dict[str, Board] = {}
    rankings: dict[tuple[str, str, str], Ranking] = {}
    for row in rows:
        key = (row.dataset, row.metric, row.placement.protocol)
        rk = rankings.get(key)
        if rk is None:
            rk = rankings[key] = Ranking(*key)
            boards.setdefault(row.dataset, Board(row.dataset)).rankings.append(rk)
        rk.rows.append(row)
    for rk in rankings.values():
        rk.rows.sort(key=lambda r: (-r.value, r.model_name, r.id))
        n, last, rank = 0, None, 0
        for r in rk.rows:
            if r.admitted(view):
                n += 1
                if r.value != last:
                    rank, last = n, r.value
                rk.ranks[r.id] = rank
    order = list(DATASETS)
    for b in boards.values():
        b.rankings.sort(key=lambda k: (k.metric != "miou", k.metric,
                                       protocol.ORDER.index(k.protocol) if k.protocol in protocol.ORDER else 99))
    return sorted(boards.values(), key=lambda b: order.index(b.dataset))


# --------------------------------------------------------------------------- as data


def _cost(c) -> dict | None:
    if c is None:
        return None
    out = {"value": round(c.value, 6), "how": c.how}
    if c.size:
        out["size"] = c.size
    if c.claim is not None:
        out["claimed"] = {"value": c.claim.value, "unit": c.claim.unit, "quantity": c.claim.quantity,
                          "bound": c.claim.bound}
    if c.macs_doubled:
        out["macs_doubled"] = True
    if c.stable is not None:
        out["stable"] = c.stable
    return out


def row_dict(row: Row, rk: Ranking, costs: Costs) -> dict:
    """One row as plain data: what `catalog board --json` prints and the site's API serves."""
    size, size_how = row.eval_size()
    canonical = DATASETS[row.dataset].canonical_size
    own = costs.compute(row.model_id, size) if size else None
    at_canonical = costs.compute(row.model_id, canonical) if canonical else None
    return {
        "id": row.id, "rank": rk.ranks.get(row.id), "model": row.model_id, "model_name": row.model_name,
        "paper": row.paper.id, "value": row.value, "metric": row.metric, "dataset": row.dataset,
        "protocol": row.placement.protocol, "split_assumed": row.placement.assumed,
        "server_derived": row.placement.derived,
        "split_note": assumption_words(row.dataset) if row.placement.assumed else None,
        # every compared field, null where no source states it (unknown is not "none")
        "settings": _plain({f: row.stated.get(f) for f in (*PROTOCOL_FIELDS, *Setting.COMPARED)}),
        "states": {"extra": row.extra, "tta": row.tta, "pretraining": row.pretraining},
        "extra_words": row.extra_words, "default_view": row.admitted(states.DEFAULT_VIEW),
        "grade": row.grade, "implementation": row.implementation, "unnamed_variant": row.unnamed_variant,
        "transcriptions": len(row.transcriptions), "experiments": sorted(row.experiments),
        "sources": [{"ref": s.ref, "where": s.where, "url": s.url} for s in row.sources],
        "conflicts": [{"status": c.status, "others": list(c.others), "reason": c.reason} for c in row.conflicts],
        "eval_size": {"size": size, "how": size_how},
        "costs": {"params": _cost(costs.params(row.model_id)),
                  "gflops_own_size": _cost(own),
                  "gflops_canonical": _cost(at_canonical),
                  "canonical_size": "x".join(map(str, canonical)) if canonical else None},
    }


def _plain(d: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def board_dict(board: Board, costs: Costs, proto: str | None = None) -> dict:
    ds = DATASETS[board.dataset]
    return {
        "dataset": board.dataset, "name": ds.name, "num_classes": ds.num_classes,
        "canonical_size": "x".join(map(str, ds.canonical_size)) if ds.canonical_size else None,
        "usual_split": ds.usual_split, "usual_split_reason": ds.usual_split_reason,
        "default_view": states.DEFAULT_VIEW.words(),
        "rankings": [{"id": rk.id, "metric": rk.metric, "protocol": rk.protocol, "protocol_words": rk.words,
                      "rows": [row_dict(r, rk, costs) for r in rk.rows]}
                     for rk in board.rankings if proto is None or rk.protocol == proto],
    }


def same_size(a, b) -> bool:
    return size_key(a) is not None and size_key(a) == size_key(b)
