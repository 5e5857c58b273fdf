"""Sources a reader can open: no note or `where` names a tool, an index, a file id or a mirror.

The check lives in catalog.checks (`_locators`, phrases in catalog.sources.HOW_READ); here it
refuses a located example, and the committed catalog and excerpt fixtures, comments included,
hold none of the phrases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.load import CatalogError, load_catalog
from catalog.sources import HOW_READ, how_read
from tests.catalog.conftest import VALID

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("phrase", [
    "read from the search tool's code index (file id 57009343041)",
    "a plain-text extraction of the arXiv v3 PDF",
    "read via the arxiv-vanity rendering https://www.arxiv-vanity.com/papers/1505.00393/",
    "hardware not stated in the text read",
])
def test_a_note_that_names_how_it_was_read_is_refused_at_its_line(tmp_path, phrase):
    text = VALID.replace("sources: [{ref: paper, where: Table 3}]",
                         f"sources: [{{ref: paper, where: Table 3, note: \"{phrase}\"}}]")
    path = tmp_path / "papers.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    issues = e.value.errors
    assert len(issues) == 1
    assert issues[0].line == 17
    assert "names a tool, an index, a file id or a mirror" in issues[0].message
    assert issues[0].message.startswith(f"'{how_read(phrase)}'")


def test_a_plain_locator_passes():
    assert how_read("Table 1a, row MiT-B0, ADE20K mIoU(SS) (arXiv 2105.15203v3)") is None
    assert how_read("table \"ADE20K\", row SegNeXt-T, column mIoU (ss)") is None


@pytest.mark.parametrize("rel", ["data/papers.yaml", *sorted(
    str(p.relative_to(REPO)) for p in (REPO / "tests/catalog/fixtures/source_excerpts").glob("*.txt"))])
def test_committed_sources_name_no_tool_even_in_comments(rel):
    """Notes are checked by `catalog validate`; comments and excerpt headers here (a web page
    that is itself the cited secondary source may keep its url)."""
    for n, line in enumerate((REPO / rel).read_text(encoding="utf-8").splitlines(), 1):
        if not line.lstrip().startswith("#"):
            continue
        m = HOW_READ.search(line)
        assert m is None, f"{rel}:{n}: '{m.group(0)}'"
