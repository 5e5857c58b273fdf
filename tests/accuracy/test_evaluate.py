"""End to end: saved random weights -> load_weights -> evaluate on tiny VOC / Cityscapes sets,
checked against an independent computation (PIL + numpy, cityscapesscripts' label table)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision.models.segmentation import lraspp_mobilenet_v3_large

from bench.accuracy import evaluate
from bench.weights import load_weights

from .conftest import make_cityscapes, make_voc

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])


class TVAdapter(nn.Module):
    """torchvision LR-ASPP returning out['out'], as the bench's tv-* adapters do."""

    def __init__(self, num_classes: int):
        super().__init__()
        self.net = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None,
                                             num_classes=num_classes)

    def forward(self, x):
        return self.net(x)["out"]


class Tiny(nn.Module):
    def __init__(self, num_classes: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(8, num_classes, 3, padding=1))

    def forward(self, x):
        return self.body(x)  # half resolution: evaluate must upsample to the label


def _independent(model, pairs, num_classes):
    """mIoU etc. in percent from scratch: numpy preprocessing and confusion matrix."""
    conf = np.zeros((num_classes, num_classes), dtype=np.int64)
    with torch.no_grad():
        for img_path, label in pairs:
            rgb = np.asarray(Image.open(img_path).convert("RGB"), dtype=np.float64) / 255.0
            x = torch.from_numpy(((rgb - MEAN) / STD).transpose(2, 0, 1)).float()[None]
            logits = model(x)
            logits = F.interpolate(logits, size=label.shape, mode="bilinear", align_corners=False)
            pred = logits.argmax(1)[0].numpy()
            keep = label != 255
            np.add.at(conf, (label[keep], pred[keep]), 1)
    tp = np.diag(conf).astype(float)
    union = conf.sum(0) + conf.sum(1) - tp
    iou = np.full(num_classes, np.nan)
    iou[union > 0] = tp[union > 0] / union[union > 0]
    return {"miou": np.nanmean(iou) * 100, "pixel_acc": tp.sum() / conf.sum() * 100,
            "iou": iou * 100}


def _save_random(tmp_path, model, name):
    path = tmp_path / name
    torch.save(model.state_dict(), path)
    return path


def test_voc_end_to_end_with_torchvision_weights(tmp_path):
    make_voc(tmp_path, n=3, size=(40, 56))
    torch.manual_seed(0)
    src = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=21).eval()
    with torch.no_grad():  # a louder low-level branch so random weights predict several classes
        src.classifier.low_classifier.weight.normal_(0, 1.0)
    path = _save_random(tmp_path, src, "lraspp_voc.pth")

    model = TVAdapter(21)
    info = load_weights(model, path)
    assert info["missing"] == [] and info["unexpected"] == []
    res = evaluate(model.eval(), dataset="voc2012", root=tmp_path / "VOCdevkit", split="val",
                   progress=False)

    base = tmp_path / "VOCdevkit/VOC2012"
    ids = (base / "ImageSets/Segmentation/val.txt").read_text().split()
    pairs = [(base / "JPEGImages" / f"{i}.jpg",
              np.array(Image.open(base / "SegmentationClass" / f"{i}.png")).astype(np.int64))
             for i in ids]
    ref = _independent(lambda x: src(x)["out"], pairs, 21)
    assert res["num_images"] == 3 and res["protocol"] == "whole"
    assert res["miou"] == pytest.approx(ref["miou"], abs=1e-6)
    assert res["pixel_acc"] == pytest.approx(ref["pixel_acc"], abs=1e-6)
    got = np.array([np.nan if v is None else v for v in res["per_class_iou"].values()])
    np.testing.assert_allclose(got, ref["iou"], atol=1e-6, equal_nan=True)
    assert list(res["per_class_iou"])[:2] == ["background", "aeroplane"]
    assert (got > 0).sum() >= 2  # random but varied predictions, not a single class
    assert res["weights"] is None and res["scales"] == [1.0] and res["flip"] is False


