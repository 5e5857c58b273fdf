"""UperNet + DaViT (bench.models.davit): exact counts, against dingmyu/davit README.md @ fc79470,
table "Semantic Segmentation on ADE20K", column #params (M, with the auxiliary head)."""

from __future__ import annotations

import pytest
import torch

from bench.measure.params import count_params
from bench.models.registry import get_spec

COUNTS = {
    "upernet-davit-t": (59_086_998, 923_798, 60),
    "upernet-davit-s": (80_472_726, 923_798, 81),
    "upernet-davit-b": (120_243_350, 1_218_710, 121),
}


@pytest.mark.parametrize("key", list(COUNTS))
def test_params(key):
    with torch.device("meta"):
        c = count_params(get_spec(key).build())
    total, aux, readme = COUNTS[key]
    assert (c["total"], c["excluded"]) == (total, aux)
    assert round((total + aux) / 1e6) == readme
