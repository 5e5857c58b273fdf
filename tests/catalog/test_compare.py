"""The comparison engine on a fixture catalog (tests/catalog/fixtures/compare.yaml): which numbers
share a row, a ranking, a speed pairing or a Pareto front. Each test names the rule it pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.compare import states
from catalog.compare.boards import board_dict, compare_catalog
from catalog.compare.choose import choices, fronts
from catalog.compare.pareto import front
from catalog.compare.protocol import place
from catalog.compare.rows import build_rows, same_value
from catalog.compare.speed import speed_rows
from catalog.load import load_catalog

FIXTURE = Path(__file__).parent / "fixtures" / "compare.yaml"


@pytest.fixture(scope="module")
def cat():
    return load_catalog(FIXTURE)


@pytest.fixture(scope="module")
def comparison(cat):
    return compare_catalog(cat)


def _rows(comparison, model, dataset):
    return sorted((r for r in comparison.rows if r.model_id == model and r.dataset == dataset),
                  key=lambda r: (r.value, r.id))


def test_same_value_is_equal_after_rounding_the_more_precise():
    assert same_value(50.04, 50.0) and same_value(85.41, 85.4)
    assert not same_value(50.06, 50.0) and not same_value(85.46, 85.4)


def test_two_transcriptions_of_one_experiment_are_one_row_with_the_union_of_their_settings(comparison):
    ss = [r for r in _rows(comparison, "alpha-l", "ade20k") if r.setting.crop_size == "512x512"]
    assert len(ss) == 1
    [row] = ss
    assert len(row.transcriptions) == 2
    assert row.stated["split"] == "val" and row.placement.protocol == "val" and not row.placement.assumed
    assert row.pretraining == "imagenet-22k"          # stated by the paper's table only


def test_an_equal_number_of_another_experiment_is_its_own_row(comparison):
    rows = _rows(comparison, "alpha-l", "ade20k")
    assert [(r.value, r.setting.crop_size, r.tta) for r in rows] == [
        (50.0, "512x512", "unknown"), (50.0, "640x640", "tta")]    # flip not stated: unknown
    assert len({r.id for r in rows}) == 2


def test_a_split_not_stated_is_placed_in_the_usual_split_and_marked(comparison):
    [row] = _rows(comparison, "beta-t", "ade20k")
    assert row.placement.protocol == "val" and row.placement.assumed
    val = comparison.board("ade20k").ranking("miou", "val")
    assert row in val.admitted(states.DEFAULT_VIEW)
    strict = states.View(**{**states.DEFAULT_VIEW.__dict__, "assumed_split": False})
    assert row not in val.admitted(strict)


def test_a_withheld_test_set_is_the_official_server_and_a_public_one_is_local():
    assert place("coco-stuff-164k", "test", None).protocol == "test-official"
    assert place("coco-stuff-10k", "test", None).protocol == "test-local"
    assert place("cityscapes", "test", "official").protocol == "test-official"


def test_the_fair_view_leaves_out_large_pretraining_and_extra_data_and_the_all_view_keeps_them(comparison):
    val = comparison.board("ade20k").ranking("miou", "val")
    fair = [(r.model_id, r.value) for r in val.admitted(states.DEFAULT_VIEW)]
    # the multi-scale 50.0 is test-time augmentation: outside the fair view too
    assert fair == [("alpha-l", 50.0), ("beta-t", 45.0), ("alpha-s", 40.0)]
    everything = [(r.model_id, r.value) for r in val.admitted(states.ALL_VIEW)]
    assert everything[:2] == [("beta-g", 60.0), ("beta-c", 55.0)] and len(everything) == 6
    assert val.best().model_id == "alpha-l"
    # ranks count the fair view only; equal values share a rank
    assert sorted(val.ranks.values()) == [1, 2, 3]


def test_a_speed_is_paired_with_the_scores_of_its_own_experiment_only(cat, comparison):
    pairs = sorted((s.claim.value, s.result.value if s.result else None, s.result.split if s.result else None)
                   for s in speed_rows(cat, comparison.rows))
    assert pairs == [(30, None, None), (100, 74.0, "test"), (100, 75.0, "val")]
    [fast_val] = [s for s in speed_rows(cat, comparison.rows) if s.result and s.result.split == "val"]
    assert fast_val.resolution == "512x1024" and fast_val.row.value == 75.0


def test_the_pareto_front_is_drawn_among_known_costs_only():
    pts = [("a", (5.0,), 40.0), ("b", (20.0,), 45.0), ("c", (None,), 60.0), ("d", (30.0,), 44.0)]
    assert front(pts) == {"a", "b"}                  # c's cost is unknown: never starred


def test_the_chooser_front_leaves_out_a_model_whose_cost_is_unknown(comparison):
    val = comparison.board("ade20k").ranking("miou", "val")
    items = choices(val, comparison.costs, fair_only=True)
    by_index = {i: c.row.model_id for i, c in enumerate(items)}
    starred = {by_index[i] for i in fronts(items, measured_only=False, include_unstable=True)["params"]}
    assert starred == {"alpha-s", "beta-t"}         # alpha-l scores higher but has no params claim


def test_board_json_carries_unknown_as_null_and_the_assumption_in_words(comparison):
    doc = board_dict(comparison.board("ade20k"), comparison.costs, "val")
    [rk] = doc["rankings"]
    beta_t = next(r for r in rk["rows"] if r["model"] == "beta-t")
    assert beta_t["split_assumed"] is True and "split not stated" in beta_t["split_note"]
    assert beta_t["settings"]["extra_data"] is None  # not stated: unknown, not "none"
    assert beta_t["states"]["extra"] == "unknown"
    beta_c = next(r for r in rk["rows"] if r["model"] == "beta-c")
    assert beta_c["settings"]["extra_data"] == ["coco"] and beta_c["default_view"] is False
