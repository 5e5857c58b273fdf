"""The site built from the real catalog and the committed results: strict, complete."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

from catalog import DEFAULT_CATALOG  # noqa: E402
from catalog.load import load_catalog  # noqa: E402

pytestmark = pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="no data/papers.yaml")


def test_every_real_paper_has_a_page(real_site):
    cat = load_catalog(DEFAULT_CATALOG)
    missing = [p.id for p in cat.papers if not (real_site / "papers" / f"{p.id}.html").is_file()]
    assert missing == []
    assert len(cat.papers) >= 100


def test_every_real_dataset_with_results_has_a_board(real_site):
    cat = load_catalog(DEFAULT_CATALOG)
    datasets = {r.dataset for p in cat.papers for r in p.results}
    missing = [d for d in datasets if not (real_site / "leaderboards" / f"{d}.html").is_file()]
    assert missing == []


def test_real_voc_default_view_has_no_coco_number(real_site):
    """Issue 8: the VOC view without extra data holds no number any source gives with COCO."""
    from test_build import boards

    cat = load_catalog(DEFAULT_CATALOG)
    coco = [(r.model, r.value) for p in cat.papers for r in p.results
            if r.dataset == "voc2012" and "coco" in (r.setting.extra_data or [])]
    assert coco
    shown = [r for r in boards(real_site, "voc2012") if not r["hidden"]]
    assert shown
    for r in shown:
        model = r["id"].rsplit("-miou-", 1)[0] if "-miou-" in r["id"] else None
        for m, v in coco:
            assert not (m == model and abs(v - float(r["data-score"])) <= 0.051), r["id"]


def test_real_rankings_never_mix_protocols(real_site):
    """Every row of a ranking was evaluated where the ranking says (split and server)."""
    from test_build import boards

    sys.path.insert(0, str(T.ROOT / "docs"))
    from sitegen.data import PROTOCOL_WORDS

    words = {v: k for k, v in PROTOCOL_WORDS.items()}
    cat = load_catalog(DEFAULT_CATALOG)
    for slug in {r.dataset for p in cat.papers for r in p.results}:
        rows = boards(real_site, slug)
        assert len({r["id"] for r in rows}) == len(rows), slug  # each number once per board
        for r in rows:
            proto = words[r["ranking"].split(", ", 1)[1]]
            assert f"-{proto}-" in r["id"], r["id"]


def test_real_flops_axis_agrees_with_torchvision_macs(real_site):
    """Issue 8: torchvision's `_ops` are stored as MACs; the GFLOPs the site compares at COCO-VOC's
    canonical 520x520 (FLOPs, 2 per MAC, measured) agree with them: x == 2 x the catalog's MACs.
    The torchvision models are re-implementations, outside the default view: read from the
    chooser's data with every row included."""
    import json
    import re

    cat = load_catalog(DEFAULT_CATALOG)
    macs = {e.model: e.value for p in cat.papers for e in p.efficiency
            if e.quantity == "macs" and e.input_size == "520x520"
            and any(s.ref == "torchvision" for s in e.sources)}
    assert len(macs) == 6
    text = (real_site / "chooser.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="chooser-data">(.*?)</script>',
                                text, re.S).group(1).replace("<\\/", "</"))
    [rk] = [r for r in data["rankings"] if r["ds"] == "coco-voc-subset" and r["proto"] == "val"]
    checked = 0
    for i in rk["all"]:
        m = rk["models"][i]
        if m["id"] in macs:
            assert m["gflops"]["how"] == "measured"
            assert m["gflops"]["value"] == pytest.approx(2 * macs[m["id"]], abs=0.002), (m["id"], m["gflops"])
            checked += 1
    assert checked == 6


def test_real_ade20k_board_is_catalog_board_json(real_site):
    """The site renders `catalog board ade20k --json` row for row; it decides nothing itself."""
    import json

    from test_build import boards
    from typer.testing import CliRunner

    from catalog.cli import app

    r = CliRunner().invoke(app, ["board", "ade20k", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    sys.path.insert(0, str(T.ROOT / "docs"))
    from sitegen.data import MAX_DEFAULT_ROWS, MAX_OTHER_ROWS

    want = []
    for rk in doc["rankings"]:   # the site keeps the best 300 default-view and 200 other rows
        n = {True: 0, False: 0}
        for row in rk["rows"]:
            n[row["default_view"]] += 1
            if n[row["default_view"]] <= (MAX_DEFAULT_ROWS if row["default_view"] else MAX_OTHER_ROWS):
                want.append((row["id"], row["value"], not row["default_view"]))
    got = [(row["id"], float(row["data-score"]), row["hidden"]) for row in boards(real_site, "ade20k")]
    assert got == want


@pytest.mark.parametrize("slug,first_2025", [("ade20k", True), ("cityscapes", False), ("coco-stuff-164k", False)])
def test_real_sota_plots_run_to_today(real_site, slug, first_2025):
    """The SOTA-over-time plots of the main boards run to the build date (late 2026), with
    the 2023-2026 work on them."""
    import datetime

    from test_build import figures

    figs = {k: v for k, v in figures(real_site, f"leaderboards/{slug}.html").items() if k.endswith("-sota")}
    assert figs, slug
    ends = [fig["data"][-1]["x"][-1] for fig in figs.values()]
    assert max(ends) == datetime.date.today().isoformat()
    latest = max(x for fig in figs.values() for x in fig["data"][0]["x"])
    assert latest >= ("2025-01" if first_2025 else "2023-01"), (slug, latest)
