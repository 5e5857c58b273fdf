"""Figures for the leaderboards, embedded as inline JSON and drawn by javascripts/plots.js.

Figures are plain plotly JSON (no template: the page's theme colours them, live). One point per
model: its best score among the ranking's rows in the default (fair) view. Compute is taken at
the dataset's canonical size only (catalog.datasets): a measured count at that size (filled
marker) or a claim stated at that size (open marker); anything else is left out and counted in
the caption. Clicking a point opens the paper page (customdata[0], a relative URL from `rel`).
"""

from __future__ import annotations

import math

from markupsafe import Markup

from catalog.compare import states
from catalog.compare.pareto import front as pareto_front
from catalog.datasets import DATASETS

from . import data as D
from .common import short_name
from .html import esc, rel, script_json
from .render import render

MIN_POINTS = 2


def settings_text(row: D.Row) -> str:
    words = {"none": "no extra data", "extra": row.extra_words, "unknown": "extra data not stated"}
    tta = {"single": "single-scale", "tta": "multi-scale/flip", "unknown": "TTA not stated"}
    return f"{words[row.extra]}; {tta[row.tta]}; pre-training: {states.PRETRAINING_STATES[row.pretraining]}"


def best_rows(rk: D.Ranking) -> list[D.Row]:
    """Per model, its best row among the rows of the default view."""
    best: dict[str, D.Row] = {}
    for row in rk.admitted(D.DEFAULT_VIEW):
        if row.model_id not in best or row.value > best[row.model_id].value:
            best[row.model_id] = row
    return list(best.values())


def canonical(dataset: str) -> tuple[int, int] | None:
    return DATASETS[dataset].canonical_size


def x_value(data: D.SiteData, row: D.Row, axis: str, dataset: str) -> dict | None:
    """{'x', 'how' ('measured'|'claimed'), 'text', 'stable'} for one point, or None when the
    model has no value on this axis at the dataset's canonical size (costs: catalog.compare)."""
    size = canonical(dataset)
    if axis == "params":
        c = data.costs.params(row.model_id)
        if c is None:
            return None
        what = ("measured by the bench" if c.how == "measured"
                else f"claimed ({D.fmt_claim(c.claim.value)} {c.claim.unit})")
        return {"x": c.value, "how": c.how, "text": f"{D.sig(c.value)} M parameters, {what}"}
    if not size:
        return None
    sz = D.size_text(size)
    if axis == "gflops":
        c = data.costs.compute(row.model_id, size)
        if c is None:
            return None
        if c.how == "measured":
            text = f"{D.sig(c.value)} GFLOPs at {sz}, measured (1 MAC = 2 FLOPs)"
        else:
            unit = "GMACs, shown x2" if c.macs_doubled else "GFLOPs"
            text = (f"{D.sig(c.value)} GFLOPs at {c.size}, claimed "
                    f"({D.fmt_claim(c.claim.value)} {c.claim.unit} {unit})")
        return {"x": c.value, "how": c.how, "text": text}
    c = data.costs.latency(row.model_id, size)  # our runs only, at the canonical size
    if c is None:
        return None
    run = data.runs[row.model_id]
    unstable = "; the timings never settled (unstable)" if c.stable is False else ""
    return {"x": c.value, "how": "measured", "stable": c.stable,
            "text": f"{D.sig(c.value)} ms median at {c.size} on {c.device}, batch {run.batch}, "
                    f"{run.precision}{unstable}"}


def _hover(row: D.Row, metric: str, extra: str) -> str:
    # Plotly renders a subset of HTML in hover labels: catalog text is escaped first.
    return str(render("hover.html", name=row.model_name, paper=short_name(row.paper), date=date_label(row.paper),
                      metric=metric, value=D.fmt_claim(row.value), settings=settings_text(row), extra=extra))


