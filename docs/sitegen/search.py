"""What the site search finds: names readers type, boards and the chooser, accents folded.

The theme's search index (search/search_index.json) is rewritten after the build: each paper
page's entry gets its names as `tags` (the theme's most boosted field: 'Mask2Former',
'DeepLabv3+' find their paper before any page that mentions them), boards and the chooser get
one compact entry each (their pages are too large to index whole), and every entry whose text
carries accents gets its folded form too ('Lovasz' finds 'Lovász').
"""

from __future__ import annotations

from catalog.datasets import DATASETS
from catalog.names import fold, search_names

from . import data as D
from .html import esc, page_url


def paper_tags(data: D.SiteData) -> dict[str, list[str]]:
    """Location of each paper page -> the names it is found by."""
    return {page_url(f"papers/{p.id}.md"): search_names(p) for p in data.papers}


def extra_docs(data: D.SiteData) -> list[dict]:
    """One entry per board (dataset, its rankings and its models) and one for the chooser."""
    docs = []
    for b in data.boards:
        ds = DATASETS[b.dataset]
        models = sorted({r.model_name for r in b.rows})
        rankings = "; ".join(f"{rk.metric}, {D.PROTOCOL_WORDS.get(rk.protocol, rk.protocol)}" for rk in b.rankings)
        docs.append({"location": page_url(D.board_page(b)), "title": esc(f"{b.name} leaderboard"),
                     "text": esc(f"Leaderboard of {ds.name} ({b.dataset}): {rankings}. Models: {', '.join(models)}."),
                     "tags": [b.name, b.dataset]})
    names = sorted({b.name for b in data.boards})
    docs.append({"location": "chooser.html", "title": "Model chooser",
                 "text": esc("Which model for my budget? Parameters, GFLOPs and measured latency on "
                             + ", ".join(names) + "."), "tags": ["chooser", "budget", *names]})
    return docs


def rewrite(index: dict, data: D.SiteData) -> dict:
    """The theme's index with the names, the extra entries and folded accents; empty sections
    (headings over tables, which are not indexed) dropped: every page loads the index."""
    tags = paper_tags(data)
    docs = []
    for d in index.get("docs", []):
        if not d.get("text") and "#" in d.get("location", ""):
            continue
        names = tags.get(d.get("location", ""))
        if names:
            d["tags"] = [*d.get("tags", []), *names]
        docs.append(d)
    docs += extra_docs(data)
    for d in docs:
        extra = [f for f in (fold(d.get("title") or ""), fold(d.get("text") or ""))
                 if f and f not in (d.get("title"), d.get("text"))]
        if extra:
            d["text"] = " ".join([d.get("text") or "", *extra])
        if d.get("tags"):  # catalog text: escaped like the theme's own titles
            d["tags"] = list(dict.fromkeys(esc(t) for t in [*d["tags"], *(fold(t) for t in d["tags"])]))
    index["docs"] = docs
    return index
