"""Jinja2 templates with autoescaping: the one escaping path of the generated HTML and SVG.

Templates live in sitegen/templates/: whole pages (front matter, Markdown headings and the
HTML blocks, kept out of Markdown by the `block` and `late` filters) and the small pieces of
macros.html (badges, links, tables). Catalog text passed in is escaped by autoescaping
(markupsafe); HTML a macro rendered is `Markup` and is not escaped twice. Python modules
prepare the data and never write a tag.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from . import html as H
from .data import fmt_claim, sig

ENV = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                  autoescape=select_autoescape(["html", "svg", "xml", "md"], default=True),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.tests["http"] = H.is_http
ENV.tests["sorted_cell"] = lambda cell: isinstance(cell, tuple)
ENV.filters["verdict_class"] = lambda v: re.sub(r"[^a-z-]", "", str(v))
ENV.filters["block"] = lambda text: Markup(H.block(str(text)))
ENV.filters["late"] = lambda text: Markup(H.late(str(text)))
ENV.filters["claim"] = fmt_claim
ENV.filters["sig"] = sig


def render(template: str, **context) -> Markup:
    return Markup(ENV.get_template(template).render(**context))


def macro(name: str):
    """A macro of macros.html, callable from Python (returns Markup)."""
    return getattr(ENV.get_template("macros.html").module, name)


__all__ = ["ENV", "Markup", "escape", "macro", "render"]
