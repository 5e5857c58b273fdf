"""The comparison engine on the real catalog: the answers issue 16 found wrong, now right."""

from __future__ import annotations

import pytest

from catalog import DEFAULT_CATALOG
from catalog.compare import states
from catalog.compare.boards import compare_catalog
from catalog.compare.speed import speed_rows
from catalog.load import load_catalog

pytestmark = pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="no data/papers.yaml")


@pytest.fixture(scope="module")
def cat():
    return load_catalog(DEFAULT_CATALOG)


@pytest.fixture(scope="module")
def comparison(cat):
    return compare_catalog(cat)


def test_pp_liteseg_t_speed_sits_beside_the_score_of_its_own_row(cat, comparison):
    rows = [s for s in speed_rows(cat, comparison.rows)
            if s.claim.model == "ppliteseg-t" and s.claim.value == 273.6]
    assert sorted((s.result.split, s.result.value) for s in rows) == [("test", 72.0), ("val", 73.1)]
    assert all(s.resolution == "512x1024" for s in rows)


def test_speeds_pair_only_within_their_experiment(cat, comparison):
    for s in speed_rows(cat, comparison.rows):
        if s.result is not None:
            assert s.result.experiment == s.claim.experiment and s.result.model == s.claim.model


def test_voc_default_view_ranks_no_number_pretrained_on_a_large_corpus(comparison):
    for rk in comparison.board("voc2012").rankings:
        for row in rk.admitted(states.DEFAULT_VIEW):
            assert row.pretraining != "large" and row.extra not in ("stated",), row.id


def test_segformers_own_ade20k_numbers_sit_in_the_val_ranking_marked(comparison):
    val = comparison.board("ade20k").ranking("miou", "val")
    own = [r for r in val.rows if r.paper.id == "segformer" and not r.implementation]
    assert {r.model_id for r in own} >= {"segformer-b0", "segformer-b1", "segformer-b2"}
    assert all(r.placement.assumed for r in own)    # the paper names no split: marked
    assert any(r in val.admitted(states.DEFAULT_VIEW) for r in own)
    assert comparison.board("ade20k").ranking("miou", "unspecified") is None


def test_coco_stuff_variants_are_boards_of_their_own(comparison):
    assert comparison.board("coco-stuff-10k") and comparison.board("coco-stuff-164k")
    for key in ("coco-stuff-10k", "coco-stuff-164k", "pascal-context-59"):
        for rk in comparison.board(key).rankings:
            assert {r.dataset for r in rk.rows} == {key}


def test_every_conflict_mark_is_a_conflict_or_a_possible_one_with_its_reason(comparison):
    marks = [c for r in comparison.rows for c in r.conflicts]
    assert marks
    for c in marks:
        assert c.status in ("conflict", "possible")
        if c.status == "possible":
            assert c.reason


def test_the_record_runs_to_today(cat):
    """At least 250 papers; 100 first public in 2020 or later, 40 in 2023 or later, 12 in
    2025-2026; every paper names its authors or says in a metadata source why it cannot."""
    years = [p.first_public[0] for p in cat.papers]
    assert len(years) >= 250
    assert sum(y >= 2020 for y in years) >= 100 and sum(y >= 2023 for y in years) >= 40
    assert sum(y >= 2025 for y in years) >= 12
    silent = [p.id for p in cat.papers if not p.authors
              and not any("authors left out" in (m.note or "").lower() for m in p.metadata_sources)]
    assert silent == []
