"""`CatalogIndex` answers exactly what the scanning `Catalog` methods answer, in file order."""

from __future__ import annotations

import pytest

from catalog import DEFAULT_CATALOG
from catalog.index import CatalogIndex, index_for
from catalog.load import load_catalog, load_with_lines

THIRD = """\
- id: fcn-again
  title: A second source on FCN
  year: 2016
  models:
    - {id: fcn8s-reimpl, name: FCN-8s (re-implementation), implementation: torchvision}
  results:
    - {model: fcn8s-reimpl, dataset: voc2012, split: val, value: 63.0, sources: [{ref: paper, where: Table 9}]}
    - {model: fcn8s-reimpl, dataset: camvid, split: test, value: 50.5, sources: [{ref: paper, where: Table 9}]}
"""


def test_index_lookups(valid_text, second_text, write):
    cat, where = load_with_lines(write(valid_text + second_text + THIRD))
    idx = CatalogIndex(cat)
    assert idx.owner["fcn8s"].id == "fcn" and idx.model_owner("segnet").id == "segnet"
    assert idx.model["fcn8s-reimpl"].implementation == "torchvision"
    assert idx.paper["fcn-again"] is cat.papers[2] and idx.paper_index["fcn-again"] == 2
    [r] = idx.results_of("fcn8s")
    assert (r.paper.id, r.i, r.j, r.claim.value, r.path) == ("fcn", 0, 0, 62.2, (0, "results", 0))
    assert where.line(r.path + ("value",)) == 16
    [e] = idx.efficiency_of("fcn8s")
    assert (e.claim.quantity, e.path) == ("params", (0, "efficiency", 0))
    assert [a.claim.value for a in idx.results_on("voc2012")] == [62.2, 63.0]
    assert [a.claim.value for a in idx.results_of_on("fcn8s-reimpl", "camvid")] == [50.5]
    assert idx.results_of("segnet") == [] and idx.results_on("ade20k") == []
    assert idx.datasets() == ["voc2012", "camvid"]
    assert idx.models_with_claims() == ["fcn8s", "fcn8s-reimpl"]
    with pytest.raises(KeyError):
        idx.model_owner("nope")


def test_index_for_caches_per_catalog(valid_text, write):
    cat = load_catalog(write(valid_text))
    assert index_for(cat) is index_for(cat)
    assert index_for(load_catalog(write(valid_text))) is not index_for(cat)


@pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="no catalog")
def test_index_agrees_with_the_scanning_methods_on_the_real_catalog():
    cat = load_catalog(DEFAULT_CATALOG, checks=False)
    idx = CatalogIndex(cat)
    for p in cat.papers:
        for m in p.models:
            assert idx.model_owner(m.id) is cat.model_owner(m.id)
            assert idx.claims_for(m.id) == cat.claims_for(m.id)
