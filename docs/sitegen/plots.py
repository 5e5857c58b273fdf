"""Figures for the leaderboards, embedded as inline JSON and drawn by javascripts/plots.js.

Figures are plain plotly JSON (no template: the page's theme colours them, live). One point per
model: its best score among the ranking's rows in the default (fair) view. Compute is taken at
the dataset's canonical size only (catalog.datasets): a measured count at that size (filled
marker) or a claim stated at that size (open marker); anything else is left out and counted in
the caption. Clicking a point opens the paper page (customdata[0], a relative URL from `rel`).
"""

from __future__ import annotations

import json

from catalog.datasets import DATASETS

from . import data as D
from .common import short_name
from .html import esc, fmt_num, rel

MIN_POINTS = 2


def settings_text(row: D.Row) -> str:
    words = {"none": "no extra data", "extra": row.extra_words, "unknown": "extra data not stated"}
    tta = {"single": "single-scale", "tta": "multi-scale/flip", "unknown": "TTA not stated"}
    return f"{words[row.extra]}; {tta[row.tta]}"


def best_rows(rk: D.Ranking) -> list[D.Row]:
    """Per model, its best row among the rows of the default view."""
    best: dict[str, D.Row] = {}
    for row in rk.rows:
        if row.default_visible() and (row.model_id not in best or row.value > best[row.model_id].value):
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


def canonical(dataset: str) -> tuple[int, int] | None:
    return DATASETS[dataset].canonical_size


def x_value(data: D.SiteData, row: D.Row, axis: str, dataset: str) -> dict | None:
    """{'x', 'how' ('measured'|'claimed'), 'text'} for one point, or None when the model has
    no value on this axis at the dataset's canonical size."""
    size = canonical(dataset)
    run = data.runs.get(row.model_id)
    if axis == "params":
        total = ((run or {}).get("params") or {}).get("total")
        if total:
            return {"x": total / 1e6, "how": "measured",
                    "text": f"{fmt_num(total / 1e6, 3)} M parameters, measured by the bench"}
        c = D.claimed_params_m(data, row.model_id)
        if c:
            return {"x": c[0], "how": "claimed",
                    "text": f"{fmt_num(c[0], 3)} M parameters, claimed ({D.fmt_claim(c[1].value)} {c[1].unit})"}
        return None
    if not size:
        return None
    sz = D.size_text(size)
    if axis == "gflops":
        m = D.measured_flops_at(run, size)
        if m:
            return {"x": m["gflops"], "how": "measured",
                    "text": f"{fmt_num(m['gflops'], 4)} GFLOPs at {sz}, measured "
                            f"({fmt_num(m.get('gmacs'), 4)} GMACs; 1 MAC = 2 FLOPs)"}
        c = D.claimed_gflops_at(data, row.model_id, size)
        if c:
            e = c[1]
            unit = "GMACs, shown x2" if e.quantity == "macs" else "GFLOPs"
            return {"x": c[0], "how": "claimed",
                    "text": f"{fmt_num(c[0], 4)} GFLOPs at {e.input_size}, claimed "
                            f"({D.fmt_claim(e.value)} {e.unit} {unit})"}
        return None
    # latency: our runs only, at the canonical size
    if run and (run.get("latency") or {}).get("median_ms") and D.same_size(run.get("input_size"), size):
        ms = run["latency"]["median_ms"]
        return {"x": ms, "how": "measured",
                "text": f"{fmt_num(ms, 4)} ms median at {D.size_text(run.get('input_size'))} on "
                        f"{D.device_name(run)}, batch {run.get('batch')}, {run.get('precision')}"}
    return None


def _hover(row: D.Row, metric: str, extra: str) -> str:
    # Plotly renders a subset of HTML in hover labels: catalog text is escaped first.
    return (f"<b>{esc(row.model_name)}</b><br>{esc(short_name(row.paper))} ({row.paper.year})"
            f"<br>{esc(metric)} {D.fmt_claim(row.value)}<br>{esc(settings_text(row))}"
            + (f"<br>{esc(extra)}" if extra else ""))