def _layout(xtitle: str, ytitle: str, xtype: str, xs: list | None = None) -> dict:
    xaxis = {"title": {"text": esc(xtitle)}, "type": xtype, "automargin": True}
    if xtype == "log" and xs:
        xaxis.update(log_ticks(xs))
    return {"height": 420, "margin": {"l": 60, "r": 20, "t": 20, "b": 60},
            "xaxis": xaxis, "yaxis": {"title": {"text": esc(ytitle)}, "automargin": True},
            "hovermode": "closest", "showlegend": True,
            "legend": {"orientation": "h", "y": -0.25},
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def log_ticks(xs: list[float]) -> dict:
    """Ticks of a log axis at 1, 2 and 5 of each decade the data spans, each with its magnitude
    written out ('0.5', '2', '1k'), never plotly's bare minor digits ('2 3 ... 9')."""
    lo, hi = min(xs) / 1.3, max(xs) * 1.3
    vals = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi:
        vals += [m * 10 ** e for m in (1, 2, 5) if lo <= m * 10 ** e <= hi]
        e += 1
    if len(vals) > 9:  # a wide span: decades only
        vals = [v for v in vals if math.isclose(10 ** round(math.log10(v)), v)]
    return {"tickvals": vals, "ticktext": [tick_text(v) for v in vals]}


def tick_text(v: float) -> str:
    """'0.5', '20', '1k', '2k' (short, so a phone's axis need not rotate them)."""
    return f"{v / 1000:g}k" if v >= 1000 else D.sig(v)


def label_positions(xs: list[float], ys: list[float], log_x: bool) -> list[str]:
    """Where each label sits, so that it stays inside the plot: to the left of points in the
    right half, below points near the top."""
    fx = [math.log10(x) for x in xs] if log_x else list(xs)
    x0, x1 = min(fx), max(fx)
    y0, y1 = min(ys), max(ys)
    out = []
    for x, y in zip(fx, ys):
        side = "left" if x1 > x0 and (x - x0) / (x1 - x0) > 0.5 else "right"
        vert = "bottom" if y1 > y0 and (y - y0) / (y1 - y0) > 0.8 else "top"
        out.append(f"{vert} {side}")
    return out


AXES = {
    "gflops": ("compute", "GFLOPs at {size} (log)", "GFLOPs at {size}, the dataset's canonical size; "
               "measured by the bench (filled) or claimed by a source at exactly that size (open; "
               "multiply-add counts doubled). Models without either are left out."),
    "params": ("parameters", "parameters (millions, log)",
               "Parameters in millions; measured by the bench (filled) or claimed (open)."),
    "latency": ("measured latency", "median latency at {size} (ms, log){device}",
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
    for how, symbol, name in (("measured", "circle", "measured by the bench"),
                              ("claimed", "circle-open", "claimed by a source")):
        sel = [(xv, r) for xv, r in pts if xv["how"] == how]
        if not sel:
            continue
        traces.append({
            "type": "scatter", "mode": "markers", "name": name,
            "x": [xv["x"] for xv, _ in sel], "y": [r.value for _, r in sel],
            "marker": {"size": 10, "symbol": symbol, "line": {"width": 2}},
            "customdata": [[rel(page, f"papers/{r.paper.id}.md")] for _, r in sel],
            "hovertext": [_hover(r, metric, xv["text"]) for xv, r in sel], "hoverinfo": "text"})
    on = pareto_front([(k, [xv["x"]], r.value) for k, (xv, r) in enumerate(pts)])
    front = sorted({(pts[k][0]["x"], pts[k][1].value) for k in on})
    names = {(xv["x"], r.value): r.model_name for xv, r in pts}
    traces.append({
        "type": "scatter", "mode": "lines+markers+text", "name": "Pareto front",
        "x": [f[0] for f in front], "y": [f[1] for f in front],
        "text": [esc(names[f]) for f in front],
        "textposition": label_positions([f[0] for f in front], [f[1] for f in front], True),
        "textfont": {"size": 11},
        "line": {"dash": "dash"}, "marker": {"size": 4}, "hoverinfo": "skip", "cliponaxis": False,
        "meta": {"labels": "best-first"}})
    xs = [xv["x"] for xv, _ in pts]
    fig = {"data": traces, "layout": _layout(xtitle.format(size=size, device=_device(data, pts, axis)),
                                             f"{metric} (%)", "log", xs)}
    spec["fig"] = fig
    spec["front"] = front
    return spec


def _device(data: D.SiteData, pts, axis: str) -> str:
    """', on AMD EPYC (2 threads)' when every latency point was measured on one device."""
    if axis != "latency":
        return ""
    devices = {D.device_name(run) + (" CPU" if run.device == "cpu" and "CPU" not in D.device_name(run) else "")
               for run in (data.runs.get(r.model_id) for _, r in pts) if run}
    return f", on {devices.pop()}" if len(devices) == 1 else ", device in each hover"


def _date(p) -> tuple[str, str]:
    """(plot x as a date, label): the paper's first public month (`Paper.first_public`: the arXiv
    id's month, else the stated month), else mid-year of the venue year."""
    year, month = p.first_public
    if month:
        return f"{year}-{month:02d}-15", f"{year}-{month:02d}"
    return f"{year}-07-01", f"{year}"


def date_label(p) -> str:
    return _date(p)[1]


def _today() -> str:
    import datetime

    return datetime.date.today().isoformat()


def sota(data: D.SiteData, rk: D.Ranking, page: str) -> dict:
    """Every model's best score by its paper's date, and the running best. Re-implementations
    are left out: their paper's date is not when they were made."""
    rows = [r for r in best_rows(rk) if not r.implementation]
    metric = metric_name(rk.metric)
    spec = {"points": rows, "left_out": 0, "fig": None,
            "caption": f"Each model's best {metric} in this view by the date its paper first became "
                       "public (the arXiv month where there is one, else mid-year of the venue year); "
                       "the line steps up at each new state of the art, labelled, and runs to the date "
                       "of this build."}
    if len(rows) < MIN_POINTS or len({r.paper.first_public[0] for r in rows}) < 2:
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
         "textposition": [pos.replace("left", "right") if i == 0 else pos for i, pos in enumerate(
             label_positions(list(range(len(steps))), [p["row"].value for p in steps], False))],
         "textfont": {"size": 11},
         "line": {"shape": "hv"}, "hoverinfo": "skip", "cliponaxis": False, "meta": {"labels": "best-first"}},
        # the best so far holds until today: the line runs on to the build date, unlabelled
        {"type": "scatter", "mode": "lines", "name": "state of the art (to date)",
         "x": [steps[-1]["x"], _today()], "y": [steps[-1]["row"].value] * 2,
         "line": {"shape": "hv", "dash": "dot"}, "hoverinfo": "skip", "showlegend": False},
    ]
    spec["fig"] = {"data": traces, "layout": _layout("date of the paper", f"{metric} (%)", "date")}
    spec["steps"] = steps
    return spec


def metric_name(metric: str) -> str:
    from catalog.vocab import METRICS
    return {"miou": "mIoU"}.get(metric, METRICS[metric].split(" (")[0])


def payload(fig: dict) -> Markup:
    return script_json(fig)
