"""Screenshots of the site into docs/assets/screenshots/.

Run by hand (not in CI), after the catalog or the site changes:
    .venv/bin/python tests/site/make_screenshots.py            # real catalog (data/papers.yaml)
    .venv/bin/python tests/site/make_screenshots.py --fixture  # the test fixture catalog
Writes, for each of board (top, with its table), board-plot (the compute plot), chooser (a
worked budget), paper and verification: <shot>-<desktop|phone>-<light|dark>.png, plus home.png,
leaderboard.png and paper.png (desktop, light) that the README shows.
Options: --catalog PATH / --results DIR (another catalog), --board SLUG (default cityscapes),
--paper ID (default fcn), --out DIR.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

OUT = T.ROOT / "docs" / "assets" / "screenshots"
README_SHOTS = ("home.png", "leaderboard.png", "paper.png")
VIEWPORTS = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def shots(board: str, paper: str, device: str) -> list[tuple[str, str, str | None]]:
    """(name, path, selector to scroll to first)."""
    return [("board", f"leaderboards/{board}.html", "table[data-board] caption"),
            ("board-plot", f"leaderboards/{board}.html", "div.sa-plot"),
            ("chooser", f"chooser.html?ds={board}&proto=val&params=50",
             "#chooser" if device == "desktop" else "#ch-summary"),
            ("paper", f"papers/{paper}.html", None),
            ("verification", "verification.html", None)]


def take(page, base: str, path: str, selector: str | None, out: Path) -> None:
    page.goto(f"{base}/{path}", wait_until="networkidle")
    if selector and page.locator(selector).count():
        page.locator(selector).first.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -70)")  # below the sticky header
        page.wait_for_timeout(1200)  # plots draw when they come into view
    else:
        page.wait_for_timeout(300)
    page.screenshot(path=str(out))
    print("wrote", out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", action="store_true", help="use tests/site/fixtures")
    ap.add_argument("--catalog", type=Path, default=T.ROOT / "data" / "papers.yaml")
    ap.add_argument("--results", type=Path, default=T.ROOT / "data" / "results")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--board", default="cityscapes")
    ap.add_argument("--paper", default="fcn")
    args = ap.parse_args()
    catalog, results = args.catalog, args.results
    if args.fixture:
        catalog, results = T.FIXTURES / "papers.yaml", T.FIXTURES / "results"
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in README_SHOTS:  # the build needs them to exist (index.md links them)
        if not (OUT / name).exists():
            shutil.copy(Path(__file__).parent / "fixtures" / "placeholder.png", OUT / name)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        proc = T.build(site, catalog, results)
        if proc.returncode:
            sys.exit(f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}")
        with T.serve(site) as base, T.browser() as b:
            for device, viewport in VIEWPORTS.items():
                for scheme in ("light", "dark"):
                    ctx = b.new_context(viewport=viewport, color_scheme=scheme,
                                        is_mobile=device == "phone", has_touch=device == "phone",
                                        device_scale_factor=1)
                    page = ctx.new_page()
                    for name, path, selector in shots(args.board, args.paper, device):
                        take(page, base, path, selector, out / f"{name}-{device}-{scheme}.png")
                    ctx.close()
            ctx = b.new_context(viewport=VIEWPORTS["desktop"], color_scheme="light")
            page = ctx.new_page()
            for name, path, selector in zip(README_SHOTS, ("index.html", f"leaderboards/{args.board}.html",
                                                            f"papers/{args.paper}.html"),
                                            (None, "table[data-board]", None)):
                take(page, base, path, selector, out / name)
            ctx.close()


if __name__ == "__main__":
    main()
