"""Leaderboard pages: one page per dataset, one ranking per (metric, where it was evaluated).

Rankings, rows, their states and the default view come from `catalog.compare`; this module
only renders them. Extra training data, test-time augmentation, backbone pre-training, an
assumed split, source grade and re-implementations are visible filters; the server renders the
default view (rows outside it are `hidden`) and javascripts/filter.js re-applies the form.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from catalog.compare import protocol as P
from catalog.compare import states
from catalog.datasets import DATASETS

from . import data as D
from . import plots
from .common import (
    code_html,
    front,
    grade_badge,
    paper_link,
    piece,
    score_html,
    setting_items,
    short_name,
    sources_html,
)
from .html import a, attr, badge, ext_link, table
from .render import render


def _facet(facet: str, admitted: frozenset[str]) -> list[tuple[str, str, bool]]:
    return [(k, w + ("" if k != "unknown" else " ?"), k in admitted) for k, w in states.SHORT[facet].items()]


V = states.DEFAULT_VIEW
FACETS = [
    ("extra", "Extra training data", _facet("extra", V.extra)),
    ("tta", "Test-time augmentation", _facet("tta", V.tta)),
    ("pre", "Backbone pre-training", _facet("pretraining", V.pretraining)),
    ("split", "Split", [("stated", "stated", True), ("assumed", "usual split, assumed", V.assumed_split)]),
    ("grade", "Source", [("primary", "primary (paper, official code)", True),
                         ("secondary", "secondary only (surveys, copies)", True)]),
    ("impl", "Implementation", [("paper", "the paper's model", True),
                                ("reimpl", "re-implementations", V.reimplementations)]),
]
DEFAULT_WORDS = ("Default view, the comparison a reviewer would accept as fair. " + V.words()
                 + " Rows silent on a setting are shown and marked ?. A number some source reports "
                   "with extra data counts as using it.")


def headers(dataset: str) -> list[tuple]:
    size = D.size_text(DATASETS[dataset].canonical_size)
    return [("Rank", "num"), ("Model", "text"), ("Score", "num"), ("Settings", "text"),
            ("Paper", "text"), ("Params (M) claimed / measured", "num"),
            (f"GFLOPs at {size}" if size else "GFLOPs", "num"), ("Sources", "text")]


def params_cell(data: D.SiteData, model_id: str) -> tuple[str, float | None]:
    m = D.params_cost(data, model_id, measured_only=True)
    c = data.costs.params(model_id) if m is None else None
    claim = next((e for e in data.claims(model_id, "params") if e.relative_to is None), None)
    claimed = (f"{'' if claim.bound == '=' else claim.bound}{D.fmt_claim(round(claim.base_value() / 1e6, 9))}"
               if claim else "–")
    meas = D.sig(m.value) if m else "–"
    key = m.value if m else (c.value if c else None)
    return f"{claimed} / {meas}", key


def _compute_text(c) -> str | Markup:
    if c.how == "measured":
        return f"{D.sig(c.value)} measured"
    return piece("claimed")(f"{D.sig(c.value)} {'claimed MACs x2' if c.macs_doubled else 'claimed'}")


def flops_cell(data: D.SiteData, row: D.Row) -> tuple[Markup, float | None]:
    """GFLOPs at the dataset's canonical size, and at the row's own evaluation size when that
    differs (a 640-crop score costs more than 512x512 says)."""
    size = DATASETS[row.dataset].canonical_size
    at_canon = D.compute_cost(data, row.model_id, size) if size else None
    own_size, how = row.eval_size()
    lines = [_compute_text(at_canon) if at_canon else "–"]
    if own_size and size and not D.same_size(own_size, size):
        own = D.compute_cost(data, row.model_id, own_size)
        lines.append(piece("small")(Markup("at {}: {}").format(own_size, _compute_text(own) if own else "unknown"),
                                    f"at this score's own evaluation size, {own_size} ({how})"))
    return piece("lines")(lines), at_canon.value if at_canon else None


def row_cells(data: D.SiteData, page: str, row: D.Row, rank: int | None) -> list:
    name = [row.model_name]
    if row.implementation:
        name.append(badge(f"re-impl. ({row.implementation})", "reimpl", "a re-implementation, not the paper's own model"))
    items = setting_items(row.setting, row.dataset, row.pretraining)
    if row.extra == "extra" and not D.extra_beyond(row.dataset, row.setting.extra_data):
        items.insert(0, ("extra data (other source)", "extra", row.extra_words))
    if row.placement.assumed:
        items.insert(0, ("split assumed", "unknown", row.placement.derived or
                         f"split not stated: shown with {row.placement.words} numbers"))
    train = row.stated.get("train_split")
    if train:
        items.append((f"trained on {train}", "size", "training split"))
    setting = piece("badges")(items)
    if len(row.results) > 1:  # visible words, not a tooltip only
        setting += Markup(" ") + piece("small")(f"merged from {len(row.results)} transcriptions of this experiment",
                                                f"{len(row.results)} sources transcribe this one experiment; "
                                                "their statements are merged")
    links = [code_html(row.paper.code, first_only=True)] if row.paper.code else []
    weights = row.model.weights if row.model else []
    if weights:
        links.append(ext_link(weights[0].url, "weights"))
    paper = piece("lines")([paper_link(page, row.paper, short_name(row.paper)) + Markup(f" ({row.paper.year})")]
                           + ([piece("small")(Markup(" · ").join(links))] if links else []))
    return [(str(rank) if rank else "", rank), Markup(" ").join(escape(x) for x in name), score_html(data, row, page),
            setting, (paper, row.paper.year), params_cell(data, row.model_id), flops_cell(data, row),
            grade_badge(row.grade) + Markup(" ") + sources_html(row.sources, page, compact=True, paper=row.paper)]


def ranking_table(data: D.SiteData, page: str, rk: D.Ranking) -> str:
    out, attrs = [], []
    for row in (r for r in rk.rows if r.id in data.shown):  # sorted best first
        out.append(row_cells(data, page, row, rk.ranks.get(row.id)))
        attrs.append(attr(id=row.id, score=repr(row.value), extra=row.extra, tta=row.tta, pre=row.pretraining,
                          grade=row.grade, split="assumed" if row.placement.assumed else "stated",
                          impl="reimpl" if row.implementation else "paper", hidden=not row.admitted(D.DEFAULT_VIEW)))
    return table(headers(rk.dataset), out, "data-board data-filterable data-ranked", attrs,
                 caption=ranking_title(rk), lead=3)


def ranking_title(rk: D.Ranking) -> str:
    return f"{plots.metric_name(rk.metric)}, {D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol)}"


_FACET_OF = {"extra": lambda r: r.extra, "tta": lambda r: r.tta, "pre": lambda r: r.pretraining,
             "split": lambda r: "assumed" if r.placement.assumed else "stated", "grade": lambda r: r.grade,
             "impl": lambda r: "reimpl" if r.implementation else "paper"}


def facet_boxes(board: D.Board) -> list[tuple[str, list[tuple]]]:
    """(legend, [(facet, value, text, checked, count)]) per filter group, for board.md."""
    groups = []
    for facet, label, options in FACETS:
        counts: dict[str, int] = {}
        for r in board.rows:
            k = _FACET_OF[facet](r)
            counts[k] = counts.get(k, 0) + 1
        groups.append((label, [(facet, v, text, on, counts.get(v, 0)) for v, text, on in options]))
    return groups


def figures(data: D.SiteData, board: D.Board, rk: D.Ranking) -> list[dict]:
    """The four plots of a ranking, as board.md draws them (figure JSON, caption, data table)."""
    out = []
    specs = [(axis, plots.scatter(data, rk, axis, D.board_page(board)),
              f"{plots.metric_name(rk.metric)} vs {plots.AXES[axis][0]}") for axis in ("gflops", "params", "latency")]
    specs.append(("sota", plots.sota(data, rk, D.board_page(board)), "State of the art over time"))
    for axis, spec, title in specs:
        rows = []
        for pt in spec["points"]:
            if isinstance(pt, tuple):
                xv, row = pt
                rows.append((row.model_name, D.fmt_claim(row.value), xv["text"]))
            else:
                rows.append((pt.model_name, D.fmt_claim(pt.value), plots.date_label(pt.paper)))
        out.append({"id": f"plot-{rk.id}-{axis}", "title": title, "fig": spec["fig"], "points": spec["points"],
                    "caption": spec["caption"], "left_out": spec["left_out"], "rows": rows,
                    "payload": plots.payload(spec["fig"]) if spec["fig"] is not None else None})
    return out


def has_plot(data: D.SiteData, board: D.Board) -> bool:
    return bool(board_plots(data, board))


def board_plots(data: D.SiteData, board: D.Board) -> list[D.Ranking]:
    """The rankings that get plots: mIoU rankings with at least two models in the default view."""
    return [rk for rk in board.rankings
            if rk.metric == "miou" and len(plots.best_rows(rk)) >= plots.MIN_POINTS]


def board_page(data: D.SiteData, board: D.Board) -> str:
    ds = DATASETS[board.dataset]
    page = D.board_page(board)
    with_plots = board_plots(data, board)
    # Boards are reached from the nav and found by the search's own entry (sitegen/search.py);
    # the page itself is kept out of the search index, which every page loads.
    meta = {"hide": ["navigation", "toc"], "search": {"exclude": True}}
    if with_plots:
        meta["plotly"] = True
    rankings = []
    for rk in board.rankings:
        rankings.append({"id": rk.id, "title": ranking_title(rk), "n": len(rk.rows),
                         "table": ranking_table(data, page, rk),
                         "in_view": any(r.admitted(D.DEFAULT_VIEW) and r.id in data.shown for r in rk.rows),
                         "left": sum(1 for r in rk.rows if r.id not in data.shown),
                         "assumption": P.assumption_words(rk.dataset) if any(r.placement.assumed for r in rk.rows)
                         else None})
    hidden = sum(1 for r in board.rows if not r.admitted(D.DEFAULT_VIEW))
    return render("board.md", front=front(board.name, **meta), board=board, ds=ds,
                  variants=[DATASETS[v].name for v in ds.variants],
                  standard=sorted(x.upper() for x in ds.standard_training or ()),
                  size=D.size_text(ds.canonical_size), rankings=rankings, default_words=DEFAULT_WORDS,
                  facets=facet_boxes(board), in_view=len(board.rows) - hidden, total=len(board.rows),
                  max_default=D.MAX_DEFAULT_ROWS, max_other=D.MAX_OTHER_ROWS, min_points=plots.MIN_POINTS,
                  plots=[(ranking_title(rk), figures(data, board, rk)) for rk in with_plots])


def index_page(data: D.SiteData) -> str:
    page = "leaderboards/index.md"
    rows = []
    for b in data.boards:
        for rk in b.rankings:
            best = rk.best(D.DEFAULT_VIEW)
            rows.append([a(f"{b.dataset}.html#{rk.id}", b.name), plots.metric_name(rk.metric),
                         D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol), (str(len(rk.rows)), len(rk.rows)),
                         (Markup("{} – {} ({})").format(D.fmt_claim(best.value), best.model_name,
                                                        paper_link(page, best.paper, short_name(best.paper))),
                          best.value) if best else ("–", None)])
    return render("boards_index.md", front=front("Leaderboards"), default_words=D.DEFAULT_VIEW.words(),
                  table=table([("Board", "text"), ("Metric", "text"), ("Evaluated on", "text"),
                               ("Numbers", "num"), ("Best in the default view", "num")], rows))
