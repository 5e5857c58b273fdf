"""README badges: a static SVG per paper and per benchmarked model, rendered from a template.

    badges/papers/<paper id>.svg   its best rank in a ranking's default view, else its count of results
    badges/models/<model id>.svg   the verdict on its params claim (else FLOPs / MACs), else 'measured'

The paper page shows the Markdown to paste (an image linking back to the page).
"""

from __future__ import annotations

from catalog.schema import Paper

from . import data as D
from .render import render

LABEL = "SegAtlas"
COLOURS = {"verified": "#2e7d32", "unit": "#8d6e00", "mismatch": "#c62828", "rank": "#3949ab",
           "other": "#546e7a"}


def paper_badge_path(p: Paper) -> str:
    return f"badges/papers/{p.id}.svg"


def model_badge_path(model_id: str) -> str:
    return f"badges/models/{model_id}.svg"


def _width(text: str) -> int:
    return int(len(text) * 6.6) + 12  # Verdana 11 px, about 6.6 px a character


def svg(message: str, kind: str, label: str = LABEL) -> str:
    left = _width(label)
    return render("badge.svg", label=label, message=message, colour=COLOURS.get(kind, COLOURS["other"]),
                  left=left, width=left + _width(message))


def paper_message(data: D.SiteData, p: Paper) -> tuple[str, str]:
    best = None
    for b in data.boards:
        for rk in b.rankings:
            for row in rk.rows:
                rank = rk.ranks.get(row.id)
                if row.paper is p and rank and (best is None or rank < best[0]):
                    best = (rank, f"{b.name.split(' (')[0]} {rk.protocol}")
    if best:
        return f"#{best[0]} {best[1]} (fair view)", "rank"
    n = len(p.results)
    return f"{n} result{'' if n == 1 else 's'}", "other"


def model_message(data: D.SiteData, model_id: str) -> tuple[str, str]:
    rows = {c["claim"].quantity if c["claim"] else c["verdict"].quantity: D.verdict_name(c)
            for c in reversed(D.claim_rows(data)) if c["model"] == model_id and (c["claim"] or c["verdict"])}
    for q, word in (("params", "params"), ("flops", "FLOPs"), ("macs", "MACs")):
        v = rows.get(q)
        if v in ("verified", "unit", "mismatch"):
            return f"{word} {v}", v
    return "measured", "other"


def files(data: D.SiteData) -> dict[str, str]:
    out = {}
    for p in data.papers:
        out[paper_badge_path(p)] = svg(*paper_message(data, p))
    for model_id in data.runs:
        out[model_badge_path(model_id)] = svg(*model_message(data, model_id))
    return out


def items(data: D.SiteData, p: Paper) -> list[tuple[str, str]]:
    """(what, badge path) for the paper and each of its benchmarked models."""
    out = [(p.short_name or p.title, paper_badge_path(p))]
    out += [(data.model_name(m.id), model_badge_path(m.id)) for m in p.models if m.id in data.runs]
    return out


def markdown(what: str, img: str, page: str) -> str:
    return f"[![SegAtlas: {what}]({img})]({page})"
