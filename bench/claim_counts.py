"""How many catalog claims each model has, for `bench list`, without parsing the catalog twice.

Parsing data/papers.yaml takes longer than starting the CLI (about 0.15 s of CPU for 150
papers, growing with the catalog), and `bench list` needs only one number per model. The
counts are computed from the loaded catalog (bench.harness.claims_for, the same claims a run
judges) and kept in `$XDG_CACHE_HOME/segatlas/claim-counts.json` under the sha256 of the
catalog's bytes: a changed catalog (any byte) is parsed again, an unchanged one is not.
A catalog that does not load is never cached: its note is shown every time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bench.results import cache_dir, write_json_atomic

FORMAT = 1


def _cache_path() -> Path:
    return cache_dir() / "claim-counts.json"


def claim_counts(catalog: Path | None, model_ids: list[str]) -> tuple[dict[str, int] | None, str | None]:
    """({catalog model id: number of claims a run of it judges}, note) for `model_ids`;
    (None, reason) when the catalog is absent or does not load."""
    from catalog import DEFAULT_CATALOG

    path = Path(catalog or DEFAULT_CATALOG)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = None
    key = f"{path.resolve()}:{digest}"
    try:
        cached = json.loads(_cache_path().read_text(encoding="utf-8"))
        if cached.get("format") == FORMAT and cached.get("key") == key and digest:
            counts = cached["counts"]
            if all(m in counts for m in model_ids):
                return {m: counts[m] for m in model_ids}, None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    from types import SimpleNamespace

    from bench.harness import claims_for, load_claims_catalog

    cat, note = load_claims_catalog(path)
    if cat is None:
        return None, note
    ids = set(model_ids) | {m.id for p in cat.papers for m in p.models}
    counts = {}
    for m in sorted(ids):
        res, effs = claims_for(cat, SimpleNamespace(model_id=m))
        counts[m] = len(res) + len(effs)
    try:
        write_json_atomic(_cache_path(), {"format": FORMAT, "key": key, "counts": counts})
    except OSError:
        pass  # a read-only cache only costs time
    return {m: counts[m] for m in model_ids}, None
