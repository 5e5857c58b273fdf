"""Registry of sources that numbers may cite.

A number cites a source by `ref`. The seed surveys are cited by their file name without
extension. `paper` means the paper the entry describes (give `where`: table or section);
`official-code` means the paper's official repository (give `url`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    id: str
    kind: str  # seed | paper | code | leaderboard | library | reimplementation
    title: str
    url: str | None = None
    needs: tuple[str, ...] = ()  # fields a reference to this source must fill
    grade: str = "primary"  # primary: the authors' own (paper, code); secondary: a copy or a reproduction


SOURCES: dict[str, Source] = {
    s.id: s
    for s in [
        Source("000_120f5c55618baebb", "seed",
               "Segmentation-Series-Chaos (summary of the 2019 Neurocomputing survey)",
               "https://github.com/HymEric/Segmentation-Series-Chaos", grade="secondary"),
        Source("001_48835b735b05f6a6", "seed", "Deep-Learning-Semantic-Segmentation paper list",
               "https://github.com/zhangbin0917/Deep-Learning-Semantic-Segmentation", grade="secondary"),
        Source("002_b6762589af1199bb", "seed", "Deep Learning based Semantic Segmentation Algorithm (blog)",
               grade="secondary"),
        Source("003_a4ae7a397f57721f", "seed",
               "Review of semantic segmentation architectures (a translated retelling of Meet Shah's "
               "'Semantic Segmentation using Fully Convolutional Networks over the years')",
               "https://meetshah.dev/blog/semantic-segmentation-over-the-years/", grade="secondary"),
        Source("004_a470b328ba57d261", "seed", "语义分割总结 (Chinese summary with benchmark tables)",
               grade="secondary"),
        Source("paper", "paper", "The paper the entry describes", needs=("where",)),
        Source("official-code", "code", "The paper's official code repository", needs=("url",)),
        Source("arxiv", "paper", "The paper's arXiv listing (title, authors, date)", needs=("url",)),
        Source("publisher", "paper", "The paper on its venue's page (CVF open access, OpenReview, journal)",
               needs=("url",)),
        Source("mmsegmentation", "reimplementation", "OpenMMLab mmsegmentation model zoo (a reproduction)",
               "https://github.com/open-mmlab/mmsegmentation", needs=("url",), grade="secondary"),
        Source("other-paper", "paper", "Another paper's table (a comparison or re-training by other authors), "
               "named by its url", needs=("url", "where"), grade="secondary"),
        Source("web", "web", "A web page (blog, summary, Q&A) named by its url", needs=("url",),
               grade="secondary"),
        Source("third-party", "reimplementation", "A third-party reproduction or model zoo (named by its url)",
               needs=("url",), grade="secondary"),
        Source("voc-leaderboard", "leaderboard", "PASCAL VOC 2012 evaluation server leaderboard",
               "http://host.robots.ox.ac.uk:8080/leaderboard/displaylb.php?challengeid=11&compid=6"),
        Source("cityscapes-benchmark", "leaderboard", "Cityscapes benchmark suite",
               "https://www.cityscapes-dataset.com/benchmarks/"),
        Source("torchvision", "library", "torchvision model weights metadata (`Weights.meta`)",
               "https://pytorch.org/vision/stable/models.html#semantic-segmentation"),
    ]
}

SEEDS: tuple[str, ...] = tuple(s.id for s in SOURCES.values() if s.kind == "seed")
GRADES = ("primary", "secondary")


def grade_of(refs) -> str:
    """A number's grade: primary when any of its sources is (the paper, the authors' code)."""
    return "primary" if any(SOURCES[r.ref].grade == "primary" for r in refs) else "secondary"


# A locator names what a reader can open (the paper with its version and table, the publisher's
# page, the repository at a commit), never the tool, index or mirror through which we happened to
# read it. These phrases only ever described the latter.
HOW_READ = re.compile(
    r"search tool|code index|code-corpus|file[ -]id\b|plain-text extraction|markdown extraction|"
    r"html extraction|extraction (?:of|held)|read via\b|text read\b|search-engine|\bcached? (?:copy|page)|"
    r"arxiv-vanity|tomesphere|sciencestack|study\.space|fdocuments|vdocuments?\.|dokumen\.tips|"
    r"scribd\.com|slidelegend|readkong|studylib|docslib|pdfslide|moam\.info",
    re.IGNORECASE)


# A piece of text that each alternative of HOW_READ cannot match without: `re` tries the whole
# alternation at every character (25 us a note, 5 s for the 200,000 notes of 10,000 papers);
# these substring tests take about 1 us. The case-folded text holds every character that
# IGNORECASE lets match them (K -> k, long s -> s), so no match is ever skipped.
_HOW_READ_PIECES = ("search tool", "code index", "code-corpus", "file id", "file-id", "extraction",
                    "read via", "text read", "search-engine", "cache", "arxiv-vanity",
                    "tomesphere", "sciencestack", "study.space", "fdocuments", "vdocument",
                    "dokumen.tips", "scribd.com", "slidelegend", "readkong", "studylib",
                    "docslib", "pdfslide", "moam.info")


def how_read(text: str) -> str | None:
    """The phrase of `text` that names a tool, an index, a file id or a mirror, if any."""
    if not any(map(text.casefold().__contains__, _HOW_READ_PIECES)):
        return None
    m = HOW_READ.search(text)
    return m.group(0) if m else None
