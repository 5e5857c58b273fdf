"""The static API, `api/v1/`: what the pages show, as JSON a program can read.

    api/v1/index.json                          papers, rankings and files, with their urls
    api/v1/papers/<paper id>.json              a paper: facts, models, results (with their
                                               ranking and rank), claims with verdicts
    api/v1/rankings/<dataset>/<ranking>.json   one ranking, every row (as `catalog board --json`,
                                               costs with the bench's measurements added)
    api/v1/claims.json                         every claim with its verdict and its reason
    api/v1/schema/<document>.schema.json       JSON Schema of each document

Each document is a pydantic model below (the schema is generated from it), and every file is
validated against it while the site is built: a file the schema rejects stops the build.
Rows come from `catalog.compare.boards.row_dict`, the same function `catalog board --json`
prints, so the API and the CLI agree by construction.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from catalog.compare.boards import board_dict
from catalog.names import model_short_name
from catalog.sources import SOURCES

from . import data as D
from .common import short_name, source_label

VERSION = "1"
ROOT = "api/v1"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceOut(_Doc):
    ref: str = Field(description="Id in the sources table (downloads/sources.csv, api index)")
    title: str = Field(description="The source's title, or its url's host and path")
    where: str | None = Field(None, description="Table, figure or section")
    url: str | None = None


class Verdict(_Doc):
    kind: Literal["efficiency", "accuracy"] = Field(
        description="efficiency: a cost claim judged by a bench run; accuracy: a score judged by an "
                    "independent reproduction")
    paper: str | None
    model: str
    model_name: str
    quantity: str = Field(description="params, flops, macs, latency, fps, memory; or a metric (miou, ...)")
    claimed: float | None
    claimed_unit: str | None = Field(description="M, G, ms, fps, x (a ratio to `relative_to`), %")
    claimed_text: str = Field(description="The claim in words, with its unit and conditions")
    relative_to: str | None = None
    measured: float | None
    measured_unit: str | None
    verdict: str = Field(description="verified, unit, mismatch, not-comparable, unmeasured, not checked, "
                                     "no run; for accuracy: 'no independent reproduction yet' or a "
                                     "reproduction's verdict")
    reason: str = Field(description="Why: the values compared, the tolerance, what was compared")
    tolerance: str | None = None
    dataset: str | None = None
    split: str | None = Field(None, description="Dataset and split in words (accuracy claims)")
    environment: str | None = Field(description="Where the measurement ran; null when nothing ran")
    sources: list[SourceOut]


class Claims(_Doc):
    version: Literal["1"]
    counts: dict[str, dict[str, int]] = Field(description="Verdict counts, per kind")
    claims: list[Verdict]


class Cost(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: float
    how: Literal["measured", "claimed"]


class Row(BaseModel):
    """One ranked number, as `catalog board --json` prints it (`row_dict`): a field added
    there is added here, or the build stops naming it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    rank: int | None = Field(description="Rank in the default view; null outside it")
    model: str
    model_name: str
    paper: str
    value: float
    metric: str
    dataset: str
    protocol: str
    split_assumed: bool
    server_derived: str | None
    split_note: str | None = Field(None, description="Why a row whose split is not stated sits here")
    settings: dict[str, Any] = Field(description="Every compared setting; null where no source states it")
    states: dict[str, str]
    extra_words: str | None
    default_view: bool
    grade: Literal["primary", "secondary"]
    implementation: str | None
    unnamed_variant: bool
    transcriptions: int
    experiments: list[str]
    sources: list[dict[str, str | None]]
    conflicts: list[dict[str, Any]]
    eval_size: dict[str, str | None]
    costs: dict[str, Cost | str | None]


class Ranking(_Doc):
    version: Literal["1"]
    dataset: str
    name: str
    num_classes: int | None
    canonical_size: str | None
    usual_split: str | None
    usual_split_reason: str | None
    default_view: str
    ranking: str = Field(description="Ranking id: <metric>-<protocol>")
    metric: str
    protocol: str
    protocol_words: str
    page: str = Field(description="The ranking on the site, relative to api/v1/")
    rows: list[Row]


class ModelOut(_Doc):
    id: str
    name: str
    short_name: str
    backbone: str | None
    implementation: str | None
    benchmarked: bool = Field(description="The bench has a run of this model")
    badge: str | None = Field(description="Its badge (SVG), relative to api/v1/; null when not benchmarked")


