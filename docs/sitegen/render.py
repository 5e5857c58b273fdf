"""Jinja2 templates with autoescaping: the one escaping path of generated HTML and SVG.

Templates live in sitegen/templates/. Catalog text passed in is escaped by Jinja2 (markupsafe,
the same escaping `html.esc` uses); HTML built by the helpers of html.py is passed as
`Markup` (already escaped there) and not escaped twice.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

ENV = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                  autoescape=select_autoescape(["html", "svg", "xml"], default=True),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


def render(name: str, **context) -> str:
    return ENV.get_template(name).render(**context)


def safe(html_text: str) -> Markup:
    """HTML that a helper of html.py built (and escaped) itself."""
    return Markup(html_text)
