"""The leaderboard in a real browser: plot drawn, sorting works, clicks open papers, no errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(T.CHROMIUM),
                       reason=f"{T.CHROMIUM} not found (apt-get install chromium); never `playwright install`"),
]
pytest.importorskip("playwright.sync_api", reason="playwright (python package) not installed")

# Cityscapes models in the fixture with a parameter count (claimed or measured): fcn8s, pspnet,
# erfnet, espnet, dfanet and the probe's model. DeepLab v3 / v3+ have none.
CITYSCAPES_PARAM_POINTS = 6


@pytest.fixture(scope="module")
def page(built_site):
    with T.serve(built_site) as base, T.browser() as b:
        pg = b.new_page(viewport={"width": 1400, "height": 1000})
        errors, dialogs = [], []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(f"{base}/leaderboards/cityscapes.html", wait_until="networkidle")
        pg.wait_for_selector("#plot-params .scatterlayer .point")
        yield pg, base, errors, dialogs


def test_plot_has_one_point_per_model(page):
    pg, _, errors, _ = page
    points = pg.locator("#plot-params .scatterlayer .trace").first.locator(".point")
    assert points.count() == CITYSCAPES_PARAM_POINTS
    assert pg.locator("#plot-sota .scatterlayer .trace").first.locator(".point").count() == 8
    # only DFANet has a GFLOPs claim, none has a measured latency: say so, no empty plot
    few = pg.locator(".sa-few").all_inner_texts()
    assert len(few) == 2 and all("Too few points" in t for t in few)
    assert errors == []


def test_score_header_sorts(page):
    pg, _, errors, _ = page
    table = pg.locator("table[data-board]").first
    scores = lambda: [float(t.split()[0]) for t in table.locator("tbody tr td:nth-child(5)").all_inner_texts()]
    before = scores()
    assert before == sorted(before, reverse=True) and len(before) == 8
    table.locator("th", has_text="Score").click()
    after = scores()
    assert after == sorted(before) and after != before
    table.locator("th", has_text="Score").click()
    assert scores() == sorted(before, reverse=True)
    assert errors == []


def test_click_on_point_opens_paper(page):
    pg, base, errors, dialogs = page
    point = pg.locator("#plot-params .scatterlayer .trace").first.locator(".point").first
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.wait_for_url("**/papers/*.html", timeout=10_000)
    assert pg.locator("h1").first.inner_text()
    assert errors == [] and dialogs == []  # and no alert() from the probe's text
