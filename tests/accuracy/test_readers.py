"""Dataset readers on tiny datasets written in each on-disk layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from bench.data import READERS, DatasetError, UnknownDataset, open_dataset
from bench.data.cityscapes import label_ids_to_train_ids
from catalog.datasets import DATASETS

from .conftest import make_ade, make_camvid, make_cityscapes, make_context, make_voc


def test_registry_matches_catalog():
    assert set(READERS) == {"voc2012", "cityscapes", "ade20k", "camvid", "pascal-context"}
    for key, reader in READERS.items():
        assert key in DATASETS
        assert len(reader.class_names) == DATASETS[key].num_classes
        assert len(set(reader.class_names)) == len(reader.class_names)


def test_unknown_dataset_suggests():
    with pytest.raises(UnknownDataset, match="did you mean voc2012"):
        open_dataset("voc2011", "/nowhere")


def test_cityscapes_table_equals_cityscapesscripts():
    from cityscapesscripts.helpers.labels import labels

    for lab in labels:
        if lab.id >= 0:
            want = lab.trainId if lab.trainId not in (-1, 255) else 255
            assert int(label_ids_to_train_ids(np.array([lab.id]))[0]) == want, lab.name
    from bench.data.cityscapes import CITYSCAPES_CLASSES

    names = [lab.name for lab in sorted(labels, key=lambda x: x.trainId)
             if 0 <= lab.trainId < 255]
    assert list(CITYSCAPES_CLASSES) == names


def test_voc_reader(tmp_path):
    labels = make_voc(tmp_path)
    for root in (tmp_path, tmp_path / "VOCdevkit", tmp_path / "VOCdevkit" / "VOC2012"):
        ds = open_dataset("voc2012", root, split="val")
        assert len(ds) == 3 and ds.num_classes == 21 and ds.ignore_index == 255
    img, lbl, name = ds[1]
    assert name == "2007_000001"
    assert img.shape == (3, 24, 32) and img.dtype == torch.float32
    assert lbl.dtype == torch.int64
    np.testing.assert_array_equal(lbl.numpy(), labels[name])
    assert len(open_dataset("voc2012", tmp_path, split="train")) == 1


def test_voc_image_normalisation(tmp_path):
    make_voc(tmp_path, n=1)
    ds = open_dataset("voc2012", tmp_path)
    path = ds.items[0][0]
    raw = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    want = (raw - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(ds[0][0].permute(1, 2, 0).numpy(), want, atol=1e-5)
    plain = open_dataset("voc2012", tmp_path, mean=None, std=None)
    np.testing.assert_allclose(plain[0][0].permute(1, 2, 0).numpy(), raw, atol=1e-6)


def test_voc_rgb_labels_and_train_aug(tmp_path):
    labels = make_voc(tmp_path, aug=True)
    base = tmp_path / "VOCdevkit" / "VOC2012"
    ds = open_dataset("voc2012", tmp_path, split="train_aug")
    assert [n for *_, n in ds.items] == ["2007_000000", "2007_000001"]
    np.testing.assert_array_equal(ds[0][1].numpy(), labels["2007_000000"])
    # the same label saved as an RGB colour image decodes to the same indices
    lbl_path = base / "SegmentationClass" / "2007_000002.png"
    Image.open(lbl_path).convert("RGB").save(lbl_path)
    ds = open_dataset("voc2012", tmp_path, split="val")
    np.testing.assert_array_equal(ds[2][1].numpy(), labels["2007_000002"])


def test_cityscapes_reader(tmp_path):
    labels = make_cityscapes(tmp_path)
    ds = open_dataset("cityscapes", tmp_path, split="val")
    assert len(ds) == 3 and ds.num_classes == 19
    img, lbl, name = ds[0]
    assert name == "frankfurt_000000_000000" and img.shape == (3, 16, 32)
    ids = labels[name]
    got = lbl.numpy()
    # labelIds 7 road -> 0, 8 sidewalk -> 1, 11 building -> 2, 26 car -> 13, 33 bicycle -> 18
    for lid, tid in {7: 0, 8: 1, 11: 2, 21: 8, 23: 10, 24: 11, 26: 13, 33: 18,
                     0: 255, 4: 255, 9: 255}.items():
        assert (got[ids == lid] == tid).all(), lid
    assert set(np.unique(got)) <= {0, 1, 2, 8, 10, 11, 13, 18, 255}


def test_ade20k_reader(tmp_path):
    labels = make_ade(tmp_path)
    for split, n in (("val", 2), ("train", 2)):
        ds = open_dataset("ade20k", tmp_path, split=split)
        assert len(ds) == n and ds.num_classes == 150
    img, lbl, name = ds[0]
    raw = labels[name]
    want = np.where(raw == 0, 255, raw - 1)   # reduce_zero_label
    np.testing.assert_array_equal(lbl.numpy(), want)
    assert lbl.max() <= 255 and (lbl.numpy()[raw == 150] == 149).all()


@pytest.mark.parametrize("with_list", [False, True])
def test_camvid_reader(tmp_path, with_list):
    labels = make_camvid(tmp_path, with_list=with_list)
    ds = open_dataset("camvid", tmp_path, split="val")
    assert len(ds) == 2 and ds.num_classes == 11
    for _, lbl, name in ds:
        raw = labels[name]
        np.testing.assert_array_equal(lbl.numpy(), np.where(raw == 11, 255, raw))
    assert len(open_dataset("camvid", tmp_path / "CamVid", split="test")) == 2


def test_pascal_context_reader(tmp_path):
    labels = make_context(tmp_path)
    ds = open_dataset("pascal-context", tmp_path / "VOCdevkit", split="val")
    assert len(ds) == 2 and ds.num_classes == 59
    img, lbl, name = ds[1]
    raw = labels[name]
    np.testing.assert_array_equal(lbl.numpy(), np.where(raw == 0, 255, raw - 1))
    assert ds.class_names[0] == "aeroplane" and ds.class_names[-1] == "wood"


# -- broken roots: a DatasetError naming the expected layout, never a raw traceback ----------

@pytest.mark.parametrize("key", sorted(READERS))
def test_missing_root(tmp_path, key):
    with pytest.raises(DatasetError, match="does not exist or is not a directory; expected layout"):
        open_dataset(key, tmp_path / "nope")


@pytest.mark.parametrize("key,expect", [
    ("voc2012", "no JPEGImages folder"), ("cityscapes", "no leftImg8bit/ folder"),
    ("ade20k", "no images/ folder"), ("camvid", "no valannot/ folder"),
    ("pascal-context", "no SegmentationClassContext/ folder")])
def test_empty_root_names_layout(tmp_path, key, expect):
    with pytest.raises(DatasetError, match=expect) as err:
        open_dataset(key, tmp_path)
    assert "expected layout" in str(err.value)


@pytest.mark.parametrize("key", sorted(READERS))
def test_incomplete_root(tmp_path, builders, key):
    builders[key](tmp_path)
    # delete one label file: the reader must say which one is missing
    victims = [p for p in tmp_path.rglob("*.png")
               if any(s in str(p) for s in ("SegmentationClass/", "gtFine", "valannot",
                                            "annotations/validation", "SegmentationClassContext"))]
    victims[0].unlink()
    with pytest.raises(DatasetError, match="missing|without a labelIds"):
        open_dataset(key, tmp_path, split="val")


def test_missing_split_list_and_bad_split(tmp_path):
    make_voc(tmp_path)
    with pytest.raises(DatasetError, match="unknown split 'testing'"):
        open_dataset("voc2012", tmp_path, split="testing")
    with pytest.raises(DatasetError, match="train_aug.*SegmentationClassAug"):
        open_dataset("voc2012", tmp_path, split="train_aug")
    (tmp_path / "VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt").unlink()
    with pytest.raises(DatasetError, match="missing list of the 'val' split"):
        open_dataset("voc2012", tmp_path, split="val")


def test_malformed_files(tmp_path):
    make_voc(tmp_path, n=2)
    base = tmp_path / "VOCdevkit/VOC2012"
    (base / "SegmentationClass/2007_000000.png").write_bytes(b"not a png")
    ds = open_dataset("voc2012", tmp_path)
    with pytest.raises(DatasetError, match="cannot read label image"):
        ds[0]
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(base / "SegmentationClass/2007_000001.png")
    with pytest.raises(DatasetError, match=r"is \(24, 32\) but its label .* is \(5, 5\)"):
        ds[1]


def test_out_of_range_labels_rejected(tmp_path):
    make_context(tmp_path, n=1)
    p = next((tmp_path / "VOCdevkit/VOC2010/SegmentationClassContext").glob("*.png"))
    Image.fromarray(np.full((20, 22), 200, np.uint8)).save(p)
    with pytest.raises(DatasetError, match="459-class"):
        open_dataset("pascal-context", tmp_path)[0]
