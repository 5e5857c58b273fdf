"""Site build time at scale: `mkdocs build --strict` of synthetic catalogs of N papers.

    .venv/bin/python tests/site/site_scale.py [--sizes 100,1000,10000] [--repeat 1] [--json OUT]

Not a test (no absolute times are asserted anywhere): a measurement for issue 13. Catalogs come
from benchmarks/catalog_scale.py's `write_synthetic_catalog` (clones of data/papers.yaml), the
results are the committed data/results/; each build is its own process, as a user runs it.
Prints, per size: build seconds (median), pages, site size, search index size, the largest
page, and the growth exponent between sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

sys.path.insert(0, str(T.ROOT / "benchmarks"))


def measure(n: int, repeat: int) -> dict:
    from catalog_scale import write_synthetic_catalog

    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "papers.yaml"
        write_synthetic_catalog(catalog, n)
        times = []
        for _ in range(repeat):
            site = Path(tmp) / "site"
            t0 = time.perf_counter()
            proc = T.build(site, catalog, T.ROOT / "data" / "results", timeout=3600)
            times.append(time.perf_counter() - t0)
            if proc.returncode:
                raise SystemExit(f"build of {n} papers failed:\n{proc.stderr[-3000:]}")
        pages = list(site.rglob("*.html"))
        largest = max(pages, key=lambda p: p.stat().st_size)
        return {"papers": n, "build_s": round(statistics.median(times), 2), "pages": len(pages),
                "site_mb": round(sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6, 1),
                "search_index_mb": round((site / "search" / "search_index.json").stat().st_size / 1e6, 2),
                "largest_page": f"{largest.relative_to(site)} ({largest.stat().st_size / 1e3:.0f} KB)"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        rows.append(measure(n, args.repeat))
        print(rows[-1], flush=True)
    for a, b in zip(rows, rows[1:]):
        b["exponent_from_prev"] = round(math.log(b["build_s"] / a["build_s"]) / math.log(b["papers"] / a["papers"]), 2)
    print(f"{'papers':>7} {'build s':>8} {'pages':>6} {'site MB':>8} {'index MB':>9} {'exp':>5}  largest page")
    for r in rows:
        print(f"{r['papers']:>7} {r['build_s']:>8} {r['pages']:>6} {r['site_mb']:>8} {r['search_index_mb']:>9} "
              f"{r.get('exponent_from_prev', ''):>5}  {r['largest_page']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
