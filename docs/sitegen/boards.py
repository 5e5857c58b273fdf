"""Leaderboard pages: one page per dataset, one ranking per (metric, where it was evaluated).

Rankings, rows, their states and the default view come from `catalog.compare`; this module
only renders them. Extra training data, test-time augmentation, backbone pre-training, an
assumed split, source grade and re-implementations are visible filters; the server renders the
default view (rows outside it are `hidden`) and javascripts/filter.js re-applies the form.
"""

from __future__ import annotations

from catalog.compare import protocol as P
from catalog.compare import states
from catalog.datasets import DATASETS

from . import data as D
from . import plots
from .common import code_html, front, grade_badge, h1, paper_link, score_html, setting_badges, short_name, sources_html  # noqa: E501
from .html import badge, block, esc, ext_link, table

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
    claimed = (f"{'' if claim.bound == '=' else esc(claim.bound)}{D.fmt_claim(round(claim.base_value() / 1e6, 9))}"
               if claim else "–")
    meas = D.sig(m.value) if m else "–"
    key = m.value if m else (c.value if c else None)
    return f"{claimed} / {meas}", key


def _compute_text(c) -> str:
    if c.how == "measured":
        return f"{D.sig(c.value)} measured"
    what = "claimed MACs x2" if c.macs_doubled else "claimed"
    return f'<span class="sa-claimed">{D.sig(c.value)} {what}</span>'


def flops_cell(data: D.SiteData, row: D.Row) -> tuple[str, float | None]:
    """GFLOPs at the dataset's canonical size, and at the row's own evaluation size when that
    differs (a 640-crop score costs more than 512x512 says)."""
    size = DATASETS[row.dataset].canonical_size
    at_canon = D.compute_cost(data, row.model_id, size) if size else None
    own_size, how = row.eval_size()
    text = _compute_text(at_canon) if at_canon else "–"
    if own_size and size and not D.same_size(own_size, size):
        own = D.compute_cost(data, row.model_id, own_size)
        tip = esc(f"at this score's own evaluation size, {own_size} ({how})")
        text += (f'<br><small title="{tip}">at {esc(own_size)}: '
                 + (_compute_text(own) if own else "unknown") + "</small>")
    return text, at_canon.value if at_canon else None


def row_cells(data: D.SiteData, page: str, row: D.Row, rank: int | None) -> list:
    name = esc(row.model_name)
    if row.implementation:
        name += " " + badge(f"re-impl. ({row.implementation})", "reimpl",
                            "a re-implementation, not the paper's own model")
    setting = setting_badges(row.setting, row.dataset, row.pretraining)
    if row.placement.assumed:
        setting = badge("split assumed", "unknown", row.placement.derived or
                        f"split not stated: shown with {row.placement.words} numbers") + " " + setting
    if row.extra == "extra" and not D.extra_beyond(row.dataset, row.setting.extra_data):
        setting = badge("extra data (other source)", "extra", row.extra_words) + " " + setting
    train = row.stated.get("train_split")
    if train:
        setting += " " + badge(f"trained on {train}", "size", "training split")
    if len(row.results) > 1:
        setting += (f' <small title="{len(row.results)} sources transcribe this one experiment; their '
                    f'statements are merged">{len(row.results)} transcriptions</small>')
    links = [code_html(row.paper.code, first_only=True)] if row.paper.code else []
    weights = row.model.weights if row.model else []
    if weights:
        links.append(ext_link(weights[0].url, "weights"))
    paper = (paper_link(page, row.paper, short_name(row.paper)) + f" ({row.paper.year})"
             + (f"<br><small>{' · '.join(links)}</small>" if links else ""))
    return [(str(rank) if rank else "", rank), name, score_html(data, row, page), setting,
            (paper, row.paper.year), params_cell(data, row.model_id),
            flops_cell(data, row),
            grade_badge(row.grade) + " " + sources_html(row.sources, page, compact=True, paper=row.paper)]


