"""The model chooser: pick a dataset and protocol, set budgets, see the models that fit.

The page carries its data as inline JSON (one entry per mIoU ranking: each model's best score
in the board's default view, its params, its GFLOPs at the dataset's canonical size and its
measured latency at that size, each with how it was obtained and the verdict of the matching
claim); javascripts/chooser.js filters and ranks client-side, offline, and keeps the choices in
the URL (?ds=cityscapes&proto=val&params=10&gflops=100&latency=&measured=0&all=0).
"""

from __future__ import annotations

from catalog.compare import choose
from catalog.datasets import DATASETS

from . import data as D
from .common import front, short_name
from .html import rel, script_json
from .render import render

PAGE = "chooser.md"


def _verdicts(data: D.SiteData) -> dict[tuple[str, str], str]:
    """(model, quantity) -> verdict of that claim (first claim of the quantity)."""
    out: dict[tuple[str, str], str] = {}
    for c in D.claim_rows(data):
        q = c["claim"].quantity if c["claim"] else (c["verdict"].quantity if c["verdict"] else None)
        if q == "macs":
            q = "flops"
        out.setdefault((c["model"], q), D.verdict_name(c))
    return out


def _model_entry(data: D.SiteData, choice: choose.Choice, verdicts) -> dict:
    """One model at one score; costs as {value, how, verdict} (latency: {value, how, device,
    stable}). Words for tooltips are composed in the browser from these and the ranking's size."""
    row = choice.row
    entry = {"id": row.model_id, "name": row.model_name, "paper": short_name(row.paper),
             "url": rel(PAGE, f"papers/{row.paper.id}.md"), "year": row.paper.year, "score": row.value}
    if row.implementation:
        entry["reimpl"] = True
    for axis, key in (("params", "params"), ("gflops", "flops"), ("latency", "latency")):
        c = getattr(choice, axis)
        if c is None:
            continue
        v = {"value": round(c.value, 6), "how": c.how}
        if axis == "latency":
            v["device"] = c.device
            if c.stable is False:
                v["unstable"] = True
        elif c.how == "claimed":  # a verdict judges a claim; a measured value needs none
            v["verdict"] = verdicts.get((row.model_id, key), "no claim")
        if c.macs_doubled:
            v["macs"] = True
        entry[axis] = v
    return entry


def chooser_data(data: D.SiteData) -> dict:
    """Per mIoU ranking: its models (each at its best score in the default view, and at its best
    overall when that differs), the two lists as indices into them, and the Pareto fronts the
    catalog computed (`catalog.compare.choose.fronts`) for every set of budgeted quantities."""
    verdicts = _verdicts(data)
    out = []
    for b in data.boards:
        for rk in b.rankings:
            if rk.metric != "miou":
                continue
            models, index, lists, fronts = [], {}, {}, {}
            for fair_only, key in ((True, "fair"), (False, "all")):
                items = choose.choices(rk, data.costs, fair_only)
                ids = []
                for c in items:
                    if c.row.id not in index:
                        index[c.row.id] = len(models)
                        models.append(_model_entry(data, c, verdicts))
                    ids.append(index[c.row.id])
                lists[key] = ids
                fronts[key] = {f"m{int(m)}u{int(u)}": {axes: [ids[i] for i in members]
                                                       for axes, members in choose.fronts(items, m, u).items()}
                               for m in (False, True) for u in (False, True)}
            out.append({"ds": b.dataset, "proto": rk.protocol, "name": b.name,
                        "protocol": D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol),
                        "size": D.size_text(DATASETS[b.dataset].canonical_size),
                        "board": rel(PAGE, D.board_page(b), rk.id), "models": models, **lists,
                        "fronts": fronts})
    # The page opens on the ranking with the most models in the default view (ADE20K val on the
    # real catalog): a first look with something to choose from.
    default = max(range(len(out)), key=lambda i: (len(out[i]["fair"]), -i)) if out else 0
    return {"rankings": out, "default": default, "default_axes": choose.axes_key(choose.DEFAULT_AXES)}


def page(data: D.SiteData) -> str:
    payload = script_json(chooser_data(data))
    return str(render("chooser.md", front=front("Model chooser", hide=["navigation", "toc"], search={"exclude": True}),
                      default_words=D.DEFAULT_VIEW.words(), devices=", ".join(chooser_data_devices(data)) or "none yet",
                      payload=payload))


def chooser_data_devices(data: D.SiteData) -> list[str]:
    return sorted({D.device_name(r) for r in data.runs.values() if r.latency and r.latency.median_ms})
