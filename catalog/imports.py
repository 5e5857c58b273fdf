"""Generated import files (`data/imports/<source>.yaml`) and how they join the catalog.

An import file is written only by `catalog import` (see `catalog.modelindex`): a YAML list in the
catalog's own schema, one entry per paper, holding the re-implementations a model zoo trained
(models with `implementation:` set, their results and efficiency claims). It is loaded together
with `data/papers.yaml`, so boards, conflicts, verdicts, the site and the exports see one catalog.

An entry whose `id` is a paper of `data/papers.yaml` adds models and claims to it and nothing
else: the hand-curated paper keeps every field and row it has. An entry with a `title` is a paper
the zoo reproduces that `data/papers.yaml` lacks; it is used only while the hand-curated file
lacks it (once a paper of that id is curated, the import's metadata is ignored).

Rules an import must keep, each reported at its file and line:
- every model it declares is a re-implementation (`implementation:` set to the file's source);
- its claims name only the models it declares, never a paper's own model;
- the catalog's cross-entry rules hold for the merged whole (unique model ids, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from catalog.load import (
    MAX_ISSUES,
    CatalogIssue,
    Path_,
    SourceMap,
    _read,
    parse_yaml,
    validation_issues,
)
from catalog.schema import Catalog, Efficiency, ModelVariant, Paper, Result, Slug, Strict

IMPORTS_DIR = "imports"


class ImportEntry(Strict):
    """One entry of an import file: models and claims for a paper (an existing one when only
    `id` is given; a new one when `title` and `year` are given too)."""

    id: Slug
    title: str | None = None
    year: int | None = None
    # Every other Paper field is accepted for a new paper and validated as a Paper.
    short_name: str | None = None
    authors: list[str] = []
    month: int | None = None
    metadata_sources: list[Any] = []
    venue: str | None = None
    arxiv: str | None = None
    code: list[Any] = []
    links: list[Any] = []
    tags: list[Any] = []
    summary: str | None = None
    models: list[ModelVariant] = Field(default_factory=list)
    results: list[Result] = Field(default_factory=list)
    efficiency: list[Efficiency] = Field(default_factory=list)

    @property
    def is_new_paper(self) -> bool:
        return self.title is not None


def import_files(catalog_path: Path | str) -> list[Path]:
    """The import files that belong to a catalog file: `imports/*.yaml` beside it, sorted."""
    folder = Path(catalog_path).parent / IMPORTS_DIR
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []


@dataclass
class MergedMap(SourceMap):
    """Positions for a catalog merged from several files: paths of imported papers, models and
    claims are looked up in their import file, the rest in the main file's map."""

    base: SourceMap | None = None
    routes: dict[Path_, tuple[SourceMap, Path_]] = field(default_factory=dict)

    def _route(self, path: Path_) -> tuple[SourceMap, Path_]:
        p = tuple(path)
        for n in (3, 1):
            if len(p) >= n and p[:n] in self.routes:
                where, prefix = self.routes[p[:n]]
                return where, prefix + p[n:]
        return self.base, p  # type: ignore[return-value]

    def position(self, path: Path_, prefer_key: bool = False) -> tuple[int, int]:
        where, p = self._route(path)
        return where.position(p, prefer_key)

    def issue(self, path: Path_, message: str, prefer_key: bool = False) -> CatalogIssue:
        where, p = self._route(path)
        inner = where.issue(p, message, prefer_key)
        return CatalogIssue(inner.file, inner.line, self.location(path), inner.message, inner.column)


def parse_import(text: str, file: str) -> tuple[list[ImportEntry], SourceMap, list[CatalogIssue]]:
    """Parse and validate one import file on its own (schema only)."""
    data, where, issues = parse_yaml(text, file)
    if issues:
        return [], where, issues
    if data is None:
        return [], where, []
    if not isinstance(data, list):
        line, col = where.position(())
        return [], where, [CatalogIssue(file, line, "<root>", "an import file is a YAML list of "
                                        "paper entries ('- id: ...')", col)]
    entries, out = [], []
    for i, item in enumerate(data):
        try:
            entries.append(ImportEntry.model_validate(item))
        except ValidationError as e:
            out += [CatalogIssue(x.file, x.line, x.location, x.message, x.column)
                    for x in validation_issues(e, _Prefixed(where, i))]
        if len(out) > MAX_ISSUES:
            break
    return entries, where, out


