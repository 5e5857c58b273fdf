"""Pieces shared by several pages: front matter, sources, settings badges, code links."""

from __future__ import annotations

import yaml

from catalog.schema import CodeLink, Paper, Result, SourceRef
from catalog.sources import SOURCES

from . import data as D
from .html import a, badge, esc, ext_link, rel


def front(title: str, **meta) -> str:
    # The theme prints titles without escaping, so the escaped form goes into the metadata.
    return "---\n" + yaml.safe_dump({"title": esc(title), **meta}, allow_unicode=True) + "---\n\n"


def h1(text: str) -> str:
    return f"<h1>{esc(text)}</h1>\n\n"


def short_name(p: Paper) -> str:
    """A short label for a paper: the part of the title before ':', else its first model's name."""
    head = p.title.split(":")[0].strip()
    if ":" in p.title and len(head) <= 30:
        return head
    if p.models:
        return p.models[0].name.split(" (")[0]
    return p.title if len(p.title) <= 48 else p.title[:45] + "..."


def paper_link(from_page: str, p: Paper, text: str | None = None) -> str:
    return a(rel(from_page, f"papers/{p.id}.md"), text or p.title, p.title if text else None)


def source_html(ref: SourceRef, from_page: str) -> str:
    src = SOURCES[ref.ref]
    label = f"seed {ref.ref[:3]}" if src.kind == "seed" else ref.ref
    tip = " · ".join(x for x in (src.title, ref.where, ref.note) if x)
    if src.kind == "seed":
        out = a(rel(from_page, "sources.md", ref.ref), label, tip)
    elif ref.url or src.url:
        out = f'<span title="{esc(tip)}">{ext_link(ref.url or src.url, label)}</span>'
    else:
        out = f'<span title="{esc(tip)}">{esc(label)}</span>'
    if ref.where:
        out += f" ({esc(ref.where)})"
    return out


def sources_html(refs: list[SourceRef], from_page: str) -> str:
    return "; ".join(source_html(r, from_page) for r in refs)


def setting_badges(r: Result) -> str:
    s = r.setting
    out = [badge(f"+{x.upper()}", "extra", f"extra training data: {x}") for x in s.extra_data]
    for name, on, tip in (("MS", s.multi_scale, "multi-scale test"), ("flip", s.flip, "flip test"),
                          ("CRF", s.crf, "CRF post-processing")):
        if on:
            out.append(badge(name, name.lower(), tip))
    if s.backbone:
        out.append(badge(s.backbone, "backbone", "backbone"))
    if s.input_size:
        out.append(badge(s.input_size, "size", "input size"))
    return " ".join(out)


def ordered_code(code: list[CodeLink]) -> list[CodeLink]:
    return sorted(code, key=lambda c: not c.official)  # official first, otherwise as listed


def code_html(code: list[CodeLink], first_only: bool = False) -> str:
    links = ordered_code(code)[:1] if first_only else ordered_code(code)
    out = []
    for c in links:
        label = "official" if c.official else "code"
        if c.framework:
            label += f" ({c.framework})"
        out.append(ext_link(c.url, label) + (f" – {esc(c.note)}" if c.note and not first_only else ""))
    return "<br>".join(out) if out else "–"


def score_html(row: D.Row, from_page: str) -> tuple[str, float]:
    v = D.fmt_claim(row.result.value)
    if row.conflicts:
        others = ", ".join(D.fmt_claim(x) for x in row.conflicts)
        tip = f"Sources disagree: also reported as {others} under the same settings"
        v += " " + a(rel(from_page, "conflicts.md"), "⚠", tip).replace("<a ", '<a class="sa-warn" ', 1)
    return v, row.result.value
