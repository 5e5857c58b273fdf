"""Shared machinery of the local dataset readers.

A reader indexes (image, label) file pairs of one split in a dataset's usual on-disk layout and
yields `(image, label, name)`:

- image: float32 tensor (3, H, W), RGB scaled to [0, 1] then normalised with `mean`/`std`
  (ImageNet statistics by default, what torchvision and mmseg models expect);
- label: int64 tensor (H, W) of class indices at the ORIGINAL resolution, `ignore_index` (255)
  for pixels that are not scored;
- name: the sample's id (file stem), used to name prediction files.

Nothing is ever resized here: protocols upsample logits to the label, never the reverse.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class DatasetError(Exception):
    """A dataset root that is missing, incomplete or malformed (message says what was expected)."""


# Decoding limits, checked from the image header before a pixel is decoded: a PNG of a few
# hundred KB can declare 30,000 x 30,000 16-bit pixels (GBs once decoded and widened for
# counting). The largest label maps of the usual benchmarks are 2048 x 1024 (2.1 MP).
MAX_PIXELS = 40_000_000
MAX_SIDE = 20_000


@contextmanager
def open_image(path: Path, what: str = "image") -> Iterator[Image.Image]:
    """The image at `path` opened lazily (header only) after the size checks; DatasetError
    names the file when it is not a regular file, not an image, or too large to decode."""
    from catalog.safeio import UnsafeFile, open_regular

    try:
        with open_regular(path, what) as f:
            with warnings.catch_warnings():  # PIL warns from 89 MP on; our lower limit decides
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im = Image.open(f)
            with im:
                w, h = im.size
                if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
                    raise DatasetError(f"{path}: {what} declares {w}x{h} pixels (WxH) in its "
                                       f"header; refusing to decode more than {MAX_PIXELS:,} "
                                       f"pixels or a side over {MAX_SIDE:,}")
                yield im
    except (DatasetError, UnsafeFile) as exc:
        raise DatasetError(str(exc)) from None
    except Image.DecompressionBombError:  # PIL's own check, at twice its MAX_IMAGE_PIXELS
        raise DatasetError(f"{path}: {what} declares more than {2 * Image.MAX_IMAGE_PIXELS:,} "
                           f"pixels in its header; refusing to decode more than "
                           f"{MAX_PIXELS:,} pixels") from None
    except Exception as exc:  # PIL raises several types for truncated/unknown files
        raise DatasetError(f"{path}: cannot read {what} ({exc})") from exc


def image_size(path: Path, what: str = "image") -> tuple[int, int]:
    """(width, height) from the header alone, checked against the decoding limits."""
    with open_image(path, what) as im:
        return im.size


def read_label_png(path: Path) -> np.ndarray:
    """Decode a single-channel label PNG (mode L or P: palette indices) to a uint8/uint16 array."""
    with open_image(path, "label image") as im:
        if im.mode not in ("L", "P", "I", "I;16"):
            raise DatasetError(f"{path}: label image has mode {im.mode}; expected a "
                               "single-channel (L or palette P) PNG of class indices")
        return np.array(im)


def read_rgb(path: Path) -> np.ndarray:
    with open_image(path, "image") as im:
        return np.asarray(im.convert("RGB"))


def reduce_zero_label(label: np.ndarray, ignore_index: int = 255) -> np.ndarray:
    """0 -> ignore, k -> k-1 (ADE20K, PASCAL-Context 59), as mmseg's `reduce_zero_label`."""
    out = label.astype(np.int64) - 1
    out[label == 0] = ignore_index
    out[label == ignore_index] = ignore_index
    return out


def read_list(path: Path) -> list[str]:
    """Ids from an ImageSets-style list file (first token per non-empty line)."""
    return [ln.split()[0] for ln in read_list_text(path).split("\n") if ln.strip()]


MAX_LIST_BYTES = 64 << 20  # a split list names at most a few hundred thousand files


