"""CSV / JSON tables of the catalog and a BibTeX file, written into the site at build time.

The tables and their formats are the catalog's own (catalog/frames.py, catalog/export.py), so
the site's downloads read back with `catalog.export.read_csv_table` / `read_json_table`.
"""

from __future__ import annotations

from catalog import export, frames

from . import data as D
from .common import front, h1
from .html import block

TABLES = {"results": frames.results_frame, "efficiency": frames.efficiency_frame,
          "papers": frames.papers_frame}


def files(data: D.SiteData) -> dict[str, str]:
    """downloads/<name> -> content."""
    out = {}
    for name, frame in TABLES.items():
        df = frame(data.catalog)
        out[f"downloads/{name}.csv"] = export.to_csv(df)
        out[f"downloads/{name}.json"] = export.to_json(df)
    out["downloads/catalog.bib"] = export.to_bibtex(data.catalog)
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
        "sources included (the same tables as <code>catalog export</code>).</p><ul>"
        + "".join(items) + "</ul>")
