"""Pieces shared by several pages: front matter, names, sources, settings badges, code links."""

from __future__ import annotations

import re

import yaml
from markupsafe import Markup

from catalog.compare.states import pretraining_state
from catalog.names import paper_short_name
from catalog.schema import CodeLink, Paper, Setting, SourceRef
from catalog.sources import SOURCES
from catalog.vocab import PRETRAINING

from . import data as D
from .html import a, badge, esc, rel
from .render import ENV


def front(title: str, **meta) -> str:
    # The theme prints titles without escaping, so the escaped form goes into the metadata.
    return Markup("---\n" + yaml.safe_dump({"title": str(esc(title)), **meta}, allow_unicode=True) + "---\n\n")


def short_name(p: Paper) -> str:
    return paper_short_name(p)


def paper_link(from_page: str, p: Paper, text: str | None = None) -> str:
    return a(rel(from_page, f"papers/{p.id}.md"), text or p.title, p.title if text else None)


# Sources whose registry title only says what kind of page they are: a reference names them
# by its own url.
NAMED_BY_URL = frozenset({"official-code", "arxiv", "publisher", "other-paper", "web", "third-party",
                          "mmsegmentation"})


def url_label(url: str) -> str:
    """'https://github.com/o/r/blob/<sha>/README.md' -> 'github.com/o/r: README.md'."""
    rest = re.sub(r"^https?://(www\.)?", "", str(url)).rstrip("/")
    host, _, path = rest.partition("/")
    parts = [x for x in path.split("/") if x]
    if host == "github.com" and len(parts) >= 2:
        repo = "/".join(parts[:2])
        tail = parts[4:] if len(parts) > 4 and parts[2] in ("blob", "tree") else parts[2:]
        return f"{host}/{repo}" + (f": {'/'.join(tail)}" if tail else "")
    if host == "arxiv.org" and parts[:1] == ["abs"] and len(parts) > 1:
        return f"arXiv {parts[1]}"
    short = "/".join(parts)
    return host + ("/" + short if short and len(short) <= 40 else "/…" if short else "")


def source_label(ref_id: str, paper: Paper | None = None, url: str | None = None) -> str:
    """A source by its title: 'the SegFormer paper', 'github.com/NVlabs/SegFormer', a seed's
    title. Never the registry's description of a kind of page."""
    src = SOURCES[ref_id]
    if ref_id == "paper":
        return f"the {paper_short_name(paper)} paper" if paper else "the paper"
    if ref_id in NAMED_BY_URL and url:
        return url_label(url)
    if ref_id == "official-code":
        return "official code"
    return src.title


def paper_url(p: Paper | None) -> str | None:
    if p is None:
        return None
    if p.arxiv:
        return f"https://arxiv.org/abs/{p.arxiv}"
    return str(p.links[0].url) if p.links else None


def source_view(ref: SourceRef, from_page: str, compact: bool = False, paper: Paper | None = None) -> dict:
    """A source for pieces.html: by its title, linked (seeds to the sources page, the paper to
    its arXiv page, others to their url); `where` shown in brackets, or, when `compact`, in
    the link's tooltip."""
    src = SOURCES[ref.ref]
    url = str(ref.url) if ref.url else (paper_url(paper) if ref.ref == "paper" else src.url)
    label = source_label(ref.ref, paper, url)
    return {"label": label, "url_label": bool(url) and label == url_label(url),
            "tip": " · ".join(x for x in ((ref.where if compact else None), ref.note) if x) or None,
            "href": rel(from_page, "sources.md", ref.ref) if src.kind == "seed" else None,
            "url": url, "where": None if compact else ref.where}


def source_html(ref: SourceRef, from_page: str, compact: bool = False, paper: Paper | None = None) -> Markup:
    return piece("source")(source_view(ref, from_page, compact, paper))


def sources_html(refs: list[SourceRef], from_page: str, compact: bool = False, paper: Paper | None = None) -> Markup:
    return piece("sources")([source_view(r, from_page, compact, paper) for r in refs])


def piece(name: str):
    return getattr(ENV.get_template("pieces.html").module, name)


