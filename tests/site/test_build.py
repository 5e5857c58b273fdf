"""The built site: strict build, every paper and board has a page, catalog text is escaped."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

FIXTURE = yaml.safe_load((T.FIXTURES / "papers.yaml").read_text(encoding="utf-8")) + \
    yaml.safe_load((T.FIXTURES / "hostile.yaml").read_text(encoding="utf-8"))
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def text_of(page: str) -> str:
    """Visible text of an HTML page (tags stripped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_strict_build_passes(built_site):
    # The fixture session build ran `mkdocs build --strict`; the pages it must have made:
    for page in ["index.html", "verification.html", "conflicts.html", "sources.html",
                 "downloads.html", "accuracy.html", "leaderboards/index.html", "papers/index.html",
                 "browse/years.html", "browse/tags.html", "browse/real-time.html",
                 "browse/loss-functions.html", "browse/surveys.html"]:
        assert (built_site / page).is_file(), page


def test_every_paper_has_a_page(built_site):
    ids = [p["id"] for p in FIXTURE]
    assert len(ids) == 10
    for pid in ids:
        page = built_site / "papers" / f"{pid}.html"
        assert page.is_file(), pid
    fcn = (built_site / "papers" / "fcn.html").read_text(encoding="utf-8")
    assert "Fully Convolutional Networks for Semantic Segmentation" in fcn
    assert 'href="https://arxiv.org/abs/1411.4038"' in fcn
    # official code first
    assert fcn.index("shelhamer/fcn.berkeleyvision.org") < fcn.index("https://github.com/pytorch/vision")
    assert "@inproceedings{fcn," in text_of(fcn) and "booktitle = {CVPR 2015}" in text_of(fcn)
    assert '"content.code.copy"' in fcn  # the theme adds copy buttons to code blocks


def test_every_dataset_with_results_has_a_board(built_site):
    datasets = {r["dataset"] for p in FIXTURE for r in p.get("results", [])}
    assert datasets == {"voc2012", "cityscapes", "camvid", "coco-voc-subset"}
    for slug in ["voc2012", "voc2012-extra", "cityscapes", "camvid", "coco-voc-subset"]:
        assert (built_site / "leaderboards" / f"{slug}.html").is_file(), slug
    voc = (built_site / "leaderboards" / "voc2012.html").read_text(encoding="utf-8")
    extra = (built_site / "leaderboards" / "voc2012-extra.html").read_text(encoding="utf-8")
    assert ">82.6<" in voc and ">85.4<" not in voc  # PSPNet without / with COCO
    assert ">85.4<" in extra and ">89.0<" not in voc and "89.0" in extra


def test_conflict_is_marked(built_site):
    voc = (built_site / "leaderboards" / "voc2012.html").read_text(encoding="utf-8")
    assert voc.count('class="sa-warn"') == 2  # FCN-8s: 62.2 and 67.2 under equal settings
    assert "also reported as 67.2" in voc and "also reported as 62.2" in voc
    conflicts = text_of((built_site / "conflicts.html").read_text(encoding="utf-8"))
    assert "fcn8s: miou on voc2012 test" in conflicts  # from catalog.checks.find_conflicts
    assert "62.2 – seed 004 (FCN, Benchmarks (VOC2012))" in conflicts
    assert "fyu/dilation" in conflicts  # the erratum


def test_measured_numbers_and_verdicts(built_site):
    ver = (built_site / "verification.html").read_text(encoding="utf-8")
    # 15 efficiency claims in the fixture catalog, 1 in the probe
    assert ver.count("<tr data-verdict=") == 16
    # the 3 torchvision models: params verified; torchvision's "_ops" is half of FlopCounterMode's
    # GFLOPs (it counts multiply-adds), so the records say "unit"
    assert ver.count('data-verdict="verified"') == 3
    assert ver.count('data-verdict="unit"') == 3
    assert ver.count('data-verdict="no run"') == 10
    assert "<td>35322218 count</td>" in ver and "<td>35,322,218 count</td>" in ver  # claimed, measured
    fcn = (built_site / "papers" / "fcn.html").read_text(encoding="utf-8")
    assert "305.43" in fcn and "153.04" in fcn  # measured GFLOPs / GMACs of tv-fcn-resnet50 at 520x520


def test_catalog_text_is_escaped(built_site):
    leaked = []
    for f in html_files(built_site):
        text = f.read_text(encoding="utf-8")
        for p in PAYLOADS + ['href="javascript:']:
            if p in text:
                leaked.append((f.relative_to(built_site), p))
    assert not leaked, leaked
    probe = (built_site / "papers" / "xss-probe.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in probe
    assert "&lt;img src=x onerror=alert(1)&gt;" in probe
    # JSON inside <script> never contains a raw "</"
    board = (built_site / "leaderboards" / "cityscapes.html").read_text(encoding="utf-8")
    for blob in re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', board, re.S):
        assert "</" not in blob
        json.loads(blob)


def test_downloads(built_site):
    import pandas as pd

    from catalog.export import read_csv_table

    res = pd.read_csv(built_site / "downloads" / "results.csv")
    assert len(res) == sum(len(p.get("results", [])) for p in FIXTURE) == 22
    eff_csv = read_csv_table(built_site / "downloads" / "efficiency.csv", "efficiency")
    assert eff_csv.loc[eff_csv.model == "dfanet", "value"].tolist() == [7.8, 10.0, 3.4]
    eff = json.loads((built_site / "downloads" / "efficiency.json").read_text())
    assert {"model": "erfnet", "value": 24.0, "unit": "ms"}.items() <= \
        next(e for e in eff if e["quantity"] == "latency" and e["model"] == "erfnet").items()
    bib = (built_site / "downloads" / "catalog.bib").read_text()
    assert bib.count("@") == 10 and "eprint = {1411.4038}" in bib


def test_plotly_served_locally(built_site):
    assert (built_site / "assets" / "javascripts" / "plotly.min.js").stat().st_size > 1_000_000
    board = (built_site / "leaderboards" / "cityscapes.html").read_text(encoding="utf-8")
    head = board.split("</head>")[0]
    assert '<script src="../assets/javascripts/plotly.min.js"></script>' in head
    assert "cdn" not in head.lower()


def test_search_index_is_escaped(built_site):
    index = (built_site / "search" / "search_index.json").read_text(encoding="utf-8")
    for p in PAYLOADS:
        assert p not in index
