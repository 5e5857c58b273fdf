"""Seed 004 coverage: every row of its "Benchmarks (VOC2012)" tables is in the catalog.

Seed 004 (/work/shared/seeds/004_a470b328ba57d261.txt) is a Typora HTML export. Its tables are
read from the HTML itself (html.parser), not from a hand-made copy, so a row added to or
changed in the seed shows up here. Each row must be a VOC2012 mIoU result of the right model,
citing seed 004, with the Comment and Source columns kept in the note, the settings the comment
states filled in, and the leaderboard link kept as the source's url. The "论文信息" (paper info)
blocks are checked too: title, arXiv id and the year of "Submitted on <date>" (or the next, the venue's).

The catalog is data/papers.yaml (catalog.DEFAULT_CATALOG); set SEGATLAS_CATALOG to check another
file, e.g. SEGATLAS_CATALOG=data/fragments/b2.yaml before the fragments are merged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from catalog import DEFAULT_CATALOG, REPO_ROOT
from catalog.load import load_catalog
from catalog.schema import Catalog, Result

SEED_ID = "004_a470b328ba57d261"
SEED = Path(__file__).parents[2].parent / "shared" / "seeds" / f"{SEED_ID}.txt"

# Section heading in the seed -> paper id.
PAPER_OF_SECTION = {
    "1. FCN": "fcn",
    "2. Segnet": "segnet",
    "3. Dilated convolution": "dilation",
    "4. DeepLab(v1,v2)": "deeplabv2",
    "5. RefineNet": "refinenet",
    "6. PSPNet": "pspnet",
}
# Section heading -> model id, or comment -> model id where one table covers several variants.
MODEL_OF_ROW = {
    "1. FCN": "fcn8s",
    "2. Segnet": "segnet",
    "3. Dilated convolution": {
        "frontend": "dilation-frontend",
        "frontend + context": "dilation8",
        "frontend + context + CRF": "dilation8",
        "frontend + context + CRF-RNN": "dilation8-crf-rnn",
    },
    "4. DeepLab(v1,v2)": "deeplabv2-resnet101",
    "5. RefineNet": "refinenet-resnet101",
    "6. PSPNet": "pspnet",
}


@dataclass
class Row:
    section: str
    score: str
    comment: str
    source: str
    url: str | None


@dataclass
class PaperInfo:
    section: str
    text: str
    urls: list[str] = field(default_factory=list)


class SeedParser(HTMLParser):
    """Collects the benchmark-table rows and the paper-info blockquotes, by section (h4)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[Row] = []
        self.infos: list[PaperInfo] = []
        self.section = ""
        self._in_h4 = self._in_tbody = False
        self._cell: list[str] | None = None
        self._cells: list[tuple[str, str | None]] = []
        self._href: str | None = None
        self._quote: PaperInfo | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "h4":
            self._in_h4, self.section = True, ""
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self._cells = []
        elif tag == "td" and self._in_tbody:
            self._cell, self._href = [], None
        elif tag == "a" and self._cell is not None:
            self._href = href
        elif tag == "blockquote":
            self._quote = PaperInfo(self.section, "")
        elif tag == "a" and self._quote is not None and href:
            self._quote.urls.append(href)
        elif tag == "p" and self._quote is not None:
            self._quote.text += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h4":
            self._in_h4 = False
            self.section = self.section.strip()
        elif tag == "tbody":
            self._in_tbody = False
        elif tag == "td" and self._cell is not None:
            self._cells.append(("".join(self._cell).strip(), self._href))
            self._cell = None
        elif tag == "tr" and self._in_tbody and self._cells:
            (score, _), (comment, _), (source, url) = self._cells
            self.rows.append(Row(self.section, score, comment, source, url))
        elif tag == "blockquote" and self._quote is not None:
            self.infos.append(self._quote)
            self._quote = None

    def handle_data(self, data: str) -> None:
        if self._in_h4:
            self.section += data
        if self._cell is not None:
            self._cell.append(data)
        if self._quote is not None:
            self._quote.text += data


