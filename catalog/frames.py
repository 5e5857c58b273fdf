"""Flat pandas views of the catalog: one row per result, efficiency claim or paper.

Every table has a fixed column -> dtype spec (`TABLES`), applied both when a frame is built
from the catalog and when an export is read back (`from_records`), so exports round-trip.
List columns (`sources`, `extra_data`, `tags`, `authors`) hold Python lists.
"""

from __future__ import annotations

import math

import pandas as pd

from catalog.schema import Catalog

# dtypes: "string" and "boolean"/"Int64" are pandas' nullable types (missing -> pd.NA).
RESULTS_COLUMNS: dict[str, str] = {
    "paper": "string", "model": "string", "model_name": "string", "dataset": "string",
    "split": "string", "metric": "string", "value": "float64", "server": "string",
    "train_split": "string", "implementation": "string",
    # extra_data is three-state: extra_data_stated False = the source does not say (list empty).
    "extra_data": "object", "extra_data_stated": "boolean", "pretraining": "string",
    "multi_scale": "boolean", "flip": "boolean", "inference": "string", "crf": "boolean",
    "backbone": "string", "input_size": "string", "crop_size": "string", "output_stride": "Int64",
    "grade": "string", "sources": "object", "year": "Int64", "note": "string",
}
EFFICIENCY_COLUMNS: dict[str, str] = {
    "paper": "string", "model": "string", "model_name": "string", "quantity": "string",
    "value": "float64", "unit": "string", "bound": "string", "base_value": "float64",
    "relative_to": "string", "includes_aux": "boolean",
    "input_size": "string", "hardware": "string", "precision": "string",
    "batch_size": "Int64", "framework": "string", "grade": "string", "sources": "object",
    "year": "Int64", "note": "string",
}
PAPERS_COLUMNS: dict[str, str] = {
    "id": "string", "title": "string", "short_name": "string", "authors": "object",
    "year": "Int64", "month": "Int64", "venue": "string", "arxiv": "string",
    "tags": "object", "code_official": "string", "n_models": "Int64", "n_results": "Int64",
    "n_efficiency": "Int64",
}
TABLES: dict[str, dict[str, str]] = {
    "results": RESULTS_COLUMNS, "efficiency": EFFICIENCY_COLUMNS, "papers": PAPERS_COLUMNS,
}
LIST_COLUMNS = frozenset(c for spec in TABLES.values() for c, t in spec.items() if t == "object")


def from_records(rows: list[dict], table: str) -> pd.DataFrame:
    """Rows (dicts) -> a frame with the table's columns and dtypes."""
    spec = TABLES[table]
    df = pd.DataFrame({c: pd.Series([_none(r.get(c)) for r in rows], dtype="object")
                       for c in spec}, columns=list(spec))
    for col, dtype in spec.items():
        if dtype == "object":
            df[col] = pd.Series([list(v) if v is not None else [] for v in df[col]],
                                dtype="object", index=df.index)
        else:
            df[col] = df[col].astype(dtype)
    return df


def _none(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def results_frame(cat: Catalog) -> pd.DataFrame:
    """One row per accuracy claim. `backbone`: the setting's, else the model's."""
    rows = []
    for p in cat.papers:
        models = {m.id: m for m in p.models}
        for r in p.results:
            m = models.get(r.model)
            s = r.setting
            rows.append({
                "paper": p.id, "model": r.model, "model_name": m.name if m else None,
                "implementation": m.implementation if m else None,
                "dataset": r.dataset, "split": r.split, "server": r.server,
                "train_split": r.train_split, "metric": r.metric, "value": r.value,
                "extra_data": list(s.extra_data or []), "extra_data_stated": s.extra_data is not None,
                "pretraining": "+".join(s.pretraining) if s.pretraining is not None else None,
                "multi_scale": s.multi_scale, "flip": s.flip, "inference": s.inference,
                "crf": s.crf, "backbone": s.backbone or (m.backbone if m else None),
                "input_size": s.input_size, "crop_size": s.crop_size, "output_stride": s.output_stride,
                "grade": r.grade, "sources": [x.ref for x in r.sources],
                "year": p.year, "note": r.note,
            })
    return from_records(rows, "results")


def efficiency_frame(cat: Catalog) -> pd.DataFrame:
    """One row per params / FLOPs / latency / ... claim; `base_value` in the base unit."""
    rows = []
    for p in cat.papers:
        models = {m.id: m for m in p.models}
        for e in p.efficiency:
            m = models.get(e.model)
            rows.append({
                "paper": p.id, "model": e.model, "model_name": m.name if m else None,
                "quantity": e.quantity, "value": e.value, "unit": e.unit, "bound": e.bound,
                "base_value": e.base_value(), "relative_to": e.relative_to,
                "includes_aux": e.includes_aux, "input_size": e.input_size,
                "hardware": e.hardware, "precision": e.precision, "batch_size": e.batch_size,
                "framework": e.framework, "grade": e.grade, "sources": [x.ref for x in e.sources],
                "year": p.year, "note": e.note,
            })
    return from_records(rows, "efficiency")


def papers_frame(cat: Catalog) -> pd.DataFrame:
    """One row per paper; `code_official` is the first official code link, if any."""
    rows = [{
        "id": p.id, "title": p.title, "short_name": p.short_name, "authors": list(p.authors),
        "year": p.year, "month": p.month, "venue": p.venue, "arxiv": p.arxiv,
        "tags": list(p.tags),
        "code_official": next((c.url for c in p.code if c.official), None),
        "n_models": len(p.models), "n_results": len(p.results), "n_efficiency": len(p.efficiency),
    } for p in cat.papers]
    return from_records(rows, "papers")


FRAMES = {"results": results_frame, "efficiency": efficiency_frame, "papers": papers_frame}