class ResultOut(_Doc):
    model: str
    dataset: str
    split: str
    metric: str
    value: float
    ranking: str | None = Field(description="Its ranking file, relative to api/v1/")
    row: str | None = Field(description="Its row id in that ranking")
    rank: int | None
    sources: list[SourceOut]


class PaperDoc(_Doc):
    version: Literal["1"]
    id: str
    title: str
    short_name: str
    year: int
    venue: str | None
    arxiv: str | None
    authors: list[str]
    tags: list[str]
    code: list[dict[str, Any]]
    page: str
    badge: str = Field(description="The paper's badge (SVG), relative to api/v1/")
    models: list[ModelOut]
    results: list[ResultOut]
    claims: list[Verdict]


class IndexPaper(_Doc):
    id: str
    short_name: str
    title: str
    year: int
    url: str


class IndexRanking(_Doc):
    dataset: str
    name: str
    ranking: str
    metric: str
    protocol: str
    rows: int
    url: str


class Index(_Doc):
    version: Literal["1"]
    description: str
    schemas: dict[str, str]
    claims: str
    sources: list[SourceOut]
    papers: list[IndexPaper]
    rankings: list[IndexRanking]


DOCUMENTS: dict[str, type[BaseModel]] = {"index": Index, "paper": PaperDoc, "ranking": Ranking, "claims": Claims}


def schemas() -> dict[str, dict]:
    out = {}
    for name, model in DOCUMENTS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"schema/{name}.schema.json"
        out[name] = schema
    return out


# --- building the documents -------------------------------------------------------------------

def ranking_path(dataset: str, ranking_id: str) -> str:
    return f"rankings/{dataset}/{ranking_id}.json"


def _sources(refs, paper) -> list[dict]:
    out = []
    for r in refs:
        url = str(r.url) if r.url else None
        out.append({"ref": r.ref, "title": source_label(r.ref, paper, url), "where": r.where,
                    "url": url or SOURCES[r.ref].url})
    return out


def _efficiency(data: D.SiteData, c: dict) -> dict:
    from .papers import claim_text  # one wording of a claim: the pages'

    e, v, run = c["claim"], c["verdict"], c["run"]
    if e is not None:
        srcs = _sources(e.sources, c["paper"])
    else:
        srcs = [{"ref": ref, "title": source_label(ref, c["paper"]), "url": SOURCES[ref].url,
                 "where": v.where[i] if v and i < len(v.where) else None}
                for i, ref in enumerate(v.sources if v else []) if ref in SOURCES]
    from .papers import env_text

    return {"kind": "efficiency", "paper": c["paper"].id if c["paper"] else None, "model": c["model"],
            "model_name": data.model_name(c["model"]),
            "quantity": e.quantity if e else v.quantity,
            "claimed": e.value if e else v.claimed, "claimed_unit": e.unit if e else v.claimed_unit,
            "claimed_text": claim_text(e, data) if e else f"{v.claimed} {v.claimed_unit}",
            "relative_to": e.relative_to if e else v.relative_to,
            "measured": v.measured if v else None, "measured_unit": v.measured_unit if v else None,
            "verdict": D.verdict_name(c), "reason": D.verdict_reason(c),
            "tolerance": v.tolerance if v else None, "dataset": v.dataset if v else None, "split": None,
            "environment": env_text(run) if run and v is not None else None, "sources": srcs}


def _accuracy(data: D.SiteData, c: dict) -> dict:
    r, rep = c["result"], c["reproduction"]
    return {"kind": "accuracy", "paper": c["paper"].id, "model": r.model, "model_name": data.model_name(r.model),
            "quantity": r.metric, "claimed": r.value, "claimed_unit": "%",
            "claimed_text": f"{D.fmt_claim(r.value)} {D.metric_words(r.metric)} on {D.split_words(r)}",
            "relative_to": None, "measured": rep.measured, "measured_unit": "%" if rep.measured is not None else None,
            "verdict": rep.verdict, "reason": rep.reason, "tolerance": None, "dataset": r.dataset,
            "split": D.split_words(r), "environment": rep.environment, "sources": _sources(r.sources, c["paper"])}