class _Prefixed(SourceMap):
    """The map of a whole file seen from one of its list items (pydantic locs start inside it)."""

    def __init__(self, where: SourceMap, i: int):
        super().__init__(where.file, paper_ids=where.paper_ids)
        self._where, self._i = where, i

    def position(self, path: Path_, prefer_key: bool = False) -> tuple[int, int]:
        return self._where.position((self._i, *path), prefer_key)

    def issue(self, path: Path_, message: str, prefer_key: bool = False) -> CatalogIssue:
        inner = self._where.issue((self._i, *path), message, prefer_key)
        return inner


def merge_imports(cat: Catalog, where: SourceMap, files: list[Path]) -> tuple[Catalog, SourceMap, list[CatalogIssue]]:
    """The catalog with every import file merged in, a map that locates each part in its own
    file, and the import rules' issues (the catalog's cross-entry rules run afterwards on the
    merged whole)."""
    papers = [p.model_copy(deep=False) for p in cat.papers]
    index = {p.id: i for i, p in enumerate(papers)}
    curated = set(index)
    merged = MergedMap(where.file, paper_ids=dict(where.paper_ids), base=where)
    issues: list[CatalogIssue] = []
    for path in files:
        text, read_issues = _read(path)
        if text is None:
            issues += read_issues
            continue
        entries, iw, found = parse_import(text, str(path))
        issues += found
        if found:
            continue
        source = _source_of(entries)
        for k, e in enumerate(entries):
            issues += _entry_rules(e, k, iw, source)
            if e.id in index:
                i = index[e.id]
                if e.id not in curated and e.is_new_paper:
                    issues.append(iw.issue((k, "id"), f"paper '{e.id}' is given twice by the imports"))
                    continue
            elif e.is_new_paper:
                try:
                    paper = Paper.model_validate({k2: v for k2, v in e.model_dump(exclude_unset=True).items()
                                                  if k2 not in ("models", "results", "efficiency")})
                except ValidationError as err:
                    issues += validation_issues(err, _Prefixed(iw, k))
                    continue
                papers.append(paper)
                i = index[e.id] = len(papers) - 1
                merged.paper_ids[i] = e.id
                merged.routes[(i,)] = (iw, (k,))
            else:
                issues.append(iw.issue((k, "id"), f"no paper '{e.id}' in the catalog; an import adds "
                                                  "to a curated paper or gives a new one with its title"))
                continue
            p = papers[i]
            for kind in ("models", "results", "efficiency"):
                base_n = len(getattr(p, kind))
                for j in range(len(getattr(e, kind))):
                    merged.routes[(i, kind, base_n + j)] = (iw, (k, kind, j))
            papers[i] = p.model_copy(update={kind: getattr(p, kind) + getattr(e, kind)
                                             for kind in ("models", "results", "efficiency")})
    return Catalog.model_construct(root=papers), merged, issues


def _source_of(entries: list[ImportEntry]) -> str | None:
    for e in entries:
        for m in e.models:
            if m.implementation:
                return m.implementation
    return None


def _entry_rules(e: ImportEntry, k: int, where: SourceMap, source: str | None) -> list[CatalogIssue]:
    out = []
    own = {m.id for m in e.models}
    for j, m in enumerate(e.models):
        if m.implementation is None:
            out.append(where.issue((k, "models", j, "implementation"),
                                   f"model '{m.id}' has no 'implementation': an import holds "
                                   "re-implementations only, never a paper's own model"))
        elif source is not None and m.implementation != source:
            out.append(where.issue((k, "models", j, "implementation"),
                                   f"model '{m.id}' is by '{m.implementation}', but this file imports "
                                   f"'{source}'"))
    for kind in ("results", "efficiency"):
        for j, c in enumerate(getattr(e, kind)):
            if c.model not in own:
                out.append(where.issue((k, kind, j, "model"),
                                       f"'{c.model}' is not a model this import declares; an import "
                                       "never adds numbers to a paper's own (or another) model"))
    return out
