"""Local dataset readers, keyed like catalog/datasets.py (nothing is ever downloaded).

    from bench.data import open_dataset
    ds = open_dataset("voc2012", "/data/VOCdevkit", split="val")
    image, label, name = ds[0]
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from bench.data.ade20k import ADE20K
from bench.data.base import IMAGENET_MEAN, IMAGENET_STD, DatasetError, SegDataset
from bench.data.camvid import CamVid
from bench.data.cityscapes import Cityscapes
from bench.data.pascal_context import PascalContext
from bench.data.voc import VOC2012

READERS: dict[str, type[SegDataset]] = {
    cls.key: cls for cls in (VOC2012, Cityscapes, ADE20K, CamVid, PascalContext)
}


class UnknownDataset(DatasetError):
    def __init__(self, key: str):
        close = difflib.get_close_matches(key, list(READERS), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"no local reader for dataset '{key}'{hint} "
                         f"(readers: {', '.join(READERS)})")


def get_reader(key: str) -> type[SegDataset]:
    if key not in READERS:
        raise UnknownDataset(key)
    return READERS[key]


def open_dataset(key: str, root: str | Path, split: str = "val",
                 mean: Sequence[float] | None = IMAGENET_MEAN,
                 std: Sequence[float] | None = IMAGENET_STD) -> SegDataset:
    """Open the reader for `key` on `root`; raises DatasetError with the expected layout."""
    return get_reader(key)(root, split=split, mean=mean, std=std)


__all__ = ["READERS", "DatasetError", "UnknownDataset", "SegDataset", "get_reader",
           "open_dataset", "IMAGENET_MEAN", "IMAGENET_STD"]