def _claims(data: D.SiteData) -> tuple[list[dict], list[dict]]:
    return ([_efficiency(data, c) for c in D.claim_rows(data)],
            [_accuracy(data, c) for c in D.accuracy_rows(data)])


def documents(data: D.SiteData) -> dict[str, dict]:
    """path under api/v1/ -> document (validated)."""
    from . import badges

    out: dict[str, dict] = {}
    rankings, where = [], {}
    for b in data.boards:
        head = board_dict(b, data.costs)
        for rk in head.pop("rankings"):
            path = ranking_path(b.dataset, rk["id"])
            for row in rk["rows"]:
                where[row["id"]] = (path, row["rank"])
            out[path] = {"version": VERSION, **head, "ranking": rk["id"], "metric": rk["metric"],
                         "protocol": rk["protocol"], "protocol_words": rk["protocol_words"],
                         "page": f"../../{D.board_page(b)[:-3]}.html#{rk['id']}", "rows": rk["rows"]}
            rankings.append({"dataset": b.dataset, "name": b.name, "ranking": rk["id"], "metric": rk["metric"],
                             "protocol": rk["protocol"], "rows": len(rk["rows"]), "url": path})
    eff, acc = _claims(data)
    by_paper: dict[str, list[dict]] = {}
    for c in eff + acc:
        if c["paper"]:
            by_paper.setdefault(c["paper"], []).append(c)
    counts: dict[str, dict[str, int]] = {"efficiency": {}, "accuracy": {}}
    for c in eff + acc:
        counts[c["kind"]][c["verdict"]] = counts[c["kind"]].get(c["verdict"], 0) + 1
    out["claims.json"] = {"version": VERSION, "counts": counts, "claims": eff + acc}
    papers = []
    for p in data.papers:
        results = []
        for r in p.results:
            board_row = data.row_of.get(id(r))
            path, rank = where.get(board_row[1].id, (None, None)) if board_row else (None, None)
            results.append({"model": r.model, "dataset": r.dataset, "split": r.split, "metric": r.metric,
                            "value": r.value, "ranking": path, "row": board_row[1].id if board_row else None,
                            "rank": rank, "sources": _sources(r.sources, p)})
        out[f"papers/{p.id}.json"] = {
            "version": VERSION, "id": p.id, "title": p.title, "short_name": short_name(p), "year": p.year,
            "venue": p.venue, "arxiv": p.arxiv, "authors": list(p.authors), "tags": list(p.tags),
            "code": [c.model_dump(mode="json", exclude_none=True) for c in p.code],
            "page": f"../../papers/{p.id}.html", "badge": "../../" + badges.paper_badge_path(p),
            "models": [{"id": m.id, "name": m.name, "short_name": model_short_name(m), "backbone": m.backbone,
                        "implementation": m.implementation, "benchmarked": m.id in data.runs,
                        "badge": ("../../" + badges.model_badge_path(m.id)) if m.id in data.runs else None}
                       for m in p.models],
            "results": results, "claims": by_paper.get(p.id, [])}
        papers.append({"id": p.id, "short_name": short_name(p), "title": p.title, "year": p.year,
                       "url": f"papers/{p.id}.json"})
    out["index.json"] = {
        "version": VERSION,
        "description": "SegAtlas static API: the catalog's papers, rankings and claims with their verdicts, "
                       "as the site shows them. Paths are relative to this file.",
        "schemas": {name: f"schema/{name}.schema.json" for name in DOCUMENTS}, "claims": "claims.json",
        "sources": [{"ref": s.id, "title": s.title, "where": None, "url": s.url} for s in SOURCES.values()],
        "papers": papers, "rankings": rankings}
    for path, doc in out.items():
        model_for(path).model_validate(doc)  # a document its schema rejects stops the build
    return out


def model_for(path: str) -> type[BaseModel]:
    if path == "index.json":
        return Index
    if path == "claims.json":
        return Claims
    return PaperDoc if path.startswith("papers/") else Ranking


def files(data: D.SiteData) -> dict[str, str]:
    """Site path -> JSON text, schemas included."""
    out = {f"{ROOT}/{path}": _dump(doc) for path, doc in documents(data).items()}
    for name, schema in schemas().items():
        out[f"{ROOT}/schema/{name}.schema.json"] = json.dumps(schema, indent=1, ensure_ascii=False)
    return out


def _dump(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
