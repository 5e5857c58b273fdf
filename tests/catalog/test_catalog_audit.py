"""Honesty audit of data/papers.yaml against the seed surveys.

* Every number that cites a seed survey appears in that seed's text (a few conversions of words
  into numbers are listed in CONVERTED, each with the words the seed uses).
* Every `arxiv` id is stated by a seed (ids confirmed elsewhere go in `links`, with a comment).
* Every paper whose title no seed states carries a YAML comment saying where it was confirmed.

The seeds live in /work/shared/seeds (seed 004 is HTML and is read with its tags stripped).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from catalog import DEFAULT_CATALOG

SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"

pytestmark = pytest.mark.skipif(
    not (DEFAULT_CATALOG.exists() and SEEDS.is_dir()), reason="no catalog or no seeds"
)

# (paper id, value) -> words the seed uses for that number.
CONVERTED = {
    ("fcn", 0.333): "one third of a second",
    ("sharpmask", 0.8): "under .8s per image",
}


def _seed_texts() -> dict[str, str]:
    texts = {}
    for f in sorted(SEEDS.glob("*.txt")):
        t = f.read_text(encoding="utf-8")
        if f.name.startswith("004_"):
            t = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", t, flags=re.S)
            t = html.unescape(re.sub(r"<[^>]+>", " ", t))
        texts[f.stem] = t
    return texts


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return _seed_texts()


@pytest.fixture(scope="module")
def papers() -> list[dict]:
    return yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))


def _spellings(v: float | int) -> set[str]:
    out = {str(v)}
    if isinstance(v, float):
        out |= {f"{v:g}", f"{v:.2f}"}
    return out


def test_seed_cited_numbers_appear_in_their_seed(papers, seeds):
    missing = []
    for p in papers:
        for kind in ("results", "efficiency"):
            for claim in p.get(kind) or []:
                v = claim["value"]
                for src in claim["sources"]:
                    text = seeds.get(src["ref"])
                    if text is None:  # torchvision, paper, official-code
                        continue
                    words = CONVERTED.get((p["id"], v))
                    if words is not None:
                        ok = _norm(words) in _norm(text)
                    else:
                        ok = any(
                            re.search(r"(?<![\d.])" + re.escape(s) + r"(?!\d)", text)
                            for s in _spellings(v)
                        )
                    if not ok:
                        missing.append((p["id"], kind, claim.get("model"), v, src["ref"]))
    assert not missing, f"numbers not found in the seed they cite: {missing}"


def test_arxiv_ids_are_stated_by_a_seed(papers, seeds):
    everything = "\n".join(seeds.values())
    # Papers beyond the seeds name where their metadata was read (`metadata_sources`).
    unstated = [(p["id"], p["arxiv"]) for p in papers
                if p.get("arxiv") and p["arxiv"] not in everything and not p.get("metadata_sources")]
    assert not unstated, f"arXiv ids no seed states (move them to links, with a confirming comment): {unstated}"


def test_titles_not_in_a_seed_say_where_they_were_confirmed(papers, seeds):
    everything = _norm("\n".join(seeds.values()))
    raw = DEFAULT_CATALOG.read_text(encoding="utf-8")
    blocks = {m.group(1): m.group(0) for m in re.finditer(r"(?ms)^- id: (\S+)\n.*?(?=^- id: |\Z)", raw)}
    unconfirmed = []
    for p in papers:
        if p["id"].startswith("tv-") or _norm(p["title"]) in everything or p.get("metadata_sources"):
            continue
        comments = [ln for ln in blocks[p["id"]].splitlines() if ln.lstrip().startswith("#")]
        if not any("confirmed" in c.lower() for c in comments):
            unconfirmed.append(p["id"])
    assert not unconfirmed, f"titles no seed states and no comment confirms: {unconfirmed}"
