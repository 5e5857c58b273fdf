"""CSV / JSON tables of the catalog, the bench's runs with their verdicts and the sources, and a
BibTeX file, written into the site at build time.

The catalog tables and their formats are the catalog's own (catalog/frames.py,
catalog/export.py), so the site's downloads read back with `catalog.export.read_csv_table` /
`read_json_table`. The runs, verdicts and sources tables are written with the same writers
(text cells neutralised against spreadsheet formulas).
"""

from __future__ import annotations

import pandas as pd

from catalog import export, frames
from catalog.sources import SOURCES

from . import api
from . import data as D
from .common import front
from .papers import env_text
from .render import render

TABLES = {"results": frames.results_frame, "efficiency": frames.efficiency_frame,
          "papers": frames.papers_frame}
SITE_TABLES = ("runs", "verdicts", "sources")


def runs_frame(data: D.SiteData) -> pd.DataFrame:
    """One row per run the site shows (per catalog model): what was measured, where."""
    rows = []
    for model, run in sorted(data.runs.items()):
        fl, lat = run.flops, run.latency
        rows.append({
            "model": model, "paper": run.paper, "bench_key": run.model, "run_id": run.run_id,
            "timestamp": run.timestamp, "device": run.device, "environment": env_text(run),
            "input_size": "x".join(map(str, run.input_size)), "batch": run.batch, "precision": run.precision,
            "params": run.params.total if run.params else None,
            "gmacs": fl.gmacs if fl else None, "gflops": fl.gflops if fl else None,
            "latency_median_ms": lat.median_ms if lat else None, "latency_p90_ms": lat.p90_ms if lat else None,
            "peak_memory_mb": run.memory.peak_mb if run.memory else None,
            "harness_version": run.harness_version, "verdicts": len(run.verdicts)})
    return pd.DataFrame(rows)


def verdicts_frame(data: D.SiteData) -> pd.DataFrame:
    """Every claim with its verdict and reason (efficiency: the bench; accuracy: a reproduction)."""
    eff, acc = api._claims(data)
    rows = [{**{k: v for k, v in c.items() if k != "sources"},
             "sources": [s["ref"] for s in c["sources"]],   # ids of the sources table
             "source_where": " | ".join(s["where"] or "" for s in c["sources"])}
            for c in eff + acc]
    return pd.DataFrame(rows)


def sources_frame() -> pd.DataFrame:
    """The sources every table's `sources` column cites, by id."""
    return pd.DataFrame([{"id": s.id, "kind": s.kind, "grade": s.grade, "title": s.title, "url": s.url}
                         for s in SOURCES.values()])


def files(data: D.SiteData) -> dict[str, str]:
    """downloads/<name> -> content."""
    out = {}
    for name, frame in TABLES.items():
        df = frame(data.catalog)
        out[f"downloads/{name}.csv"] = export.to_csv(df)
        out[f"downloads/{name}.json"] = export.to_json(df)
    for name, df in (("runs", runs_frame(data)), ("verdicts", verdicts_frame(data)), ("sources", sources_frame())):
        out[f"downloads/{name}.csv"] = export.to_csv(df)
        out[f"downloads/{name}.json"] = export.to_json(df)
    out["downloads/catalog.bib"] = export.to_bibtex(data.catalog)
    return out


def page(data: D.SiteData) -> str:
    items = [("results", "accuracy claims"), ("efficiency", "params / FLOPs / latency claims"), ("papers", "papers"),
             ("runs", f"the bench's measured runs ({len(data.runs)}, one per model: params, FLOPs, latency, memory, "
                      "environment)"),
             ("verdicts", "every claim with its verdict and the reason (efficiency claims judged by the runs, "
                          "accuracy claims by reproductions)"),
             ("sources", "the sources table: the ids in every sources column, with title and link")]
    return str(render("downloads.md", front=front("Downloads"), items=items))
