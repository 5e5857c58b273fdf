"""PASCAL-Context reader, the common 59-class setting, in mmseg's layout.

Layout (root = VOCdevkit/, its parent, or VOC2010/ itself), as produced by mmseg's
tools/dataset_converters/pascal_context.py (open-mmlab/mmsegmentation):

    VOCdevkit/VOC2010/JPEGImages/<id>.jpg
    VOCdevkit/VOC2010/SegmentationClassContext/<id>.png   0 = background, 1..59 = classes
    VOCdevkit/VOC2010/ImageSets/SegmentationContext/{train,val}.txt

The 59-class setting drops background: 0 -> 255, k -> k-1 (mmseg's PascalContextDataset59 with
`reduce_zero_label=True`). Class names and order as PascalContextDataset59
(mmseg/datasets/pascal_context.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.base import DatasetError, SegDataset, first_existing, read_list, reduce_zero_label

PASCAL_CONTEXT59_CLASSES = (
    "aeroplane", "bag", "bed", "bedclothes", "bench", "bicycle", "bird", "boat", "book", "bottle",
    "building", "bus", "cabinet", "car", "cat", "ceiling", "chair", "cloth", "computer", "cow",
    "cup", "curtain", "dog", "door", "fence", "floor", "flower", "food", "grass", "ground",
    "horse", "keyboard", "light", "motorbike", "mountain", "mouse", "person", "plate", "platform",
    "pottedplant", "road", "rock", "sheep", "shelves", "sidewalk", "sign", "sky", "snow", "sofa",
    "table", "track", "train", "tree", "truck", "tvmonitor", "wall", "water", "window", "wood")

LAYOUT = """\
    VOCdevkit/VOC2010/JPEGImages/<id>.jpg
    VOCdevkit/VOC2010/SegmentationClassContext/<id>.png   (0 = background, 1..59)
    VOCdevkit/VOC2010/ImageSets/SegmentationContext/{train,val}.txt"""


class PascalContext(SegDataset):
    key = "pascal-context"
    class_names = PASCAL_CONTEXT59_CLASSES
    splits = ("train", "val")
    layout = LAYOUT

    def _index(self):
        base = first_existing([self.root / "VOC2010", self.root / "VOCdevkit" / "VOC2010",
                               self.root], "SegmentationClassContext")
        if base is None:
            raise DatasetError(f"pascal-context: no SegmentationClassContext/ folder under "
                               f"{self.root} (looked in VOC2010/, VOCdevkit/VOC2010/ and the "
                               f"root); expected layout:\n{self.layout}")
        lst = self._require(base / "ImageSets" / "SegmentationContext" / f"{self.split}.txt",
                            f"list of the '{self.split}' split")
        return self._pairs_from_ids(read_list(lst), base / "JPEGImages", ".jpg",
                                    base / "SegmentationClassContext", ".png")

    def convert_label(self, raw: np.ndarray, path: Path) -> np.ndarray:
        if raw.max(initial=0) > self.num_classes:
            raise DatasetError(f"{path}: value {int(raw.max())} > 59; is this the 459-class "
                               "label set? Convert with mmseg's pascal_context.py first")
        return reduce_zero_label(raw, self.ignore_index)
