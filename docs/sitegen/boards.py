"""Leaderboard pages (one per dataset, VOC 2012 split by extra data) and their index."""

from __future__ import annotations

from catalog.datasets import DATASETS
from catalog.vocab import METRICS

from . import data as D
from . import plots
from .common import code_html, front, h1, paper_link, score_html, setting_badges, short_name, sources_html
from .html import block, esc, ext_link, fmt_num, table

HEADERS = [("Rank", "num"), ("Model", "text"), ("Paper", "text"), ("Year", "num"),
           ("Score", "num"), ("Split", "text"), ("Settings", "text"),
           ("Params (M) claimed / measured", "num"), ("GFLOPs claimed / measured", "num"),
           ("Code", "text"), ("Sources", "text")]


def efficiency_cells(data: D.SiteData, model_id: str) -> tuple[tuple[str, float], tuple[str, float]]:
    m = D.measured(data, model_id)
    cp = D.claims(data, model_id, "params")
    claimed_p = " / ".join(f"{c.bound if c.bound != '=' else ''}{fmt_num(c.base_value() / 1e6, 3)}"
                           for c in cp[:1]) or "–"
    meas_p = fmt_num(m["params_m"], 3) if "params_m" in m else "–"
    p_key = m.get("params_m") or D.claimed_params_m(data, model_id) or -1
    cf = D.claimed_gflops(data, model_id)
    if cf:
        e = cf[1]
        claimed_f = f"{D.fmt_claim(e.value)} {esc(e.unit)}{'MACs' if e.quantity == 'macs' else 'FLOPs'}"
        if e.input_size:
            claimed_f += f" @{esc(e.input_size)}"
    else:
        claimed_f = "–"
    if "gflops" in m:
        size = "x".join(str(v) for v in m["run"].get("input_size") or [])
        meas_f = f"{fmt_num(m['gflops'], 2)} ({fmt_num(m.get('gmacs'), 2)} GMACs) @{esc(size)}"
    else:
        meas_f = "–"
    f_key = m.get("gflops") or (cf[0] if cf else -1)
    return (f"{claimed_p} / {meas_p}", p_key), (f"{claimed_f} / {meas_f}", f_key)


def board_table(data: D.SiteData, board: D.Board, rows: list[D.Row]) -> str:
    rows = sorted(rows, key=lambda r: (-r.result.value, r.model_name))
    out = []
    for rank, row in enumerate(rows, 1):
        params, flops = efficiency_cells(data, row.model_id)
        out.append([
            (str(rank), rank), esc(row.model_name), paper_link(board.page, row.paper, short_name(row.paper)),
            (str(row.paper.year), row.paper.year), score_html(row, board.page),
            esc(row.result.split), setting_badges(row.result), params, flops,
            code_html(row.paper.code, first_only=True),
            sources_html(row.result.sources, board.page)
            + (f'<br><small>{esc(row.result.note)}</small>' if row.result.note else ""),
        ])
    return table(HEADERS, out, "data-board")


def board_page(data: D.SiteData, board: D.Board) -> str:
    ds = DATASETS[board.dataset]
    md = front(board.title, plotly=True, hide=["navigation", "toc"]) + h1(board.title)
    intro = (f"<p>{esc(ds.description)} {ds.num_classes} classes. "
             f"Dataset page: {ext_link(ds.url)}.</p>")
    if board.slug == "voc2012":
        intro += "<p>Results without COCO or JFT pre-training; those are on the " \
                 '<a href="voc2012-extra.html">VOC 2012 + extra data</a> board.</p>'
    intro += ("<p>Scores are as claimed, each with its source. Click a column header to sort. "
              "⚠ marks a number another source reports differently under the same settings. "
              "Params and GFLOPs show the claim (as stated) and our measurement, when we have one.</p>")
    md += block(intro)
    by_metric: dict[str, list[D.Row]] = {}
    for r in board.rows:
        by_metric.setdefault(r.result.metric, []).append(r)
    miou = by_metric.pop("miou", [])
    md += "\n## mIoU\n" + block(board_table(data, board, miou) if miou
                                 else "<p>No mIoU results on this board.</p>")
    for metric, rows in sorted(by_metric.items()):
        md += f"\n## {METRICS[metric].split(' (')[0]}\n" + block(board_table(data, board, rows))
    md += "\n## Plots\n\n" + block(
        "<p>One point per model (its best mIoU here). Hover for details; click a point to open "
        "its paper. The dashed line is the Pareto front. x axes are logarithmic.</p>")
    for axis, name in (("gflops", "mIoU vs GFLOPs"), ("params", "mIoU vs parameters"),
                       ("latency", "mIoU vs measured latency")):
        fig = plots.scatter(data, board, axis)
        md += f"\n### {name}\n"
        md += block(plots.embed(fig, f"plot-{axis}") if not isinstance(fig, int) else
                    f'<p class="sa-few">Too few points for this plot: {fig} model(s) on this '
                    f"board have this quantity (at least {plots.MIN_POINTS} needed).</p>")
    fig = plots.sota(data, board)
    md += "\n### State of the art over time\n"
    md += block(plots.embed(fig, "plot-sota") if not isinstance(fig, int) else
                '<p class="sa-few">Too few points for this plot (models from at least two years needed).</p>')
    return md


def index_page(data: D.SiteData) -> str:
    page = "leaderboards/index.md"
    md = front("Leaderboards") + h1("Leaderboards")
    rows = []
    for b in data.boards:
        best = max((r for r in b.rows if r.result.metric == "miou"), key=lambda r: r.result.value,
                   default=None)
        rows.append([f'<a href="{esc(b.slug)}.html">{esc(b.title)}</a>',
                     (str(len(b.rows)), len(b.rows)),
                     (str(len({r.model_id for r in b.rows})), len({r.model_id for r in b.rows})),
                     (f"{D.fmt_claim(best.result.value)} – {esc(best.model_name)} "
                      f"({paper_link(page, best.paper, str(best.paper.year))})", best.result.value)
                     if best else ("–", -1)])
    md += block("<p>One board per dataset with results. VOC 2012 is split by extra pre-training "
                "data (COCO / JFT), which changes scores by several points.</p>"
                + table([("Board", "text"), ("Results", "num"), ("Models", "num"),
                         ("Best mIoU (claimed)", "num")], rows))
    return md
