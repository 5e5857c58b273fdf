"""Escaping and small HTML builders. Catalog text is untrusted: everything goes through `esc`.

Markdown passes raw HTML through, so generated pages put catalog text either inside raw HTML
blocks we build here (escaped) or through `md_esc` (escaped, and Markdown syntax neutralised).
"""

from __future__ import annotations

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
    target = page_url(to_page)
    start = posixpath.dirname(from_page) or "."
    url = posixpath.relpath(target, start)
    return f"{url}#{anchor}" if anchor else url


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
          row_attrs: list[str] | None = None, caption: str | None = None) -> str:
    """A sortable table. headers: (label, type) or (label, type, priority); type is 'num' or
    'text'; priority 1 (always shown, the default), 2 (hidden below 1100 px) or 3 (below 700 px).
    Cells are HTML; a cell given as (html, sort_value) sorts on sort_value (None = empty,
    sorted last either way). row_attrs are extra (already escaped) attributes per <tr>.
    Sorting is a <button> in each header (keyboard-operable); the <th> carries aria-sort.
    """
    prios = [h[2] if len(h) > 2 else 1 for h in headers]
    head = "".join(
        f'<th scope="col" data-sort="{h[1]}"{_prio(pr)}><button type="button" class="sa-sort">'
        f"{esc(h[0])}</button></th>" for h, pr in zip(headers, prios))
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            cls = _prio(prios[j]) if j < len(prios) else ""
            if isinstance(cell, tuple):
                content, key = cell
                cells.append(f'<td{cls} data-value="{"" if key is None else esc(key)}">{content}</td>')
            else:
                cells.append(f"<td{cls}>{cell}</td>")
        tr = f"<tr {row_attrs[i]}>" if row_attrs else "<tr>"
        body.append(tr + "".join(cells) + "</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (f'<div class="sa-table-wrap" data-search-exclude><table data-sortable {attrs}>{cap}\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody>\n</table></div>")


def _prio(p: int) -> str:
    return f' class="sa-p{p}"' if p > 1 else ""


# Generated HTML never goes through Markdown: `block` files it here and leaves a placeholder
# comment, which hooks.on_page_content swaps back after Markdown ran. Parsing large raw-HTML
# blocks was half of the build time (Python-Markdown's HTML parser); the page is unchanged.
BLOCKS: dict[int, str] = {}
_PLACEHOLDER = re.compile(r"<!--sa-block:(\d+)-->")


def block(inner: str) -> str:
    """HTML kept out of Markdown: a placeholder now, the HTML again after conversion."""
    key = len(BLOCKS)
    BLOCKS[key] = f'<div class="sa-block">\n{inner}\n</div>'
    return f"\n\n<!--sa-block:{key}-->\n\n"


def fill_blocks(html_text: str) -> str:
    """Put back the HTML of every placeholder (each is used once, then dropped)."""
    return _PLACEHOLDER.sub(lambda m: BLOCKS.pop(int(m.group(1))), html_text)


def fmt_num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "–"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.{0 if float(x).is_integer() else digits}f}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"
