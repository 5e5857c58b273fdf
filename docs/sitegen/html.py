"""Escaping and small HTML builders. Catalog text is untrusted: everything goes through `esc`.

Markdown passes raw HTML through, so generated pages put catalog text either inside raw HTML
blocks we build here (escaped) or through `md_esc` (escaped, and Markdown syntax neutralised).
"""

from __future__ import annotations

import functools
import html
import posixpath
import re

_HTTP = re.compile(r"^https?://[^\s<>\"']+$")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def md_esc(value: object) -> str:
    """Text safe to drop into Markdown prose: HTML-escaped, Markdown syntax backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", esc(value))


def is_http(url: str | None) -> bool:
    return bool(url) and bool(_HTTP.match(url))


def ext_link(url: str | None, text: object | None = None, title: str | None = None) -> str:
    """An external link, only for http(s) URLs; anything else renders as plain escaped text."""
    label = esc(text if text is not None else url)
    if not is_http(url):
        return label
    t = f' title="{esc(title)}"' if title else ""
    return f'<a href="{esc(url)}" rel="noopener nofollow"{t}>{label}</a>'


def page_url(page: str) -> str:
    """`papers/fcn.md` -> `papers/fcn.html` (the site uses use_directory_urls: false)."""
    return re.sub(r"\.md$", ".html", page)


def rel(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """Relative URL from one generated page to another, both given as docs-relative .md paths."""
    url = _relpath(page_url(to_page), posixpath.dirname(from_page) or ".")
    return f"{url}#{anchor}" if anchor else url


@functools.lru_cache(maxsize=65536)
def _relpath(target: str, start: str) -> str:  # posixpath.relpath is slow, and asked again and again
    return posixpath.relpath(target, start)


def a(href: str, text: object, title: str | None = None) -> str:
    """An internal link; `href` must come from `rel` (never from catalog text)."""
    t = f' title="{esc(title)}"' if title else ""
    return f'<a href="{esc(href)}"{t}>{esc(text)}</a>'


def badge(text: str, kind: str = "", title: str | None = None) -> str:
    cls = f"sa-badge sa-badge--{kind}" if kind else "sa-badge"
    t = f' title="{esc(title)}"' if title else ""
    return f'<span class="{cls}"{t}>{esc(text)}</span>'


def verdict_badge(verdict: str, title: str | None = None) -> str:
    return badge(verdict, "v-" + re.sub(r"[^a-z-]", "", verdict), title)


def table(headers: list[tuple], rows: list[list], attrs: str = "",
          row_attrs: list[str] | None = None, caption: str | None = None, lead: int = 1) -> str:
    """A sortable table that keeps every column on every width. headers: (label, type); type
    is 'num' or 'text'. Cells are HTML; a cell given as (html, sort_value) sorts on sort_value
    (None = empty, sorted last either way). row_attrs are extra (already escaped) attributes
    per <tr>. From 1024 px up every column is in view (cells wrap); on a phone each row becomes
    a card: its first `lead` cells on one line, then one labelled line per other cell
    (`data-label`), so a score keeps its settings and its sources beside it.
    Sorting is a <button> in each header (keyboard-operable); the <th> carries aria-sort.
    """
    head = "".join(
        f'<th scope="col" data-sort="{h[1]}"><button type="button" class="sa-sort">'
        f"{esc(h[0])}</button></th>" for h in headers)
    labels = [f' data-label="{esc(h[0])}"' for h in headers]
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            lab = (' class="sa-lead"' if j < lead else labels[j]) if j < len(labels) else ""
            if isinstance(cell, tuple):
                content, key = cell
                cells.append(f'<td{lab} data-value="{"" if key is None else esc(key)}">{content}</td>')
            else:
                cells.append(f"<td{lab}>{cell}</td>")
        tr = f"<tr {row_attrs[i]}>" if row_attrs else "<tr>"
        body.append(tr + "".join(cells) + "</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return late(f'<div class="sa-table-wrap"><table data-sortable data-cards {attrs}>{cap}\n'
                f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
                + "\n".join(body) + "\n</tbody>\n</table></div>")


# Generated HTML never goes through Markdown: `block` files it here and leaves a placeholder
# comment, which hooks.on_page_content swaps back after Markdown ran. Tables go in later still
# (`late`, swapped back in hooks.on_post_page): the search index leaves them out anyway, and the
# search plugin's HTML parser no longer reads them. Parsing large raw HTML in Markdown and in the
# search plugin was most of the build time; the pages are unchanged.
BLOCKS: dict[str, str] = {}
_PLACEHOLDER = {kind: re.compile(rf"<!--sa-{kind}:(\d+)-->") for kind in ("block", "late")}


def _hold(kind: str, html_text: str) -> str:
    key = str(len(BLOCKS))
    BLOCKS[key] = html_text
    return f"<!--sa-{kind}:{key}-->"


def block(inner: str) -> str:
    """HTML kept out of Markdown: a placeholder now, the HTML again after conversion."""
    return "\n\n" + _hold("block", f'<div class="sa-block">\n{inner}\n</div>') + "\n\n"


def late(html_text: str) -> str:
    """HTML kept out of Markdown and of the search index: back only in the written page."""
    return _hold("late", html_text)


def fill_blocks(html_text: str, kind: str = "block") -> str:
    """Put back the HTML of every placeholder of `kind` (each is used once, then dropped)."""
    return _PLACEHOLDER[kind].sub(lambda m: BLOCKS.pop(m.group(1)), html_text)


def fill_all(html_text: str) -> str:
    return fill_blocks(fill_blocks(html_text, "block"), "late")


def fmt_num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "–"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.{0 if float(x).is_integer() else digits}f}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"
