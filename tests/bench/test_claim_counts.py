"""bench list's claim counts: the claims a run judges, cached under the catalog's sha256."""

from __future__ import annotations

from pathlib import Path

from bench.claim_counts import claim_counts

CLAIMS = Path(__file__).resolve().parent / "fixtures" / "tiny_claims.yaml"


def test_counts_follow_the_catalog_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cat = tmp_path / "papers.yaml"
    cat.write_text(CLAIMS.read_text())
    assert claim_counts(cat, ["tiny-net", "absent"]) == ({"tiny-net": 4, "absent": 0}, None)
    assert len(list((tmp_path / "cache" / "segatlas").glob("claim-counts-*.json"))) == 1
    cat.write_text(CLAIMS.read_text().replace(
        "  efficiency:\n", "  efficiency:\n    - {model: tiny-net, quantity: params, value: 1, unit: M, "
                           "sources: [{ref: paper, where: \"Table 5\"}]}\n"))
    assert claim_counts(cat, ["tiny-net"]) == ({"tiny-net": 5}, None)  # a changed byte: parsed again


def test_a_broken_catalog_is_reported_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cat = tmp_path / "papers.yaml"
    cat.write_text("- id: [\n")
    counts, note = claim_counts(cat, ["tiny-net"])
    assert counts is None and note.startswith("no catalog claims (the catalog did not load")
    assert not list((tmp_path / "cache").rglob("claim-counts-*.json"))
