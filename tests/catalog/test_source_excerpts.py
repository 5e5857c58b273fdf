"""Numbers transcribed from primary sources, checked against verbatim excerpts of those sources.

`fixtures/source_excerpts/<paper id>.txt` holds, under header lines `# <url>` (the file or page
the lines were copied from; for the paper itself, a header containing the source's `where`,
e.g. `# paper, Table 1 (arXiv v3)`), a few lines copied verbatim from the source: README table
rows, a paper's table. Every catalog number of that paper that cites one of those sources must
appear in the lines under its header, written as the catalog stores it (trailing zeros aside).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalog import DEFAULT_CATALOG
from catalog.load import load_catalog

EXCERPTS = Path(__file__).parent / "fixtures" / "source_excerpts"
FILES = sorted(EXCERPTS.glob("*.txt"))


def _sections(text: str) -> dict[str, str]:
    """url -> the verbatim lines under its `# url` header."""
    out: dict[str, list[str]] = {}
    url = None
    for line in text.splitlines():
        if line.startswith("# "):
            url = line[2:].strip()
            out.setdefault(url, [])
        elif url is not None:
            out[url].append(line)
    return {u: "\n".join(ls) for u, ls in out.items()}


def _spellings(v: float) -> set[str]:
    """How a source may print the stored value: as is, without trailing zeros, or as a
    fraction of one (STDC's README prints 72.22% as 0.7222), or to three decimals (42.840)."""
    s = repr(float(v))
    out = {s, s.rstrip("0").rstrip("."), f"{v:.1f}", f"{v:.2f}", f"{v:.3f}", f"{v / 100:.4f}"}
    return out


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DEFAULT_CATALOG)


def test_excerpts_exist_for_the_modern_canon():
    assert len(FILES) >= 10, [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_cited_numbers_appear_in_the_excerpt(catalog, path: Path):
    sections = _sections(path.read_text(encoding="utf-8"))
    assert sections, f"{path.name}: no '# <url>' header"
    by_id = {p.id: p for p in catalog.papers}
    assert path.stem in by_id, f"{path.name}: no paper '{path.stem}' in the catalog"
    paper = by_id[path.stem]
    checked = 0
    for claim in [*paper.results, *paper.efficiency]:
        for src in claim.sources:
            key = next((h for h in sections if (src.url and src.url in h)
                        or (src.ref == "paper" and src.where and src.where in h)), None)
            if key is None:
                continue
            numbers = _numbers(sections[key])
            assert _spellings(claim.value) & numbers, (
                f"{paper.id}: {claim.model} {claim.value} cites {key} but the excerpt has no such number")
            checked += 1
    assert checked, f"{path.name}: no catalog number of '{paper.id}' cites the excerpted urls"