def _layout(xtitle: str, ytitle: str, xtype: str) -> dict:
    return {"height": 420, "margin": {"l": 60, "r": 20, "t": 20, "b": 60},
            "xaxis": {"title": {"text": esc(xtitle)}, "type": xtype, "automargin": True},
            "yaxis": {"title": {"text": esc(ytitle)}, "automargin": True},
            "hovermode": "closest", "showlegend": True,
            "legend": {"orientation": "h", "y": -0.25},
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


AXES = {
    "gflops": ("compute", "GFLOPs at {size} (log)", "GFLOPs at {size}, the dataset's canonical size; "
               "measured by the bench (filled) or claimed by a source at exactly that size (open; "
               "multiply-add counts doubled). Models without either are left out."),
    "params": ("parameters", "parameters (millions, log)",
               "Parameters in millions; measured by the bench (filled) or claimed (open)."),
    "latency": ("measured latency", "median latency at {size} (ms, log)",
                "Median latency of our bench runs at {size} (batch 1), on the device named in each "
                "hover. Claimed speeds are not plotted: they come from other hardware."),
}


def scatter(data: D.SiteData, rk: D.Ranking, axis: str, page: str) -> dict:
    """A figure spec {'fig', 'points', 'caption', 'left_out'}; 'fig' is None when too few points."""
    metric = metric_name(rk.metric)
    size = D.size_text(canonical(rk.dataset)) or "?"
    pts, left_out = [], 0
    for row in best_rows(rk):
        xv = x_value(data, row, axis, rk.dataset)
        if xv:
            pts.append((xv, row))
        else:
            left_out += 1
    _, xtitle, caption = AXES[axis]
    caption = caption.format(size=size)
    spec = {"points": pts, "left_out": left_out, "caption": caption, "fig": None}
    if len(pts) < MIN_POINTS:
        return spec
    traces = []
    for how, symbol in (("measured", "circle"), ("claimed", "circle-open")):
        sel = [(xv, r) for xv, r in pts if xv["how"] == how]
        if not sel:
            continue
        traces.append({
            "type": "scatter", "mode": "markers", "name": f"{how} x",
            "x": [xv["x"] for xv, _ in sel], "y": [r.value for _, r in sel],
            "marker": {"size": 10, "symbol": symbol, "line": {"width": 2}},
            "customdata": [[rel(page, f"papers/{r.paper.id}.md")] for _, r in sel],
            "hovertext": [_hover(r, metric, xv["text"]) for xv, r in sel], "hoverinfo": "text"})
    front = pareto([(xv["x"], r.value) for xv, r in pts])
    names = {(xv["x"], r.value): r.model_name for xv, r in pts}
    traces.append({
        "type": "scatter", "mode": "lines+markers+text", "name": "Pareto front",
        "x": [f[0] for f in front], "y": [f[1] for f in front],
        "text": [esc(names[f]) for f in front],
        "textposition": ["top right" if i == 0 else "top left" for i in range(len(front))],
        "line": {"dash": "dash"}, "marker": {"size": 4}, "hoverinfo": "skip", "cliponaxis": False})
    fig = {"data": traces, "layout": _layout(xtitle.format(size=size), f"{metric} (%)", "log")}
    spec["fig"] = fig
    spec["front"] = front
    return spec


def _date(p) -> tuple[str, str]:
    """(plot x as a date, label): the month of first publication where the catalog has it."""
    month = getattr(p, "month", None)
    if month:
        return f"{p.year}-{month:02d}-15", f"{p.year}-{month:02d}"
    return f"{p.year}-07-01", f"{p.year}"


def sota(data: D.SiteData, rk: D.Ranking, page: str) -> dict:
    """Every model's best score by its paper's date, and the running best. Re-implementations
    are left out: their paper's date is not when they were made."""
    rows = [r for r in best_rows(rk) if not r.implementation]
    metric = metric_name(rk.metric)
    spec = {"points": rows, "left_out": 0, "fig": None,
            "caption": f"Each model's best {metric} in this view by the date of its paper "
                       "(month of first publication where the catalog has it, else mid-year); "
                       "the line steps up at each new state of the art, labelled."}
    if len(rows) < MIN_POINTS or len({r.paper.year for r in rows}) < 2:
        return spec
    rows = sorted(rows, key=lambda r: (_date(r.paper)[0], -r.value))
    pts = [{"x": _date(r.paper)[0], "label": _date(r.paper)[1], "row": r} for r in rows]
    steps, best = [], float("-inf")
    for pt in pts:
        if pt["row"].value > best:
            best = pt["row"].value
            steps.append(pt)
    traces = [
        {"type": "scatter", "mode": "markers", "name": "models",
         "x": [p["x"] for p in pts], "y": [p["row"].value for p in pts], "marker": {"size": 9},
         "customdata": [[rel(page, f"papers/{p['row'].paper.id}.md")] for p in pts],
         "hovertext": [_hover(p["row"], metric, f"published {p['label']}") for p in pts],
         "hoverinfo": "text"},
        {"type": "scatter", "mode": "lines+markers+text", "name": "state of the art",
         "x": [p["x"] for p in steps], "y": [p["row"].value for p in steps],
         "text": [esc(f"{p['row'].model_name} ({p['label']})") for p in steps],
         "textposition": ["top right" if i == 0 else "top left" for i in range(len(steps))],
         "line": {"shape": "hv"}, "hoverinfo": "skip", "cliponaxis": False},
    ]
    spec["fig"] = {"data": traces, "layout": _layout("date of the paper", f"{metric} (%)", "date")}
    spec["steps"] = steps
    return spec


def metric_name(metric: str) -> str:
    from catalog.vocab import METRICS
    return {"miou": "mIoU"}.get(metric, METRICS[metric].split(" (")[0])


def embed(fig: dict, div_id: str, label: str) -> str:
    """A plot container plus its figure as inline JSON, with `</` escaped for <script>."""
    payload = json.dumps(fig, separators=(",", ":"), ensure_ascii=False)
    payload = payload.replace("</", "<\\/").replace("<!--", "<\\u0021--")
    return (f'<div class="sa-plot" id="{div_id}" role="img" aria-label="{esc(label)}"></div>\n'
            f'<script type="application/json" id="{div_id}-data">{payload}</script>')
