"""ConfusionMatrix against hand-computed values, torchmetrics and the Cityscapes evaluator."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from bench.data.cityscapes import CITYSCAPES_CLASSES, LABEL_TO_TRAIN
from bench.measure.miou import ConfusionMatrix


def test_hand_computed_example():
    # 3 classes; class 2 absent from both; a 255 ground-truth pixel and a 255 prediction
    gt = torch.tensor([[0, 0, 1, 1], [0, 1, 255, 1]])
    pred = torch.tensor([[0, 1, 1, 1], [0, 255, 2, 0]])
    # scored pixels (gt != 255): 7. class 0: tp 2, fn 1 (pred 1), fp 1 (gt 1 -> 0)  -> 2/4
    # class 1: tp 2, fn 2 (one 255, one 0), fp 1 (gt 0 -> 1)                       -> 2/5
    # class 2: predicted only on an ignored pixel -> absent -> NaN, not in the mean
    cm = ConfusionMatrix(3).update(pred, gt)
    s = cm.scores()
    assert s["iou"][0] == pytest.approx(50.0)
    assert s["iou"][1] == pytest.approx(40.0)
    assert math.isnan(s["iou"][2])
    assert s["per_class_iou"] == {"0": pytest.approx(50.0), "1": pytest.approx(40.0), "2": None}
    assert s["miou"] == pytest.approx(45.0)
    assert s["pixel_acc"] == pytest.approx(400 / 7)
    assert s["mean_acc"] == pytest.approx((2 / 3 + 2 / 4) / 2 * 100)
    assert s["fwiou"] == pytest.approx((3 / 7 * 0.5 + 4 / 7 * 0.4) * 100)
    assert s["num_pixels"] == 7
    assert cm.full[1].tolist() == [1, 2, 0, 1]        # last column: invalid prediction
    assert cm.matrix.tolist() == [[2, 1, 0], [1, 2, 0], [0, 0, 0]]


def test_predicted_but_absent_class_counts_as_zero():
    gt = torch.zeros(4, dtype=torch.long)
    pred = torch.tensor([0, 0, 1, 1])
    s = ConfusionMatrix(3).update(pred, gt).scores()
    assert s["iou"][1] == 0.0 and math.isnan(s["iou"][2])
    assert s["miou"] == pytest.approx(25.0)  # (0.5 + 0) / 2


def test_uint8_fast_path_equals_general_path_and_accumulates():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 6, (5, 31, 17)).astype(np.uint8)
    gt[rng.random(gt.shape) < 0.1] = 255
    pred = rng.integers(0, 8, gt.shape).astype(np.uint8)  # 6, 7 are invalid predictions
    pred[rng.random(gt.shape) < 0.05] = 255
    fast = ConfusionMatrix(6)
    for p, g in zip(pred, gt):
        fast.update(torch.from_numpy(p), torch.from_numpy(g))
    slow = ConfusionMatrix(6).update(torch.from_numpy(pred.astype(np.int64)),
                                     torch.from_numpy(gt.astype(np.int64)))
    np.testing.assert_array_equal(fast.full, slow.full)
    assert fast.full.sum() == int((gt != 255).sum())
    assert fast.full[:, 6].sum() == int(((pred >= 6) & (gt != 255)).sum())


def test_negative_and_large_predictions_are_wrong():
    gt = torch.tensor([0, 1, 1])
    pred = torch.tensor([-1, 1, 1000])
    cm = ConfusionMatrix(2).update(pred, gt)
    assert cm.full.tolist() == [[0, 0, 1], [0, 1, 1]]
    assert cm.scores()["miou"] == pytest.approx(25.0)  # class 0: 0/1, class 1: 1/2


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int64])
def test_bad_ground_truth_is_a_clear_error(dtype):
    with pytest.raises(ValueError, match=r"ground truth contains values \[7\] outside \[0, 3\)"):
        ConfusionMatrix(3).update(torch.tensor([0, 1], dtype=dtype),
                                  torch.tensor([7, 1], dtype=dtype))


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="upsample logits"):
        ConfusionMatrix(3).update(torch.zeros(2, 3), torch.zeros(3, 2))


def test_custom_ignore_index():
    gt = torch.tensor([0, 1, 2, 2])
    pred = torch.tensor([0, 1, 0, 1])
    s = ConfusionMatrix(2, ignore_index=2).update(pred, gt).scores()
    assert s["miou"] == pytest.approx(100.0) and s["num_pixels"] == 2


def _random_maps(seed: int, n: int, shape, num_classes: int, absent: list[int],
                 never_predicted: list[int]):
    rng = np.random.default_rng(seed)
    present = [c for c in range(num_classes) if c not in absent]
    gt = rng.choice(present, size=(n, *shape))
    gt[rng.random(gt.shape) < 0.1] = 255
    predictable = [c for c in range(num_classes) if c not in never_predicted]
    pred = np.where(rng.random(gt.shape) < 0.5, gt, rng.choice(predictable, size=gt.shape))
    pred[(pred == 255) | np.isin(pred, never_predicted)] = predictable[0]
    return pred, gt


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_torchmetrics(seed):
    from torchmetrics.classification import MulticlassAccuracy, MulticlassJaccardIndex

    C = 19
    pred, gt = _random_maps(seed, 4, (37, 53), C, absent=[3, 11, 17], never_predicted=[11, 5])
    p, g = torch.from_numpy(pred), torch.from_numpy(gt)
    ours = ConfusionMatrix(C).update(p, g).scores(percent=False)

    jac = MulticlassJaccardIndex(num_classes=C, ignore_index=255, average="none")
    tm_iou = jac(p, g).double().numpy()
    # torchmetrics reports 0 (zero_division) for classes absent from truth and prediction;
    # they are NaN for us: find them from torchmetrics' own confusion matrix
    cmat = jac.confmat.numpy()
    absent = (cmat.sum(0) + cmat.sum(1)) == 0
    assert absent.tolist() == [c == 11 for c in range(C)]
    tm_iou[absent] = np.nan
    np.testing.assert_allclose(ours["iou"], tm_iou, atol=1e-6, equal_nan=True)
    assert ours["miou"] == pytest.approx(float(np.nanmean(tm_iou)), abs=1e-6)

    acc_micro = MulticlassAccuracy(num_classes=C, ignore_index=255, average="micro")(p, g)
    assert ours["pixel_acc"] == pytest.approx(float(acc_micro), abs=1e-6)
    acc_cls = MulticlassAccuracy(num_classes=C, ignore_index=255, average="none")(p, g).double()
    acc_cls = acc_cls.numpy()
    acc_cls[cmat.sum(1) == 0] = np.nan  # classes absent from the truth have no accuracy
    assert ours["mean_acc"] == pytest.approx(float(np.nanmean(acc_cls)), abs=1e-6)
    freq = cmat.sum(1) / cmat.sum()
    assert ours["fwiou"] == pytest.approx(float(np.nansum(freq * tm_iou)), abs=1e-6)


def _cityscapes_eval(tmp_path, pred_ids: np.ndarray, gt_ids: np.ndarray) -> dict:
    """Run cityscapesscripts' pixel-level evaluator on labelIds PNGs written to tmp_path."""
    from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as ev

    args = ev.args
    args.evalInstLevelScore = False  # its instance path uses np.in1d, removed in numpy 2
    args.evalPixelAccuracy = False
    args.JSONOutput = False
    args.quiet = True
    preds, gts = [], []
    for k, (p, g) in enumerate(zip(pred_ids, gt_ids)):
        (tmp_path / "pred").mkdir(exist_ok=True)
        (tmp_path / "gtFine" / "val" / "city").mkdir(parents=True, exist_ok=True)
        pp = tmp_path / "pred" / f"city_000000_{k:06d}.png"
        gp = tmp_path / "gtFine" / "val" / "city" / f"city_000000_{k:06d}_gtFine_labelIds.png"
        Image.fromarray(p.astype(np.uint8)).save(pp)
        Image.fromarray(g.astype(np.uint8)).save(gp)
        preds.append(str(pp))
        gts.append(str(gp))
    return ev.evaluateImgLists(preds, gts, args)