def grade_badge(grade: str) -> str:
    tip = ("primary: the authors' own paper or code" if grade == "primary"
           else "secondary: a survey, blog, leaderboard copy or reproduction")
    return badge(grade, f"g-{grade}", tip)


def setting_badges(s: Setting, dataset: str, pre_state: str | None = None) -> Markup:
    return piece("badges")(setting_items(s, dataset, pre_state))


def setting_items(s: Setting, dataset: str, pre_state: str | None = None) -> list[tuple[str, str, str]]:
    """(text, kind, tooltip) per thing a score's sources state (and ? for what they leave unstated)."""
    out = []
    state = D.extra_state(s, dataset)
    if state == "none":
        out.append(("no extra data", "none", "the source states no extra training data"))
    elif state == "unknown":
        out.append(("extra data ?", "unknown", "extra training data not stated"))
    for x in s.extra_data or []:
        out.append((f"+{x.upper()}", "extra", f"extra training data: {x}"))
    pre_state = pre_state or pretraining_state(s)
    if pre_state == "unknown":
        out.append(("pre-training ?", "unknown", "backbone pre-training not stated"))
    for x in s.pretraining or []:
        kind = "extra" if pre_state == "large" else "pre"
        out.append((f"pre: {x}", kind, "backbone pre-training: " + PRETRAINING.get(x, x)))
    tta = D.tta_state(s)
    if tta == "single":
        out.append(("single-scale", "single", "no multi-scale, no flip at test time"))
    elif tta == "unknown" and not (s.multi_scale or s.flip):
        out.append(("TTA ?", "unknown", "test-time augmentation not stated"))
    for name, on, tip in (("MS", s.multi_scale, "multi-scale test"), ("flip", s.flip, "flip test"),
                          ("CRF", s.crf, "CRF post-processing")):
        if on:
            out.append((name, name.lower(), tip))
    inference = getattr(s, "inference", None)
    if inference:
        out.append((inference, "size", "whole-image or sliding-window inference"))
    if getattr(s, "output_stride", None):
        out.append((f"OS {s.output_stride}", "size", "output stride"))
    if s.backbone:
        out.append((s.backbone, "backbone", "backbone"))
    if s.input_size:
        out.append((f"test {s.input_size}", "size", "test input size"))
    if s.crop_size:
        out.append((f"crop {s.crop_size}", "size", "training crop"))
    sched = " ".join(x for x in (s.train_iters and f"{s.train_iters:,} iter.", s.train_epochs and
                                  f"{s.train_epochs} epochs", s.train_batch and f"batch {s.train_batch}") if x)
    if sched:
        out.append((sched, "size", "training schedule"))
    return out


def ordered_code(code: list[CodeLink]) -> list[CodeLink]:
    return sorted(code, key=lambda c: not c.official)  # official first, otherwise as listed


def code_html(code: list[CodeLink], first_only: bool = False) -> Markup:
    links = ordered_code(code)[:1] if first_only else ordered_code(code)
    items = []
    for c in links:
        label = "official" if c.official else "code"
        if c.framework:
            label += f" ({c.framework})"
        items.append((str(c.url), label, None if first_only else c.note))
    return piece("code_links")(items)


def score_html(data: D.SiteData, row: D.Row, from_page: str) -> tuple[Markup, float]:
    """The score, and a mark per disagreement: ⚠ a conflict, ⚠? a possible one, each saying why."""
    marks = []
    for link in sorted(row.conflicts, key=lambda c: c.status != "conflict")[:2]:
        others = ", ".join(D.fmt_claim(o) for o in link.others)
        word = "Sources disagree" if link.status == "conflict" else "Possible conflict"
        marks.append((link.status, rel(from_page, "conflicts.md", D.conflict_anchor(data, link.index)),
                      f"{word}: also reported as {others}; {link.reason}"))
    # an independent re-training judged on the same protocol: "re-trained by mmsegmentation: 45.3"
    v = data.repro.get(row.id)
    repro = (v.verdict, v.words) if v is not None and v.judged else None
    return piece("score")(D.fmt_claim(row.value), marks, repro), row.value
