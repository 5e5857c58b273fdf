"""UperNet + DaViT (bench.models.davit): exact counts, against dingmyu/davit README.md @ fc79470,
table "Semantic Segmentation on ADE20K", column #params (M, with the auxiliary head)."""

from __future__ import annotations

import pytest

from .conftest import check_counts

COUNTS = {
    "upernet-davit-t": (59_086_998, 923_798, 60),
    "upernet-davit-s": (80_472_726, 923_798, 81),
    "upernet-davit-b": (120_243_350, 1_218_710, 121),
}


@pytest.mark.parametrize("key", list(COUNTS))
def test_params(key):
    check_counts(key, *COUNTS[key])