def test_against_cityscapesscripts(tmp_path):
    C = 19
    pred, gt = _random_maps(7, 3, (29, 41), C, absent=[4, 12], never_predicted=[12, 16])
    rng = np.random.default_rng(8)
    pred[rng.random(pred.shape) < 0.05] = 255  # invalid predictions: must count as wrong
    train_to_label = {t: lid for lid, t in LABEL_TO_TRAIN.items()}
    ignored_ids = np.array([0, 1, 4, 5, 9, 15, 29])   # ignoreInEval labelIds
    gt_ids = np.where(gt == 255, ignored_ids[rng.integers(0, len(ignored_ids), gt.shape)],
                      np.vectorize(lambda v: train_to_label.get(int(v), 0))(gt))
    pred_ids = np.vectorize(lambda v: train_to_label.get(int(v), 0))(pred)  # 255 -> 0 (void)
    ref = _cityscapes_eval(tmp_path, pred_ids, gt_ids)

    ours = ConfusionMatrix(C).update(torch.from_numpy(pred), torch.from_numpy(gt)).scores(
        class_names=CITYSCAPES_CLASSES, percent=False)
    for name in CITYSCAPES_CLASSES:
        want = ref["classScores"][name]
        got = ours["per_class_iou"][name]
        if math.isnan(want):
            assert got is None, name
        else:
            assert got == pytest.approx(want, abs=1e-6), name
    assert ours["per_class_iou"]["rider"] is None          # absent from both: excluded
    assert ours["per_class_iou"]["train"] == 0.0           # present, never predicted
    assert ours["miou"] == pytest.approx(ref["averageScoreClasses"], abs=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_counts_equal_cpu():
    pred, gt = _random_maps(3, 2, (64, 64), 5, absent=[1], never_predicted=[])
    cpu = ConfusionMatrix(5).update(torch.from_numpy(pred), torch.from_numpy(gt))
    gpu = ConfusionMatrix(5).update(torch.from_numpy(pred).cuda(), torch.from_numpy(gt).cuda())
    assert gpu._mat.device.type == "cuda"
    np.testing.assert_array_equal(cpu.full, gpu.full)
