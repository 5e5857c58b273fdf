"""ADE20K (MIT SceneParsing, ADEChallengeData2016) reader, 150 classes.

Layout (root = ADEChallengeData2016/ or its parent):

    ADEChallengeData2016/images/{training,validation}/ADE_*.jpg
    ADEChallengeData2016/annotations/{training,validation}/ADE_*.png

Annotation value 0 is "other" and is not scored; k in 1..150 is class k-1 (mmseg's
`reduce_zero_label=True`). Class names as mmseg's ADE20KDataset
(open-mmlab/mmsegmentation, mmseg/datasets/ade.py), with the trailing space of 'bed ' removed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.base import DatasetError, SegDataset, first_existing, reduce_zero_label

ADE20K_CLASSES = (
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain",
    "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
    "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing",
    "cushion", "base", "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink",
    "skyscraper", "fireplace", "refrigerator", "grandstand", "path", "stairs", "runway", "case",
    "pool table", "pillow", "screen door", "stairway", "river", "bridge", "bookcase", "blind",
    "coffee table", "toilet", "flower", "book", "hill", "bench", "countertop", "stove", "palm",
    "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel", "bus",
    "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth",
    "television receiver", "airplane", "dirt track", "apparel", "pole", "land", "bannister",
    "escalator", "ottoman", "bottle", "buffet", "poster", "stage", "van", "ship", "fountain",
    "conveyer belt", "canopy", "washer", "plaything", "swimming pool", "stool", "barrel", "basket",
    "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball", "food", "step", "tank",
    "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher", "screen",
    "blanket", "sculpture", "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan",
    "pier", "crt screen", "plate", "monitor", "bulletin board", "shower", "radiator", "glass",
    "clock", "flag")

LAYOUT = """\
    ADEChallengeData2016/images/{training,validation}/*.jpg
    ADEChallengeData2016/annotations/{training,validation}/*.png   (0 = other, 1..150)"""

_FOLDER = {"train": "training", "val": "validation"}


class ADE20K(SegDataset):
    key = "ade20k"
    class_names = ADE20K_CLASSES
    splits = ("train", "val")
    layout = LAYOUT

    def _index(self):
        base = first_existing([self.root, self.root / "ADEChallengeData2016"], "images")
        if base is None:
            raise DatasetError(f"ade20k: no images/ folder in {self.root} or "
                               f"{self.root / 'ADEChallengeData2016'}; expected layout:\n"
                               f"{self.layout}")
        sub = _FOLDER[self.split]
        img_dir = self._require(base / "images" / sub, f"'{self.split}' images")
        ann_dir = self._require(base / "annotations" / sub, f"'{self.split}' annotations")
        ids = sorted(p.stem for p in img_dir.glob("*.jpg"))
        return self._pairs_from_ids(ids, img_dir, ".jpg", ann_dir, ".png")

    def convert_label(self, raw: np.ndarray, path: Path) -> np.ndarray:
        if raw.max(initial=0) > self.num_classes:
            raise DatasetError(f"{path}: value {int(raw.max())} > 150 is not an ADE20K class")
        return reduce_zero_label(raw, self.ignore_index)
