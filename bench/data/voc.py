"""PASCAL VOC 2012 segmentation reader.

Layout (root may be the VOCdevkit folder, its parent, or VOC2012 itself):

    VOCdevkit/VOC2012/JPEGImages/<id>.jpg
    VOCdevkit/VOC2012/SegmentationClass/<id>.png      palette PNG: index = class, 255 = border
    VOCdevkit/VOC2012/ImageSets/Segmentation/{train,val,trainval}.txt
    # optional, SBD-augmented training set ('train_aug', 10,582 images):
    VOCdevkit/VOC2012/SegmentationClassAug/<id>.png   grayscale class indices
    VOCdevkit/VOC2012/ImageSets/Segmentation/train_aug.txt
        (also accepted: ImageSets/SegmentationAug/train_aug.txt, or mmseg's
         ImageSets/Segmentation/aug.txt)

The palette PNGs decode to their indices directly; labels saved as RGB colour images are mapped
back through the standard VOC colour map (an unknown colour is an error).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from bench.data.base import (
    DatasetError,
    SegDataset,
    first_existing,
    open_image,
    read_label_png,
    read_list,
)

VOC_CLASSES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
               "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
               "sheep", "sofa", "train", "tvmonitor")

LAYOUT = """\
    VOCdevkit/VOC2012/JPEGImages/<id>.jpg
    VOCdevkit/VOC2012/SegmentationClass/<id>.png   (palette PNG, 255 = border)
    VOCdevkit/VOC2012/ImageSets/Segmentation/{train,val,trainval}.txt
    for train_aug also: VOCdevkit/VOC2012/SegmentationClassAug/<id>.png
                        and ImageSets/Segmentation/train_aug.txt"""

_AUG_LISTS = ("ImageSets/Segmentation/train_aug.txt", "ImageSets/SegmentationAug/train_aug.txt",
              "ImageSets/Segmentation/aug.txt")


def voc_colormap(n: int = 256) -> np.ndarray:
    """The PASCAL VOC colour map (devkit's labelcolormap.m): (n, 3) uint8."""
    cmap = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = (r, g, b)
    return cmap


def rgb_to_index(rgb: np.ndarray, path: Path) -> np.ndarray:
    """Map an RGB VOC label image to indices 0..20 and 255 (border)."""
    cmap = voc_colormap()
    keys = {tuple(int(v) for v in cmap[i]): i for i in [*range(len(VOC_CLASSES)), 255]}
    code = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    out = np.full(code.shape, -1, dtype=np.int64)
    for (r, g, b), idx in keys.items():
        out[code == ((r << 16) | (g << 8) | b)] = idx
    if (out < 0).any():
        raise DatasetError(f"{path}: RGB label has colours outside the VOC colour map")
    return out


class VOC2012(SegDataset):
    key = "voc2012"
    class_names = VOC_CLASSES
    splits = ("train", "val", "trainval", "train_aug")
    layout = LAYOUT

    def _index(self):
        base = first_existing([self.root / "VOC2012", self.root / "VOCdevkit" / "VOC2012",
                               self.root], "JPEGImages")
        if base is None:
            raise DatasetError(f"voc2012: no JPEGImages folder under {self.root} (looked in "
                               f"VOC2012/, VOCdevkit/VOC2012/ and the root itself); "
                               f"expected layout:\n{self.layout}")
        self.base = base
        if self.split == "train_aug":
            lst = next((base / p for p in _AUG_LISTS if (base / p).exists()), None)
            if lst is None or not (base / "SegmentationClassAug").is_dir():
                raise DatasetError(f"voc2012: split 'train_aug' needs {base}/SegmentationClassAug/"
                                   f" and one of {', '.join(_AUG_LISTS)} under {base}")
            lbl_dir = base / "SegmentationClassAug"
        else:
            lst = self._require(base / "ImageSets" / "Segmentation" / f"{self.split}.txt",
                                f"list of the '{self.split}' split")
            lbl_dir = self._require(base / "SegmentationClass", "label folder")
        return self._pairs_from_ids(read_list(lst), base / "JPEGImages", ".jpg", lbl_dir, ".png")

    def load_label(self, path: Path) -> torch.Tensor:
        with open_image(path, "label image") as im:
            rgb = im.mode in ("RGB", "RGBA")
            arr = np.asarray(im.convert("RGB")) if rgb else None
        lbl = rgb_to_index(arr, path) if rgb else read_label_png(path).astype(np.int64)
        bad = (lbl >= self.num_classes) & (lbl != self.ignore_index)
        if bad.any():
            raise DatasetError(f"{path}: label values {np.unique(lbl[bad])[:5].tolist()} are not "
                               f"VOC classes (0-20) or 255")
        return torch.from_numpy(lbl)
