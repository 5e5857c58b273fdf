"""Escaping, links, and the placeholders that keep generated HTML out of Markdown.

Catalog text is untrusted. Pages are Jinja2 templates with autoescaping (sitegen/render.py);
`esc` is the same escaping (markupsafe) for the few places outside HTML templates (titles in
front matter, plot labels, the search index). The builders here (`a`, `badge`, `table`, ...)
call the macros of templates/macros.html and return Markup.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re

from markupsafe import Markup, escape

_HTTP = re.compile(r"^https?://[^\s<>\"']+$")


def esc(value: object) -> Markup:
    """Catalog text as HTML: markupsafe's escaping, the one Jinja2's autoescaping uses."""
    return escape("" if value is None else str(value))


def is_http(url: str | None) -> bool:
    return bool(url) and bool(_HTTP.match(url))


def ext_link(url: str | None, text: object | None = None, title: str | None = None) -> Markup:
    """An external link, only for http(s) URLs; anything else renders as plain escaped text."""
    return _macro("ext_link")(None if url is None else str(url), text, title)


def attr(id: str | None = None, hidden: bool = False, **values) -> str:
    """Row attributes from fixed names and escaped values: attr(id="x", verdict="no run") ->
    'id="x" data-verdict="no run"' (other names get a data- prefix; underscores become dashes)."""
    out = [f'id="{escape(id)}"'] if id else []
    out += [f'data-{k.replace("_", "-")}="{escape(v)}"' for k, v in values.items()]
    return " ".join(out) + (" hidden" if hidden else "")


def script_json(obj) -> Markup:
    """Data for a <script type="application/json"> (read back with JSON.parse, so never
    HTML-escaped: `</` and `<!--` are escaped for the script element instead)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\u0021--"))


def _macro(name: str):
    from .render import macro  # render imports this module

    return macro(name)


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


def a(href: str, text: object, title: str | None = None) -> Markup:
    """An internal link; `href` must come from `rel` (never from catalog text)."""
    return _macro("link")(href, text, title)


def badge(text: str, kind: str = "", title: str | None = None) -> Markup:
    return _macro("badge")(text, kind, title)


def verdict_badge(verdict: str) -> Markup:
    return _macro("verdict_badge")(verdict)


def table(headers: list[tuple], rows: list[list], attrs: str = "",
          row_attrs: list[str] | None = None, caption: str | None = None, lead: int = 1) -> Markup:
    """A sortable table that keeps every column on every width (macros.html: table). headers:
    (label, type); type is 'num' or 'text'. Cells are Markup (escaped by whoever built them)
    or text (escaped here); a cell given as (content, sort_value) sorts on sort_value (None =
    empty, sorted last either way). `attrs` and `row_attrs` are attribute strings built from
    fixed names and escaped values. From 1024 px up every column is in view (cells wrap); on a
    phone each row becomes a card: its first `lead` cells on one line, then one labelled line
    per other cell (`data-label`), so a score keeps its settings and its sources beside it.
    Sorting is a <button> in each header (keyboard-operable); the <th> carries aria-sort.
    Kept out of Markdown and the search index (`late`)."""
    return late(_macro("table")(headers, rows, Markup(attrs), [Markup(r) for r in row_attrs or []] or None,
                                    caption, lead))


# Generated HTML never goes through Markdown: `block` files it here and leaves a placeholder
# comment, which hooks.on_page_content swaps back after Markdown ran. Tables go in later still
# (`late`, swapped back in hooks.on_post_page): the search index leaves them out anyway, and the
# search plugin's HTML parser no longer reads them. Parsing large raw HTML in Markdown and in the
# search plugin was most of the build time; the pages are unchanged.
BLOCKS: dict[str, str] = {}
_PLACEHOLDER = {kind: re.compile(rf"<!--sa-{kind}:(\d+)-->") for kind in ("block", "late")}


def _hold(kind: str, html_text: str) -> Markup:
    key = str(len(BLOCKS))
    BLOCKS[key] = str(html_text)
    return Markup(f"<!--sa-{kind}:{key}-->")


def block(inner: str) -> Markup:
    """HTML kept out of Markdown: a placeholder now, the HTML again after conversion."""
    return Markup("\n\n") + _hold("block", Markup('<div class="sa-block">\n{}\n</div>').format(Markup(inner))) \
        + Markup("\n\n")


def late(html_text: str) -> Markup:
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
