"""Screenshots of the home page, a leaderboard and a paper page, into docs/assets/screenshots/.

Run by hand (not in CI), after the catalog changes:
    .venv/bin/python tests/site/make_screenshots.py            # real catalog (data/papers.yaml)
    .venv/bin/python tests/site/make_screenshots.py --fixture  # the test fixture catalog
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
NAMES = ("home.png", "leaderboard.png", "paper.png")


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
    for name in NAMES:  # the build needs them to exist (index.md links them)
        if not (OUT / name).exists():
            shutil.copy(Path(__file__).parent / "fixtures" / "placeholder.png", OUT / name)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        proc = T.build(site, catalog, results)
        if proc.returncode:
            sys.exit(f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}")
        paper = args.paper
        with T.serve(site) as base, T.browser() as b:
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            for name, path in zip(NAMES, ("index.html", f"leaderboards/{args.board}.html",
                                          f"papers/{paper}.html")):
                page.goto(f"{base}/{path}", wait_until="networkidle")
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / name))
                print("wrote", out / name)


if __name__ == "__main__":
    main()