def test_cityscapes_end_to_end(tmp_path):
    from cityscapesscripts.helpers.labels import id2label

    make_cityscapes(tmp_path, n=3, size=(24, 40))
    torch.manual_seed(3)
    src = Tiny(19).eval()
    path = _save_random(tmp_path, src, "tiny.pth")
    model = Tiny(19)
    load_weights(model, path)
    res = evaluate(model, dataset="cityscapes", root=tmp_path, split="val", progress=True)

    lut = np.array([id2label[i].trainId if id2label[i].trainId not in (-1, 255) else 255
                    for i in range(34)] + [255] * 222)
    pairs = []
    for img in sorted((tmp_path / "leftImg8bit/val").glob("*/*.png")):
        stem = img.name[: -len("_leftImg8bit.png")]
        gt = tmp_path / "gtFine/val" / img.parent.name / f"{stem}_gtFine_labelIds.png"
        pairs.append((img, lut[np.array(Image.open(gt))]))
    ref = _independent(src, pairs, 19)
    assert res["miou"] == pytest.approx(ref["miou"], abs=1e-6)
    assert res["pixel_acc"] == pytest.approx(ref["pixel_acc"], abs=1e-6)
    got = np.array([np.nan if v is None else v for v in res["per_class_iou"].values()])
    np.testing.assert_allclose(got, ref["iou"], atol=1e-6, equal_nan=True)
    assert np.isnan(ref["iou"]).sum() + (ref["iou"] == 0).sum() >= 8  # classes never in the GT
    assert res["num_classes"] == 19


def test_protocol_is_recorded_and_slide_matches_whole_for_pointwise_model(tmp_path):
    make_voc(tmp_path, n=2, size=(30, 44))
    torch.manual_seed(1)
    model = nn.Conv2d(3, 21, 1).eval()
    whole = evaluate(model, dataset="voc2012", root=tmp_path, progress=False)
    slide = evaluate(model, dataset="voc2012", root=tmp_path, protocol="slide", crop="16x16",
                     stride=(8, 12), flip=True, scales=[0.5, 1.0], progress=False)
    assert (slide["protocol"], slide["crop"], slide["stride"]) == ("slide", [16, 16], [8, 12])
    assert slide["flip"] is True and slide["scales"] == [0.5, 1.0]
    # a 1x1 conv is pointwise: windows and flips change nothing at scale 1
    same = evaluate(model, dataset="voc2012", root=tmp_path, protocol="slide", crop=(16, 16),
                    stride=(8, 8), flip=True, progress=False)
    assert same["miou"] == pytest.approx(whole["miou"], abs=1e-9)
    assert same["per_class_iou"] == whole["per_class_iou"]
    assert whole["miou"] > 0 and len(whole["per_class_iou"]) == 21


def test_model_input_statistics_and_channel_check(tmp_path):
    make_voc(tmp_path, n=1)
    model = nn.Conv2d(3, 21, 1)
    model.input_mean, model.input_std = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)
    res = evaluate(model, dataset="voc2012", root=tmp_path, progress=False)
    assert res["num_images"] == 1
    with pytest.raises(ValueError, match="model outputs 21 channels but 19 classes"):
        evaluate(nn.Conv2d(3, 21, 1), dataset="voc2012", root=tmp_path, num_classes=19,
                 progress=False)


def test_saved_predictions_scored_by_bench_miou_equal_evaluate(tmp_path):
    import json

    import typer
    from typer.testing import CliRunner

    from bench.accuracy import save_predictions
    from bench.miou_cmd import miou_command

    make_voc(tmp_path, n=3, size=(30, 40))
    base = tmp_path / "VOCdevkit/VOC2012"
    torch.manual_seed(2)
    model = Tiny(21).eval()
    res = evaluate(model, dataset="voc2012", root=tmp_path, flip=True, progress=False)
    n = save_predictions(model, dataset="voc2012", root=tmp_path, out_dir=tmp_path / "pred",
                         flip=True)
    assert n == 3 and sorted(p.name for p in (tmp_path / "pred").iterdir()) == [
        "2007_000000.png", "2007_000001.png", "2007_000002.png"]

    app = typer.Typer()
    app.command("miou")(miou_command)
    app.command("x")(lambda: None)
    args = ["miou", "--pred", str(tmp_path / "pred"), "--gt", str(base / "SegmentationClass"),
            "--num-classes", "21", "--json", "--ids", str(base / "ImageSets/Segmentation/val.txt")]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    scored = json.loads(out.stdout)
    assert scored["miou"] == pytest.approx(res["miou"], abs=1e-9)
    assert scored["pixel_acc"] == pytest.approx(res["pixel_acc"], abs=1e-9)
    assert list(scored["per_class_iou"].values()) == list(res["per_class_iou"].values())
    # listing an id that has no ground truth is an error
    (tmp_path / "ids.txt").write_text("2007_000000\n2099_000000\n")
    args[-1] = str(tmp_path / "ids.txt")
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 1 and "1 id(s) listed" in out.stderr and "2099_000000" in out.stderr
