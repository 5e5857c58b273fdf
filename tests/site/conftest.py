"""Builds the site once per session from the fixture catalog plus the hostile probe entry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("segatlas-site")
    catalog = tmp / "papers.yaml"
    catalog.write_text((T.FIXTURES / "papers.yaml").read_text(encoding="utf-8") + "\n"
                       + (T.FIXTURES / "hostile.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    site = tmp / "site"
    proc = T.build(site, catalog, T.FIXTURES / "results")
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return site


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The site of the real catalog and the committed results (a few seconds)."""
    from catalog import DEFAULT_CATALOG

    if not DEFAULT_CATALOG.exists():
        pytest.skip("no data/papers.yaml")
    site = tmp_path_factory.mktemp("real-site") / "site"
    proc = T.build(site, DEFAULT_CATALOG, T.ROOT / "data" / "results")
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return site
