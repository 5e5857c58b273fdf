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


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("real-site") / "site"
    proc = T.build(site, DEFAULT_CATALOG, T.ROOT / "data" / "results")
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return site


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