def _parse() -> SeedParser:
    if not SEED.is_file():
        pytest.skip(f"seed 004 not found at {SEED} (the shared seeds live beside the repo)")
    parser = SeedParser()
    parser.feed(SEED.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def seed() -> SeedParser:
    return _parse()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    env = os.environ.get("SEGATLAS_CATALOG")
    path = (REPO_ROOT / env) if env else DEFAULT_CATALOG
    if not path.is_file():
        pytest.skip(f"catalog {path} not found; set SEGATLAS_CATALOG (e.g. data/fragments/b2.yaml)")
    return load_catalog(path)


def _model_for(row: Row) -> str:
    rule = MODEL_OF_ROW[row.section]
    return rule if isinstance(rule, str) else rule[row.comment]


def _cites_004(r: Result) -> bool:
    return any(s.ref == SEED_ID for s in r.sources)


def _stated_setting(comment: str) -> dict:
    """The settings a comment states, read literally ("no CRF" states crf false)."""
    low = comment.lower()
    stated: dict = {}
    if "crf" in low.replace("crf-rnn", "crf"):
        stated["crf"] = not re.search(r"\bno crf\b", low)
    if "coco" in low:
        stated["coco"] = not re.search(r"\bno (ms)?coco\b", low)
    if re.search(r"multi ?scale", low):
        stated["multi_scale"] = True
    return stated


# ---------------------------------------------------------------------------- the parser


def test_parser_reads_every_benchmark_table(seed: SeedParser) -> None:
    # Six sections have a table; 11 rows in all (FCN 2, SegNet 1, Dilation 4, DeepLab 1,
    # RefineNet 1, PSPNet 2). Sections 7 and 8 of the seed are empty ("pass").
    assert [r.section for r in seed.rows].count("3. Dilated convolution") == 4
    assert sorted({r.section for r in seed.rows}) == sorted(PAPER_OF_SECTION)
    assert [r.score for r in seed.rows] == [
        "62.2", "67.2", "59.9", "71.3", "73.5", "74.7", "75.3", "79.7", "84.2", "85.4", "82.6"]
    fcn_heavy = seed.rows[1]
    assert fcn_heavy.comment == "More momentum. Not described in paper"
    assert fcn_heavy.source == "leaderboard"
    assert fcn_heavy.url is not None and fcn_heavy.url.endswith("#KEY_FCN-8s-heavy")
    assert seed.rows[3].source == "reported in the paper" and seed.rows[3].url is None


def test_stated_setting_reads_negations() -> None:
    assert _stated_setting("MSCOCO pretraining, multi scale input, no CRF") == {
        "crf": False, "coco": True, "multi_scale": True}
    assert _stated_setting("no MSCOCO pretraining, multi scale input, no CRF") == {
        "crf": False, "coco": False, "multi_scale": True}
    assert _stated_setting("Uses CRF, Multiscale inputs, COCO pretraining") == {
        "crf": True, "coco": True, "multi_scale": True}
    assert _stated_setting("frontend") == {}


# ---------------------------------------------------------------------------- coverage


def _rows() -> list[Row]:
    # Parametrize at collection time; an absent seed gives one skipped case.
    return _parse().rows if SEED.is_file() else []


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r.section}:{r.score}")
def test_each_table_row_is_in_the_catalog(row: Row, catalog: Catalog) -> None:
    paper = catalog.paper(PAPER_OF_SECTION[row.section])
    model = _model_for(row)
    assert any(m.id == model for m in catalog.model_owner(model).models)
    matches = [r for r in paper.results
               if r.model == model and r.dataset == "voc2012" and r.metric == "miou"
               and r.value == float(row.score) and _cites_004(r)]
    assert matches, (f"seed 004 '{row.section}' row {row.score} ({row.comment}) is not a "
                     f"voc2012 miou result of {model} citing {SEED_ID}")
    r = next((m for m in matches if row.comment in (m.note or "")), None)
    assert r is not None, f"no matching result keeps the comment {row.comment!r} in its note"
    assert row.source in r.note, f"note of {model} {row.score} lacks the Source column {row.source!r}"
    # A leaderboard score is a test-server score; the seed keeps its link.
    if row.source == "leaderboard":
        assert r.split == "test"
        assert any(s.ref == SEED_ID and s.url == row.url for s in r.sources)
    stated = _stated_setting(row.comment)
    if "crf" in stated:
        assert r.setting.crf is stated["crf"]
    if "coco" in stated:
        assert ("coco" in r.setting.extra_data) is stated["coco"]
    if "multi_scale" in stated:
        assert r.setting.multi_scale is True


def test_paper_info_blocks_match_the_catalog(seed: SeedParser, catalog: Catalog) -> None:
    # "<title> / Submitted on <d Mon yyyy> / Arxiv Link" per paper (DeepLab has v1 and v2).
    entry = re.compile(r"(?:v\d\s*:\s*)?(?P<title>[^\n]+?)\s*\n?\s*Submitted on \d{1,2} \w{3} (?P<year>\d{4})")
    seen = 0
    for info in seed.infos:
        found = list(entry.finditer(info.text))
        assert len(found) == len(info.urls), f"{info.section}: titles and links do not pair up"
        for m, url in zip(found, info.urls):
            arxiv = url.rsplit("/", 1)[-1]
            paper = next((p for p in catalog.papers if p.arxiv == arxiv), None)
            assert paper is not None, f"no catalog paper with arXiv {arxiv} ({m['title']})"
            assert paper.title == m["title"].strip()
            # The catalog's year is the venue's where one is known (arXiv submission may be
            # the year before, e.g. FCN: submitted 2014, CVPR 2015).
            assert paper.year in (int(m["year"]), int(m["year"]) + 1)
            assert any(s.ref == SEED_ID for s in paper.sources)
            seen += 1
    assert seen == 7  # FCN, SegNet, Dilation, DeepLab v1, DeepLab v2, RefineNet, PSPNet
