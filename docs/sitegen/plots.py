"""Plotly figures for the leaderboards, embedded as inline JSON and drawn by javascripts/plots.js.

One point per model (its best score on the page); the Pareto front joins the models that no
other model beats on both accuracy and cost. Clicking a point opens the paper page (the URL is
the point's customdata[0], always a relative URL built by `html.rel`).
"""

from __future__ import annotations

import plotly.graph_objects as go

from . import data as D
from .html import esc, rel

MIN_POINTS = 2


def settings_text(r) -> str:
    s = r.setting
    bits = [f"+{x.upper()}" for x in s.extra_data]
    bits += [name for name, on in (("MS", s.multi_scale), ("flip", s.flip), ("CRF", s.crf)) if on]
    return " ".join(bits) or "none stated"


def best_rows(board: D.Board) -> list[D.Row]:
    """Per model, the row with its best mIoU on this board."""
    best: dict[str, D.Row] = {}
    for row in board.rows:
        if row.result.metric != "miou":
            continue
        cur = best.get(row.model_id)
        if cur is None or row.result.value > cur.result.value:
            best[row.model_id] = row
    return list(best.values())


def pareto(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points not dominated by a cheaper-or-equal, more accurate one (x lower is better)."""
    front, top = [], float("-inf")
    for x, y in sorted(points, key=lambda p: (p[0], -p[1])):
        if y > top:
            front.append((x, y))
            top = y
    return front


def _layout(title: str, xtitle: str, log_x: bool) -> dict:
    return dict(
        title=dict(text=esc(title)), height=420, margin=dict(l=60, r=20, t=50, b=50),
        xaxis=dict(title=dict(text=esc(xtitle)), type="log" if log_x else "linear"),
        yaxis=dict(title=dict(text="mIoU (%)")), hovermode="closest",
        legend=dict(orientation="h", y=-0.2), template="plotly_white",
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
    )


def _hover(row: D.Row, extra: str) -> str:
    # Plotly renders a subset of HTML in hover labels: catalog text is escaped first.
    return (f"<b>{esc(row.model_name)}</b><br>{esc(row.paper.title)} ({row.paper.year})"
            f"<br>mIoU {D.fmt_claim(row.result.value)} ({esc(row.result.split)})"
            f"<br>settings: {esc(settings_text(row.result))}<br>{esc(extra)}")


def scatter(data: D.SiteData, board: D.Board, axis: str) -> go.Figure | int:
    """mIoU vs params / GFLOPs / measured latency; returns the point count when too few."""
    pts = []
    for row in best_rows(board):
        m = D.measured(data, row.model_id)
        if axis == "params":
            x = m.get("params_m") or D.claimed_params_m(data, row.model_id)
            how = "measured" if m.get("params_m") else "claimed"
            extra = f"params {x:.3g} M ({how})" if x else ""
        elif axis == "gflops":
            c = D.claimed_gflops(data, row.model_id)
            x = m.get("gflops") or (c[0] if c else None)
            how = "measured" if m.get("gflops") else (
                f"claimed {c[1].quantity}" + (f" at {c[1].input_size}" if c and c[1].input_size else "")
                if c else "")
            extra = f"{x:.4g} GFLOPs ({how})" if x else ""
        else:
            x = m.get("latency_ms")
            run = m.get("run") or {}
            size = "x".join(str(v) for v in run.get("input_size") or [])
            extra = (f"latency {x:.4g} ms on {(run.get('env') or {}).get('device_name', '?')}, "
                     f"{size}, batch {run.get('batch')}, {run.get('precision')}") if x else ""
        if x:
            pts.append((x, row, extra))
    if len(pts) < MIN_POINTS:
        return len(pts)
    titles = {"params": ("mIoU vs parameters", "parameters (M, log)"),
              "gflops": ("mIoU vs compute", "GFLOPs (log; measured where we have it, MAC claims x2)"),
              "latency": ("mIoU vs measured latency", "median latency (ms, log; our runs)")}
    title, xtitle = titles[axis]
    fig = go.Figure(layout=_layout(title, xtitle, log_x=True))
    fig.add_trace(go.Scatter(
        x=[p[0] for p in pts], y=[p[1].result.value for p in pts], mode="markers",
        name="models", marker=dict(size=10),
        customdata=[[rel(board.page, f"papers/{p[1].paper.id}.md")] for p in pts],
        hovertext=[_hover(p[1], p[2]) for p in pts], hoverinfo="text"))
    front = pareto([(p[0], p[1].result.value) for p in pts])
    fig.add_trace(go.Scatter(x=[f[0] for f in front], y=[f[1] for f in front], mode="lines",
                             name="Pareto front", line=dict(dash="dash"), hoverinfo="skip"))
    return fig


def sota(data: D.SiteData, board: D.Board) -> go.Figure | int:
    """Every model's best score by paper year, and the running best (state of the art)."""
    rows = best_rows(board)
    years = sorted({r.paper.year for r in rows})
    if len(rows) < MIN_POINTS or len(years) < 2:
        return len(rows)
    fig = go.Figure(layout=_layout("State of the art over time", "paper year", log_x=False))
    fig.add_trace(go.Scatter(
        x=[r.paper.year for r in rows], y=[r.result.value for r in rows], mode="markers",
        name="models", marker=dict(size=9),
        customdata=[[rel(board.page, f"papers/{r.paper.id}.md")] for r in rows],
        hovertext=[_hover(r, "") for r in rows], hoverinfo="text"))
    best, xs, ys = float("-inf"), [], []
    for y in years:
        best = max(best, max(r.result.value for r in rows if r.paper.year == y))
        xs.append(y)
        ys.append(best)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(shape="hv"),
                             name="state of the art", hoverinfo="skip"))
    fig.update_xaxes(dtick=1)
    return fig


def embed(fig: go.Figure, div_id: str) -> str:
    """A plot container plus its figure as inline JSON, with `</` escaped for <script>."""
    payload = fig.to_json().replace("</", "<\\/").replace("<!--", "<\\u0021--")
    return (f'<div class="sa-plot" id="{div_id}"></div>\n'
            f'<script type="application/json" id="{div_id}-data">{payload}</script>')
