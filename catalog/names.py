"""How readers name papers and models: the short names tables print and the names a search
must find.

A model's `name` is sometimes not a name (a survey's row label such as "efficient (...)"): its
curated `short_name` is what tables print. A paper is named by its `short_name`, else its first
model. The search names add what readers type instead: "DeepLabv3+" for "DeepLab v3+", and
every name without its accents ("Lovasz" for "Lovász").
"""

from __future__ import annotations

import re
import unicodedata

from catalog.schema import ModelVariant, Paper


def model_short_name(m: ModelVariant) -> str:
    return m.short_name or m.name


def paper_short_name(p: Paper) -> str:
    """The curated `short_name`, else the first model's name, else the title (never a word of it)."""
    if p.short_name:
        return p.short_name
    if p.models:
        return model_short_name(p.models[0])
    return p.title if len(p.title) <= 48 else p.title[:45] + "..."


def fold(text: str) -> str:
    """The text without accents: 'Lovász' -> 'Lovasz' (NFKD, combining marks dropped)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def search_names(p: Paper) -> list[str]:
    """Every name a reader may type for this paper, each once, in order: the paper's short
    name, its models' short names and names, each also without spaces before a version
    ('DeepLab v3+' -> 'DeepLabv3+') and without accents."""
    short = paper_short_name(p)
    names = [short] + [n for m in p.models for n in (model_short_name(m), m.name)]
    # "PSPNet + EMO-1M" finds EMO, not PSPNet: of a composite name keep the parts naming this
    # paper's method, so another paper's head (UperNet, FPN, PSPNet) never leads to this page
    key = fold(short).lower().replace(" ", "")
    names = [" + ".join(parts) if (parts := [x for x in n.split(" + ") if key in fold(x).lower().replace(" ", "")])
             else n for n in names]
    out: list[str] = []
    for n in names:
        for variant in (n, re.sub(r"(?<=[A-Za-z]) (?=[vV]?\d)", "", n)):
            for v in (variant, fold(variant)):
                if v not in out:
                    out.append(v)
    return out