def ranking_table(data: D.SiteData, page: str, rk: D.Ranking) -> str:
    out, attrs, rank, last, n = [], [], 0, None, 0
    for row in (r for r in rk.rows if r.id in data.shown):  # sorted best first
        visible = row.admitted(D.DEFAULT_VIEW)
        if visible:
            n += 1
        out.append(row_cells(data, page, row, rk.ranks.get(row.id)))
        attrs.append(f'id="{esc(row.id)}" data-score="{row.value!r}" data-extra="{row.extra}" '
                     f'data-tta="{row.tta}" data-pre="{row.pretraining}" data-grade="{row.grade}" '
                     f'data-split="{"assumed" if row.placement.assumed else "stated"}" '
                     f'data-impl="{"reimpl" if row.implementation else "paper"}"'
                     + ("" if visible else " hidden"))
    caption = f"{plots.metric_name(rk.metric)}, {D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol)}"
    note = ('<p class="sa-empty-note" data-empty-note' + ("" if n == 0 else " hidden")
            + ">No number of this ranking is in the current view: tick more filters above.</p>")
    left = sum(1 for r in rk.rows if r.id not in data.shown)
    if left:
        note += (f'<p class="sa-status">This ranking shows its best {D.MAX_DEFAULT_ROWS} numbers of the '
                 f"default view and its best {D.MAX_OTHER_ROWS} others; {left} more are on their "
                 'papers\' pages and in the <a href="../downloads.html">downloads</a>.</p>')
    assumption = P.assumption_words(rk.dataset) if any(r.placement.assumed for r in rk.rows) else None
    if assumption:
        note = f'<p class="sa-status">Marked "split assumed": {esc(assumption)}.</p>' + note
    return table(headers(rk.dataset), out, "data-board data-filterable data-ranked", attrs,
                 caption=esc(caption), lead=3) + note


_FACET_OF = {"extra": lambda r: r.extra, "tta": lambda r: r.tta, "pre": lambda r: r.pretraining,
             "split": lambda r: "assumed" if r.placement.assumed else "stated", "grade": lambda r: r.grade,
             "impl": lambda r: "reimpl" if r.implementation else "paper"}


def filter_form(board: D.Board) -> str:
    groups = []
    for facet, label, options in FACETS:
        counts: dict[str, int] = {}
        for r in board.rows:
            k = _FACET_OF[facet](r)
            counts[k] = counts.get(k, 0) + 1
        boxes = "".join(f'<label><input type="checkbox" data-facet="{facet}" value="{v}"'
                        f'{" checked" if on else ""}> {esc(text)} <small>({counts.get(v, 0)})</small></label>'
                        for v, text, on in options)
        groups.append(f'<fieldset><legend>{esc(label)}</legend>{boxes}</fieldset>')
    hidden = sum(1 for r in board.rows if not r.admitted(D.DEFAULT_VIEW))
    return (f'<form class="sa-board-filter" aria-label="Filters" onsubmit="return false">'
            f'<p class="sa-default">{esc(DEFAULT_WORDS)}</p>'
            + "".join(groups)
            + '<label class="sa-text">Filter rows <input type="search" data-filter-text '
              'placeholder="model, paper, backbone..."></label>'
            f'<p class="sa-status" data-filter-status aria-live="polite">'
            f"{len(board.rows) - hidden} of {len(board.rows)} rows in the default view.</p></form>")


def plots_html(data: D.SiteData, board: D.Board, rk: D.Ranking, n: int) -> str:
    out = []
    for axis in ("gflops", "params", "latency"):
        spec = plots.scatter(data, rk, axis, D.board_page(board))
        out.append(_figure(spec, f"plot-{rk.id}-{axis}", f"{plots.metric_name(rk.metric)} vs "
                                                               f"{plots.AXES[axis][0]}", rk))
    spec = plots.sota(data, rk, D.board_page(board))
    out.append(_figure(spec, f"plot-{rk.id}-sota", "State of the art over time", rk))
    return "".join(out)