def read_list_text(path: Path) -> str:
    """A dataset's list file through the one safe reader; DatasetError names the file."""
    from catalog.safeio import UnsafeFile, read_text

    try:
        return read_text(path, MAX_LIST_BYTES, "list file")
    except UnsafeFile as exc:
        raise DatasetError(str(exc)) from None


class SegDataset(torch.utils.data.Dataset):
    """Base reader. Subclasses set `key`, `class_names`, `layout` and implement `_index`."""

    key: str = ""
    class_names: tuple[str, ...] = ()
    ignore_index: int = 255
    layout: str = ""          # human description of the expected layout, used in errors
    splits: tuple[str, ...] = ("train", "val")

    def __init__(self, root: str | Path, split: str = "val",
                 mean: Sequence[float] | None = IMAGENET_MEAN,
                 std: Sequence[float] | None = IMAGENET_STD):
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise DatasetError(f"{self.key}: dataset root {self.root} does not exist or is not a "
                               f"directory; expected layout:\n{self.layout}")
        if split not in self.splits:
            raise DatasetError(f"{self.key}: unknown split '{split}'; available: "
                               f"{', '.join(self.splits)}")
        self.split = split
        self.mean = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1) if mean else None
        self.std = torch.tensor(std, dtype=torch.float32).view(3, 1, 1) if std else None
        self.items: list[tuple[Path, Path, str]] = self._index()
        if not self.items:
            raise DatasetError(f"{self.key}: no images found for split '{split}' under "
                               f"{self.root}; expected layout:\n{self.layout}")

    # -- to implement -----------------------------------------------------------------------
    def _index(self) -> list[tuple[Path, Path, str]]:
        raise NotImplementedError

    def convert_label(self, raw: np.ndarray, path: Path) -> np.ndarray:
        """Map the stored label values to training ids (identity by default)."""
        return raw

    # -- helpers for subclasses -------------------------------------------------------------
    def _require(self, path: Path, what: str) -> Path:
        if not path.exists():
            raise DatasetError(f"{self.key}: missing {what}: {path}\nexpected layout:\n"
                               f"{self.layout}")
        return path

    def _pairs_from_ids(self, ids: Sequence[str], img_dir: Path, img_ext: str,
                        lbl_dir: Path, lbl_ext: str) -> list[tuple[Path, Path, str]]:
        items, missing = [], []
        for i in ids:
            img, lbl = img_dir / f"{i}{img_ext}", lbl_dir / f"{i}{lbl_ext}"
            if not img.exists() or not lbl.exists():
                missing.append(str(img if not img.exists() else lbl))
            items.append((img, lbl, Path(i).name))
        if missing:
            raise DatasetError(f"{self.key}: {len(missing)} listed file(s) missing, e.g. "
                               f"{', '.join(missing[:3])}")
        return items

    # -- dataset protocol -------------------------------------------------------------------
    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.items)

    def load_image(self, path: Path) -> torch.Tensor:
        img = torch.from_numpy(read_rgb(path).copy()).permute(2, 0, 1).float().div_(255.0)
        if self.mean is not None:
            img.sub_(self.mean)
        if self.std is not None:
            img.div_(self.std)
        return img

    def load_label(self, path: Path) -> torch.Tensor:
        lbl = self.convert_label(read_label_png(path), path)
        return torch.from_numpy(np.ascontiguousarray(lbl).astype(np.int64))

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, str]:
        img_path, lbl_path, name = self.items[i]
        img, lbl = self.load_image(img_path), self.load_label(lbl_path)
        if img.shape[1:] != lbl.shape:
            raise DatasetError(f"{self.key}: image {img_path} is {tuple(img.shape[1:])} but its "
                               f"label {lbl_path} is {tuple(lbl.shape)} (H, W)")
        return img, lbl, name

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, str]]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(root={str(self.root)!r}, split={self.split!r}, "
                f"n={len(self)})")


def first_existing(candidates: Sequence[Path], marker: str) -> Path | None:
    """The first candidate directory that contains `marker` (a relative path)."""
    for c in candidates:
        if (c / marker).exists():
            return c
    return None
