"""Flat pandas views of the catalog: one row per result, efficiency claim or paper.

Every table has a fixed column -> dtype spec (`TABLES`), applied both when a frame is built
from the catalog and when an export is read back (`from_records`), so exports round-trip.
List columns (`sources`, `extra_data`, `tags`, `authors`) hold Python lists.

Unknown stays unknown: a setting no source states is missing (JSON `null`; CSV writes
`NOT_STATED` in the setting columns), never an empty list or `false`. `extra_data` is `null`
when not stated and `[]` when the source says none. Each result row also carries where the
comparison engine places it (`protocol`, `split_assumed`, the extra-data / TTA / pre-training
states and whether the default view admits it), so an export ranks like the site.
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
    # extra_data is three-state: null = the source does not say; [] = it says none.
    "extra_data": "object", "extra_data_stated": "boolean", "pretraining": "string",
    "multi_scale": "boolean", "flip": "boolean", "inference": "string", "crf": "boolean",
    "backbone": "string", "input_size": "string", "crop_size": "string", "output_stride": "Int64",
    "train_iters": "Int64", "train_batch": "Int64", "experiment": "string",
    "protocol": "string", "split_assumed": "boolean", "extra_state": "string", "tta_state": "string",
    "pretraining_state": "string", "default_view": "boolean", "row": "string",
    "grade": "string", "sources": "object", "year": "Int64", "note": "string",
}
EFFICIENCY_COLUMNS: dict[str, str] = {
    "paper": "string", "model": "string", "model_name": "string", "quantity": "string",
    "value": "float64", "unit": "string", "bound": "string", "base_value": "float64",
    "relative_to": "string", "includes_aux": "boolean",
    "input_size": "string", "hardware": "string", "precision": "string",
    "batch_size": "Int64", "engine": "string", "framework": "string", "experiment": "string",
    "dataset": "string", "grade": "string", "sources": "object",
    "year": "Int64", "note": "string",
}
PAPERS_COLUMNS: dict[str, str] = {
    "id": "string", "title": "string", "short_name": "string", "authors": "object",
    "year": "Int64", "month": "Int64", "venue": "string", "arxiv": "string",
    "tags": "object", "code_official": "string", "n_models": "Int64", "n_results": "Int64",
    "n_efficiency": "Int64",
}
SOURCES_COLUMNS: dict[str, str] = {
    "id": "string", "kind": "string", "grade": "string", "title": "string", "url": "string",
    "needs": "object",
}
TABLES: dict[str, dict[str, str]] = {
    "results": RESULTS_COLUMNS, "efficiency": EFFICIENCY_COLUMNS, "papers": PAPERS_COLUMNS,
    "sources": SOURCES_COLUMNS,
}
LIST_COLUMNS = frozenset(c for spec in TABLES.values() for c, t in spec.items() if t == "object")
# List columns where null (not stated) differs from [] (stated none).
NULLABLE_LISTS = frozenset({"extra_data"})
# Columns of what a source states about a number: a missing cell there means "not stated".
STATED_COLUMNS = frozenset({
    "extra_data", "pretraining", "multi_scale", "flip", "inference", "crf", "input_size",
    "crop_size", "output_stride", "train_iters", "train_batch", "hardware", "precision",
    "batch_size", "engine", "framework"})


def from_records(rows: list[dict], table: str) -> pd.DataFrame:
    """Rows (dicts) -> a frame with the table's columns and dtypes."""
    spec = TABLES[table]
    df = pd.DataFrame({c: pd.Series([_none(r.get(c)) for r in rows], dtype="object")
                       for c in spec}, columns=list(spec))
    for col, dtype in spec.items():
        if dtype == "object":
            empty = None if col in NULLABLE_LISTS else []
            df[col] = pd.Series([list(v) if v is not None else empty for v in df[col]],
                                dtype="object", index=df.index)
        else:
            df[col] = df[col].astype(dtype)
    return df


def _none(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def results_frame(cat: Catalog) -> pd.DataFrame:
    """One row per accuracy claim. `backbone`: the setting's, else the model's; `row` the
    board row (catalog.compare) the claim is one transcription of."""
    from catalog.compare import states
    from catalog.compare.rows import build_rows

    row_of = {id(t.result): row for row in build_rows(cat) for t in row.transcriptions}
    rows = []
    for p in cat.papers:
        models = {m.id: m for m in p.models}
        for r in p.results:
            m = models.get(r.model)
            s = r.setting
            row = row_of[id(r)]
            rows.append({
                "paper": p.id, "model": r.model, "model_name": m.name if m else None,
                "implementation": m.implementation if m else None,
                "dataset": r.dataset, "split": r.split, "server": r.server,
                "train_split": r.train_split, "metric": r.metric, "value": r.value,
                "extra_data": list(s.extra_data) if s.extra_data is not None else None,
                "extra_data_stated": s.extra_data is not None,
                "pretraining": "+".join(s.pretraining) if s.pretraining is not None else None,
                "multi_scale": s.multi_scale, "flip": s.flip, "inference": s.inference,
                "crf": s.crf, "backbone": s.backbone or (m.backbone if m else None),
                "input_size": s.input_size, "crop_size": s.crop_size, "output_stride": s.output_stride,
                "train_iters": s.train_iters, "train_batch": s.train_batch, "experiment": r.experiment,
                "protocol": row.placement.protocol, "split_assumed": row.placement.assumed,
                "extra_state": row.extra, "tta_state": row.tta, "pretraining_state": row.pretraining,
                "default_view": row.admitted(states.DEFAULT_VIEW), "row": row.id,
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
                "engine": e.engine, "framework": e.framework, "experiment": e.experiment,
                "dataset": e.dataset, "grade": e.grade, "sources": [x.ref for x in e.sources],
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


def sources_frame(cat: Catalog) -> pd.DataFrame:
    """Every source id a `sources` cell can name, with its title and URL (the lookup table)."""
    from catalog.sources import SOURCES

    rows = [{"id": s.id, "kind": s.kind, "grade": s.grade, "title": s.title, "url": s.url,
             "needs": list(s.needs)} for s in SOURCES.values()]
    return from_records(rows, "sources")


FRAMES = {"results": results_frame, "efficiency": efficiency_frame, "papers": papers_frame,
          "sources": sources_frame}
