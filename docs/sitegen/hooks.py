"""mkdocs hook: generates the SegAtlas pages at build time (referenced from mkdocs.yml `hooks:`).

on_config: loads the catalog and the results, fills the dynamic parts of the nav.
on_files:  adds every generated page and the downloads as in-memory files.
on_page_markdown: fills the markers of the hand-written docs/index.md.
Catalog and results paths: env SEGATLAS_CATALOG / SEGATLAS_RESULTS (relative to mkdocs.yml).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
for p in (str(ROOT), str(DOCS)):  # `catalog` (repo root) and `sitegen` (docs/)
    if p not in sys.path:
        sys.path.insert(0, p)

from sitegen import api, badges, boards, chooser, downloads, papers, reports, search  # noqa: E402
from sitegen import data as D  # noqa: E402
from sitegen.html import BLOCKS, fill_blocks  # noqa: E402

log = logging.getLogger("mkdocs.plugins.segatlas")
STATE: dict = {}


def on_config(config, **kwargs):
    BLOCKS.clear()  # `mkdocs serve` rebuilds in one process
    root = Path(config.config_file_path).resolve().parent if config.config_file_path else ROOT
    path = D.catalog_path(root)
    if not os.path.lexists(path):  # a link to a device or a folder: the loader says what it is
        raise PluginError(f"SegAtlas: catalog not found at {path} "
                          "(set SEGATLAS_CATALOG to a papers.yaml, relative to mkdocs.yml)")
    try:
        data = D.load(root)
    except Exception as e:  # noqa: BLE001 - any catalog/results error stops the build, clearly
        raise PluginError(f"SegAtlas: cannot load the catalog or results: {e}") from e
    STATE["data"] = data
    STATE["site_url"] = config.site_url
    log.info("SegAtlas: %d papers, %d result runs", len(data.papers), len(data.runs))
    esc = reports.esc  # nav titles are printed unescaped by the theme
    # The nav holds what does not grow with the catalog: boards (one per dataset) and the first
    # page of the papers index; papers are reached from the paginated index and the search.
    dynamic = {
        "Leaderboards": ["leaderboards/index.md", "chooser.md"]
                        + [{str(esc(b.name)): D.board_page(b)} for b in data.boards],
        "Papers": ["papers/index.md"],
    }
    for item in config.nav or []:
        if isinstance(item, dict):
            for key in item:
                if key in dynamic:
                    item[key] = dynamic[key]
    return config


def _pages(data: D.SiteData) -> dict[str, str]:
    pages = {"leaderboards/index.md": boards.index_page(data),
             "chooser.md": chooser.page(data),
             "conflicts.md": reports.conflicts_page(data),
             "sources.md": reports.sources_page(data),
             "browse/years.md": reports.years_page(data),
             "browse/tags.md": reports.tags_page(data),
             "downloads.md": downloads.page(data)}
    for slug, title, tags, intro in reports.BROWSE:
        pages[f"browse/{slug}.md"] = reports.tag_page(data, slug, title, tags, intro)
    for b in data.boards:
        pages[D.board_page(b)] = boards.board_page(data, b)
    pages.update(papers.index_pages(data))
    pages.update(reports.verification_pages(data))
    pages.update(reports.accuracy_pages(data))
    by_paper = D.claim_rows_by_paper(data)
    for p in data.papers:
        pages[f"papers/{p.id}.md"] = papers.paper_page(data, p, by_paper.get(id(p), []), STATE.get("site_url"))
    pages.update(downloads.files(data))
    pages.update(api.files(data))
    pages.update(badges.files(data))
    return pages


def on_files(files: Files, config, **kwargs) -> Files:
    data: D.SiteData = STATE["data"]
    generated = _pages(data)
    if not files.get_file_from_path("accuracy.md"):  # written by another part of the project
        generated["accuracy.md"] = reports.ACCURACY_STUB
    for uri, content in generated.items():
        if files.get_file_from_path(uri):
            raise PluginError(f"SegAtlas: generated page {uri} would overwrite docs/{uri}")
        files.append(File.generated(config, uri, content=content))
    return files


MARKERS = {"<!-- segatlas:stats -->": reports.home_stats,
           "<!-- segatlas:latest -->": reports.home_latest,
           "<!-- segatlas:leaderboards -->": reports.home_boards}


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    return fill_blocks(html, "block")


def on_post_page(output: str, page, config, **kwargs) -> str:
    return fill_blocks(output, "late")


def on_post_build(config, **kwargs) -> None:
    """Rewrite the search index (sitegen/search.py: names, boards, chooser, folded accents)
    and write the static API and the badges next to the pages."""
    site = Path(config.site_dir)
    path = site / "search" / "search_index.json"
    if path.is_file():
        index = search.rewrite(json.loads(path.read_text(encoding="utf-8")), STATE["data"])
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    if page.file.src_uri == "index.md":
        for marker, fn in MARKERS.items():
            markdown = markdown.replace(marker, fn(STATE["data"]))
    return markdown
