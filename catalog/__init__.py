"""SegAtlas catalog: what papers say about semantic segmentation, validated."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = REPO_ROOT / "data" / "papers.yaml"
