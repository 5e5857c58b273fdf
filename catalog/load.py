"""YAML -> validated Catalog. (Minimal placeholder: to be replaced by the line-aware loader.)"""

from __future__ import annotations

from pathlib import Path

import yaml

from catalog import DEFAULT_CATALOG
from catalog.schema import Catalog


class CatalogError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def load_catalog(path: Path | str = DEFAULT_CATALOG) -> Catalog:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return Catalog.model_validate(data)
