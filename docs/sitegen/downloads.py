"""CSV / JSON tables of the catalog and a BibTeX file, written into the site at build time."""

from __future__ import annotations

import json

import pandas as pd

from . import data as D
from .common import front, h1
from .html import block
from .papers import bibtex


def _src(refs) -> str:
    return "; ".join(r.ref + (f" ({r.where})" if r.where else "") for r in refs)


def frames(data: D.SiteData) -> dict[str, pd.DataFrame]:
    papers, results, eff = [], [], []
    for p in data.papers:
        papers.append({"id": p.id, "title": p.title, "authors": "; ".join(p.authors), "year": p.year,
                       "venue": p.venue, "arxiv": p.arxiv, "tags": ";".join(p.tags),
                       "code": ";".join(c.url for c in p.code), "summary": p.summary})
        for r in p.results:
            s = r.setting
            results.append({"paper": p.id, "model": r.model, "dataset": r.dataset, "split": r.split,
                            "metric": r.metric, "value": r.value, "extra_data": ";".join(s.extra_data),
                            "multi_scale": s.multi_scale, "flip": s.flip, "crf": s.crf,
                            "backbone": s.backbone, "input_size": s.input_size,
                            "sources": _src(r.sources), "note": r.note})
        for e in p.efficiency:
            eff.append({"paper": p.id, "model": e.model, "quantity": e.quantity, "value": e.value,
                        "unit": e.unit, "bound": e.bound, "base_value": e.base_value(),
                        "input_size": e.input_size, "hardware": e.hardware, "precision": e.precision,
                        "batch_size": e.batch_size, "framework": e.framework,
                        "sources": _src(e.sources), "note": e.note})
    return {"papers": pd.DataFrame(papers), "results": pd.DataFrame(results),
            "efficiency": pd.DataFrame(eff)}


def files(data: D.SiteData) -> dict[str, str]:
    """downloads/<name> -> content."""
    out = {}
    for name, df in frames(data).items():
        out[f"downloads/{name}.csv"] = df.to_csv(index=False)
        out[f"downloads/{name}.json"] = json.dumps(json.loads(df.to_json(orient="records")), indent=1,
                                                   ensure_ascii=False)
    out["downloads/catalog.bib"] = "\n\n".join(bibtex(p) for p in data.papers) + "\n"
    return out


def page(data: D.SiteData) -> str:
    items = []
    for name, what in (("results", "accuracy claims"), ("efficiency", "params / FLOPs / latency claims"),
                       ("papers", "papers")):
        items.append(f'<li>{what}: <a href="downloads/{name}.csv" download>{name}.csv</a> · '
                     f'<a href="downloads/{name}.json" download>{name}.json</a></li>')
    items.append('<li>BibTeX of the whole catalog: <a href="downloads/catalog.bib" download>catalog.bib</a></li>')
    return front("Downloads") + h1("Downloads") + block(
        "<p>Generated from <code>data/papers.yaml</code> at build time, one row per claim, "
        "sources included.</p><ul>" + "".join(items) + "</ul>")