def _figure(spec: dict, div_id: str, title: str, rk: D.Ranking) -> str:
    head = f"<h3>{esc(title)}</h3>"
    if spec["fig"] is None:
        return head + (f'<p class="sa-few">Too few points for this plot: {len(spec["points"])} '
                       f"model(s) in the default view have this quantity (at least {plots.MIN_POINTS} "
                       "needed, and two years for a timeline).</p>")
    left = (f" {spec['left_out']} model(s) in view have no value at this size and are not drawn."
            if spec["left_out"] else "")
    label = f"{title}: {len(spec['points'])} points. The data table follows the plot."
    rows = []
    for pt in spec["points"]:
        if isinstance(pt, tuple):
            xv, row = pt
            rows.append([esc(row.model_name), D.fmt_claim(row.value), esc(xv["text"])])
        else:
            rows.append([esc(pt.model_name), D.fmt_claim(pt.value), esc(plots.date_label(pt.paper))])
    cols = "<tr><th>Model</th><th>Score</th><th>x value</th></tr>"
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (head + f'<figure class="sa-figure">{plots.embed(spec["fig"], div_id, label)}'
            f'<figcaption>{esc(spec["caption"])}{esc(left)} '
            f'<a href="#{div_id}-table">Data of this plot</a>.</figcaption></figure>'
            f'<details id="{div_id}-table"><summary>Data of this plot ({len(rows)} points)</summary>'
            f'<table class="sa-plot-data">{cols}{body}</table></details>')


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
    # Boards are reached from the nav; kept out of the search index, which every page loads.
    meta = {"hide": ["navigation", "toc"], "search": {"exclude": True}}
    if with_plots:
        meta["plotly"] = True
    md = front(board.name, **meta) + h1(board.name)
    size = D.size_text(ds.canonical_size)
    intro = (f"<p>{esc(ds.description)} {ds.num_classes} classes. Dataset page: {ext_link(ds.url)}.</p>"
             "<p>One ranking per metric and evaluation protocol (validation set, official test "
             "server, local test set, or split not stated): numbers from different protocols are "
             "never ranked together. Each experiment's number appears once; sources transcribing the "
             "same experiment are merged, numbers of different experiments never are. "
             "⚠ links to the conflict entry when sources disagree on one experiment; ⚠? marks a "
             "possible conflict (one source leaves a setting unstated), with the reason. ")
    if ds.variants:
        intro += ("These numbers' sources do not say which variant of the benchmark they mean ("
                  + ", ".join(DATASETS[v].name for v in ds.variants) + "): they are ranked apart from both. ")
    if ds.usual_split:
        intro += f"Numbers whose split is not stated are ranked in the {ds.usual_split} ranking, marked, because {esc(ds.usual_split_reason)}. "
    standard = ds.standard_training
    if standard:
        intro += (f"Training on {', '.join(sorted(x.upper() for x in standard))} counts as this "
                  "dataset's usual training set, not as extra data. ")
    if size:
        intro += (f"Compute is compared at {size}, this dataset's canonical size "
                  f"({esc(ds.canonical_size_source or '')}).")
    intro += "</p>"
    toc = "".join(f'<li><a href="#{rk.id}">{esc(plots.metric_name(rk.metric))}, '
                  f'{esc(D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol))}</a> ({len(rk.rows)})</li>'
                  for rk in board.rankings)
    md += block(intro + f"<ul>{toc}</ul>" + filter_form(board))
    for rk in board.rankings:
        title = f"{plots.metric_name(rk.metric)}, {D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol)}"
        md += f'\n<h2 id="{rk.id}">{esc(title)}</h2>\n' + block(ranking_table(data, page, rk))
    if with_plots:
        md += '\n<h2 id="plots">Plots</h2>\n' + block(
            "<p>Drawn from the default view (the filters above do not redraw them): one point per "
            "model, its best score in that view. Hover for details; click a point to open its "
            "paper. Dashed: the Pareto front (no other model is both cheaper and better), labelled. "
            "x axes are logarithmic.</p>")
        for i, rk in enumerate(with_plots):
            title = f"{plots.metric_name(rk.metric)}, {D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol)}"
            md += f"\n<h2>{esc(title)}: plots</h2>\n" + block(plots_html(data, board, rk, i))
    return md


def index_page(data: D.SiteData) -> str:
    page = "leaderboards/index.md"
    md = front("Leaderboards") + h1("Leaderboards")
    rows = []
    for b in data.boards:
        for rk in b.rankings:
            best = rk.best(D.DEFAULT_VIEW)
            rows.append([f'<a href="{esc(b.dataset)}.html#{esc(rk.id)}">{esc(b.name)}</a>',
                         esc(plots.metric_name(rk.metric)),
                         esc(D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol)),
                         (str(len(rk.rows)), len(rk.rows)),
                         (f"{D.fmt_claim(best.value)} – {esc(best.model_name)} "
                          f"({paper_link(page, best.paper, short_name(best.paper))})", best.value)
                         if best else ("–", None)])
    md += block("<p>One board per dataset; on each, one ranking per metric and evaluation protocol. "
                "The best score is the top of the default view. " + esc(D.DEFAULT_VIEW.words()) + "</p>"
                + table([("Board", "text"), ("Metric", "text"), ("Evaluated on", "text"),
                         ("Numbers", "num"), ("Best in the default view", "num")], rows))
    return md
