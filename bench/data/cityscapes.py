"""Cityscapes (fine annotations) reader, 19 evaluation classes.

Layout (root = the folder holding leftImg8bit/ and gtFine/, or its parent named cityscapes/):

    leftImg8bit/{train,val,test}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png

Labels are read from the official `*_gtFine_labelIds.png` files and mapped to the 19 train ids
with the table of cityscapesscripts (mcordts/cityscapesScripts,
cityscapesscripts/helpers/labels.py: `Label(name, id, trainId, ...)`); every id whose trainId is
255 or -1 (ignoreInEval) becomes 255. The test split's public labels are all void.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.base import DatasetError, SegDataset, first_existing

CITYSCAPES_CLASSES = ("road", "sidewalk", "building", "wall", "fence", "pole", "traffic light",
                      "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car",
                      "truck", "bus", "train", "motorcycle", "bicycle")

# labelId -> trainId for the ids that are evaluated (cityscapesscripts/helpers/labels.py);
# all other ids (0-6, 9, 10, 14-16, 18, 29, 30, -1) map to 255.
LABEL_TO_TRAIN = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
                  24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}

_LUT = np.full(256, 255, dtype=np.int64)
for _lid, _tid in LABEL_TO_TRAIN.items():
    _LUT[_lid] = _tid

LAYOUT = """\
    <root>/leftImg8bit/<split>/<city>/*_leftImg8bit.png
    <root>/gtFine/<split>/<city>/*_gtFine_labelIds.png"""


def label_ids_to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    return _LUT[label_ids]


class Cityscapes(SegDataset):
    key = "cityscapes"
    class_names = CITYSCAPES_CLASSES
    splits = ("train", "val", "test")
    layout = LAYOUT

    def _index(self):
        base = first_existing([self.root, self.root / "cityscapes"], "leftImg8bit")
        if base is None:
            raise DatasetError(f"cityscapes: no leftImg8bit/ folder in {self.root}; expected "
                               f"layout:\n{self.layout}")
        img_root = self._require(base / "leftImg8bit" / self.split, f"'{self.split}' images")
        gt_root = self._require(base / "gtFine" / self.split, f"'{self.split}' fine labels")
        items, missing = [], []
        for img in sorted(img_root.glob("*/*_leftImg8bit.png")):
            stem = img.name[: -len("_leftImg8bit.png")]
            lbl = gt_root / img.parent.name / f"{stem}_gtFine_labelIds.png"
            if not lbl.exists():
                missing.append(str(lbl))
            items.append((img, lbl, stem))
        if missing:
            raise DatasetError(f"cityscapes: {len(missing)} image(s) without a labelIds file, "
                               f"e.g. {missing[0]}")
        return items

    def convert_label(self, raw: np.ndarray, path: Path) -> np.ndarray:
        if raw.max(initial=0) > 255:
            raise DatasetError(f"{path}: values above 255 are not Cityscapes labelIds "
                               "(is this an instanceIds file?)")
        return label_ids_to_train_ids(raw)
