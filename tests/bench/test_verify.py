"""Verdict logic on synthetic claims: every verdict, bounds, rounding, units, conditions.

The claims here are test fixtures, not catalog entries; `torchvision` is cited because the
param/ops figures of fcn_resnet50 used below are its weights' metadata (35,322,218; 152.717).
"""

from __future__ import annotations

import pytest

from bench.verify import (
    TOLERANCES,
    half_unit,
    same_hardware,
    verify_efficiency,
    verify_result,
)
from catalog.schema import Efficiency, Result

SRC = [{"ref": "torchvision"}]
ENV = {"device_name": "NVIDIA GeForce GTX TITAN X", "cpu": "x", "threads": 2}


def eff(**kw) -> Efficiency:
    return Efficiency(model="m", sources=SRC, **kw)


def measured(**over) -> dict:
    m = {
        "params": {"total": 35_322_218, "scope": "s"},
        "flops_by_size": {(520, 520): {"gmacs": 152.717, "gflops": 305.434, "fvcore_gmacs": 153.0},
                          (256, 256): {"gmacs": 37.0, "gflops": 74.0, "fvcore_gmacs": None}},
        "latency": {"median_ms": 100.0, "throughput_ips": 10.0},
        "memory": {"peak_mb": 900.0, "kind": "cpu_rss_peak"},
        "env": ENV, "input_size": (520, 520), "batch": 1, "precision": "fp32", "miou": None,
    }
    m.update(over)
    return m


def verdict(claim, m=None) -> str:
    return verify_efficiency(claim, m or measured())["verdict"]


def test_half_unit():
    assert [half_unit(v) for v in (134.0, 0.75, 1.5, 35322218.0)] == [0.5, 0.005, 0.05, 0.5]


@pytest.mark.parametrize("value,unit,bound,expected", [
    (35.3, "M", "=", "verified"),          # 35.32 within 1% and rounds to 35.3
    (35, "M", "~", "verified"),            # 0.9% off, "~" allows 2%
    (34, "M", "=", "mismatch"),            # 3.9% off
    (36, "M", "<", "verified"),            # under the bound
    (30, "M", "<", "mismatch"),
    (40, "M", ">", "mismatch"),
    (35_322_218, "count", "=", "verified"),
    (35.5, "M", "=", "verified"),          # 0.5% off: within 1%
    (35.9, "M", "=", "mismatch"),          # 1.6% off; rounding of 35.9 is ±0.05M
])
def test_params(value, unit, bound, expected):
    assert verdict(eff(quantity="params", value=value, unit=unit, bound=bound)) == expected


def test_params_counting_the_aux_head():
    # fcn_resnet50: 32,957,013 without the aux head, 35,322,218 (torchvision meta) with it
    m = measured(params={"total": 32_957_013, "excluded": 2_365_205, "scope": "s"})
    v = verify_efficiency(eff(quantity="params", value=35_322_218, unit="count"), m)
    assert v["verdict"] == "verified" and v["measured"] == 35_322_218
    assert "counting the auxiliary head (2,365,205)" in v["note"]
    v = verify_efficiency(eff(quantity="params", value=33.0, unit="M"), m)
    assert v["verdict"] == "verified" and v["measured"] == 32.957013
    v = verify_efficiency(eff(quantity="params", value=40, unit="M"), m)
    assert v["verdict"] == "mismatch" and "35,322,218 with them" in v["note"]


def test_params_claim_of_another_dataset_is_judged_with_that_datasets_head():
    # DeepLabv3 + MobileViTv2-0.5 (the bench's exact counts): 6,308,495 with ADE20K's 150-class
    # classifier, 6,242,318 with VOC's 21; the zoo prints 6.3 M and 6.2 M.
    m = measured(params={"total": 6_308_495, "scope": "s"}, params_classes=150,
                 params_by_classes={21: {"total": 6_242_318, "scope": "s"}})
    voc = verify_efficiency(eff(quantity="params", value=6.2, unit="M", dataset="voc2012"), m)
    assert voc["verdict"] == "verified" and voc["measured"] == 6.242318
    assert "with a 21-class head (the claim's dataset)" in voc["note"]
    ade = verify_efficiency(eff(quantity="params", value=6.3, unit="M", dataset="ade20k"), m)
    assert ade["verdict"] == "verified" and ade["measured"] == 6.308495 and "class head" not in ade["note"]
    # Without the count for that head (an older record), the registered count is judged.
    old = measured(params={"total": 6_308_495, "scope": "s"})
    assert verify_efficiency(eff(quantity="params", value=6.2, unit="M", dataset="voc2012"), old)["verdict"] == "mismatch"


def test_params_rounding_beats_relative():
    # "0.4M" stands for 0.35M..0.45M (±12.5%), far looser than 1%: 0.36M rounds to 0.4M
    m = measured(params={"total": 360_000, "scope": "s"})
    assert verdict(eff(quantity="params", value=0.4, unit="M"), m) == "verified"
    assert verdict(eff(quantity="params", value=0.40, unit="M"), m) == "verified"  # same float
    m = measured(params={"total": 340_000, "scope": "s"})
    assert verdict(eff(quantity="params", value=0.4, unit="M"), m) == "mismatch"


def test_flops_verified_unit_mismatch_and_size():
    # torchvision prints 152.717 "GFLOPS"; it is a multiply-add count: as a flops claim -> unit
    v = verify_efficiency(eff(quantity="flops", value=152.717, unit="G", input_size="520x520"),
                          measured())
    assert v["verdict"] == "unit" and v["measured"] == 152.717
    assert "MACs" in v["note"]
    assert verdict(eff(quantity="macs", value=152.717, unit="G", input_size="520x520")) == "verified"
    assert verdict(eff(quantity="macs", value=305.4, unit="G", input_size="520x520")) == "unit"
    assert verdict(eff(quantity="macs", value=170, unit="G", input_size="520x520")) == "mismatch"
    assert verdict(eff(quantity="macs", value=160, unit="G", input_size="520x520")) == "verified"  # 4.8%
    # re-measured at the claim's own size
    assert verdict(eff(quantity="flops", value=74, unit="G", input_size="256x256")) == "verified"
    # fvcore's count can verify too
    v = verify_efficiency(eff(quantity="macs", value=153.0, unit="G", input_size="520x520"),
                          measured(flops_by_size={(520, 520): {"gmacs": 140.0, "gflops": 280.0,
                                                               "fvcore_gmacs": 153.0}}))
    assert v["verdict"] == "verified" and "fvcore" in v["note"]


def test_flops_without_input_size_not_comparable():
    v = verify_efficiency(eff(quantity="flops", value=305.4, unit="G"), measured())
    assert v["verdict"] == "not-comparable"
    assert "no input size" in v["note"] and "152.717 GMACs" in v["note"]


def test_flops_unmeasured_size():
    assert verdict(eff(quantity="macs", value=1, unit="G", input_size="1024x2048")) == "unmeasured"


def test_latency_and_fps():
    ok = {"hardware": "Titan X", "input_size": "520x520"}
    assert verdict(eff(quantity="latency", value=105, unit="ms", **ok)) == "verified"
    assert verdict(eff(quantity="latency", value=0.105, unit="s", **ok)) == "verified"
    assert verdict(eff(quantity="latency", value=120, unit="ms", **ok)) == "mismatch"
    assert verdict(eff(quantity="fps", value=10.5, unit="fps", **ok)) == "verified"
    v = verify_efficiency(eff(quantity="latency", value=100, unit="ms", hardware="Titan Xp",
                              input_size="520x520"), measured())
    assert v["verdict"] == "not-comparable"
    assert "claimed on Titan Xp" in v["note"] and "100 ms median" in v["note"]
    assert verdict(eff(quantity="fps", value=10, unit="fps", hardware="Titan X")) == "not-comparable"
    assert verdict(eff(quantity="fps", value=10, unit="fps", input_size="520x520")) == "not-comparable"
    assert verdict(eff(quantity="latency", value=100, unit="ms", batch_size=8, **ok)) == "not-comparable"
    assert verdict(eff(quantity="latency", value=100, unit="ms", precision="fp16", **ok)) == "not-comparable"
    assert verdict(eff(quantity="latency", value=100, unit="ms", **ok),
                   measured(latency=None)) == "unmeasured"


def test_memory_unmeasured():
    v = verify_efficiency(eff(quantity="memory", value=1, unit="GB"), measured())
    assert v["verdict"] == "unmeasured" and "900 MB" in v["note"]


def test_same_hardware():
    assert same_hardware("V100", "Tesla V100-SXM2-16GB")
    assert same_hardware("GTX 1080Ti", "NVIDIA GeForce GTX 1080 Ti")
    assert not same_hardware("Titan X", "NVIDIA TITAN Xp")
    assert not same_hardware(None, "NVIDIA TITAN X")


def res(**kw) -> Result:
    base = {"model": "m", "dataset": "voc2012", "split": "val", "value": 62.2, "sources": SRC}
    base.update(kw)
    return Result(**base)


MIOU = {"dataset": "voc2012", "split": "val", "protocol": "whole", "flip": False,
        "scales": [1.0], "num_images": 3, "miou": 62.5, "pixel_acc": 90.0,
        "weights": {"path": "w.pth"}}


def test_accuracy_verdicts():
    assert verify_result(res(), None)["verdict"] == "unmeasured"
    assert verify_result(res(), MIOU)["verdict"] == "verified"              # 0.3 points
    assert verify_result(res(value=61.6), MIOU)["verdict"] == "mismatch"    # 0.9 points
    assert verify_result(res(split="test"), MIOU)["verdict"] == "unmeasured"
    assert verify_result(res(metric="pixel-acc", value=90.2), MIOU)["verdict"] == "verified"
    assert verify_result(res(metric="iiou"), MIOU)["verdict"] == "unmeasured"
    assert verify_result(res(setting={"crf": True}), MIOU)["verdict"] == "not-comparable"
    assert verify_result(res(setting={"multi_scale": True}), MIOU)["verdict"] == "not-comparable"
    assert verify_result(res(setting={"flip": True}), MIOU)["verdict"] == "not-comparable"
    no_weights = dict(MIOU, weights={"path": None})
    assert verify_result(res(), no_weights)["verdict"] == "unmeasured"


def test_tolerances_printed():
    v = verify_efficiency(eff(quantity="params", value=35, unit="M", bound="~"), measured())
    assert v["tolerance"] == "±2% or the claim's rounding"
    assert TOLERANCES["accuracy"].describe() == "±0.5 points"
    assert v["sources"] == ["torchvision"]


# ---------------------------------------------------------------- relative claims

def rel_claim(quantity: str, value: float, **kw) -> Efficiency:
    return Efficiency(model="enet", quantity=quantity, value=value, unit="x",
                      relative_to="segnet", sources=SRC, **kw)


def with_segnet(**over) -> dict:
    """This model: 0.37M params, 2 GMACs at 360x480, 10 ms; SegNet: 29.4M, 150 GMACs, 180 ms."""
    m = measured(params={"total": 370_000}, input_size=(360, 480),
                 flops_by_size={(360, 480): {"gmacs": 2.0, "gflops": 4.0}},
                 latency={"median_ms": 10.0, "throughput_ips": 100.0})
    m["relative"] = {"segnet": {"key": "segnet", "params": {"total": 29_230_000},
                                "flops_by_size": {(360, 480): {"gmacs": 150.0, "gflops": 300.0}},
                                "latency": {"median_ms": 180.0}}}
    m.update(over)
    return m


@pytest.mark.parametrize("claim,expected,ratio", [
    (rel_claim("params", 79), "verified", 79.0),           # 29.23M / 0.37M = 79.0
    (rel_claim("params", 90), "mismatch", 79.0),
    (rel_claim("macs", 75), "verified", 75.0),             # 150 / 2 GMACs at the run's size
    (rel_claim("flops", 75, input_size="360x480"), "verified", 75.0),
    (rel_claim("latency", 18, hardware="Titan X"), "verified", 18.0),  # 180 / 10 ms, our GPU
    (rel_claim("fps", 18, hardware="Titan X"), "verified", 18.0),      # this/other throughput
    (rel_claim("latency", 25, hardware="Titan X"), "mismatch", 18.0),
    (rel_claim("latency", 18), "not-comparable", 18.0),    # no hardware: shown, not judged
])
def test_relative_claims_are_ratios_of_two_measurements(claim, expected, ratio):
    v = verify_efficiency(claim, with_segnet())
    assert v["verdict"] == expected
    assert v["measured"] == pytest.approx(ratio, rel=1e-3) and v["measured_unit"] == "x"
    assert v["relative_to"] == "segnet" and "ratio" in v["note"]


def test_relative_claims_that_cannot_be_measured_say_why():
    v = verify_efficiency(rel_claim("params", 79), with_segnet(relative={"segnet": {
        "reason": "segnet is not registered in the bench"}}))
    assert v["verdict"] == "unmeasured" and v["note"] == "segnet is not registered in the bench"
    v = verify_efficiency(rel_claim("latency", 18, hardware="Titan X"), with_segnet(latency=None))
    assert v["verdict"] == "unmeasured" and "--no-latency" in v["note"]
    v = verify_efficiency(rel_claim("flops", 75, input_size="512x512"), with_segnet())
    assert v["verdict"] == "unmeasured" and "512x512" in v["note"]
    v = verify_efficiency(rel_claim("latency", 18, hardware="Jetson TX1"), with_segnet())
    assert v["verdict"] == "not-comparable" and "Jetson TX1" in v["note"]
    v = verify_efficiency(rel_claim("params", 79), measured())  # no relative measurements
    assert v["verdict"] == "unmeasured"


def test_flops_claim_with_its_dataset_head_and_canonical_size():
    """A FLOPs claim names its dataset: it is judged with that dataset's classifier (here a
    19-class Cityscapes count of a 21-class model), and without a size at the dataset's canonical
    size, which can confirm a claim but never convict it (the size was assumed)."""
    m = measured(num_classes=21,
                 flops_by_size={(512, 512): {"gmacs": 8.39, "gflops": 16.78, "fvcore_gmacs": None}},
                 flops_by_key={(512, 1024, 19): {"gmacs": 17.76, "gflops": 35.51, "fvcore_gmacs": None}})
    city = eff(quantity="macs", value=17.7, unit="G", input_size="512x1024", dataset="cityscapes")
    assert verdict(city, m) == "verified"
    assert "19-class head (cityscapes)" in verify_efficiency(city, m)["note"]
    assert verdict(eff(quantity="macs", value=8.4, unit="G", dataset="voc2012"), m) == "verified"
    out = verify_efficiency(eff(quantity="macs", value=183.3, unit="G", dataset="voc2012"), m)
    assert out["verdict"] == "not-comparable" and "an assumption" in out["note"]
    assert verdict(eff(quantity="macs", value=8.4, unit="G"), m) == "not-comparable"  # no size, no dataset


def test_params_claim_with_its_dataset_head():
    """A params claim that names a dataset is judged on the model built with that dataset's
    class count when the harness measured it (EfficientViT-L2: 52.6 M for Cityscapes, 51.5 M
    for ADE20K, whose head is narrower); without such a count, on the registered build."""
    m = measured(num_classes=19, params={"total": 52_607_923, "scope": "s"},
                 params_by_classes={150: {"total": 51_462_454, "scope": "s"}})
    ade = eff(quantity="params", value=51, unit="M", dataset="ade20k")
    out = verify_efficiency(ade, m)
    assert out["verdict"] == "verified" and "with a 150-class head (the claim's dataset)" in out["note"]
    assert verdict(eff(quantity="params", value=53, unit="M", dataset="cityscapes"), m) == "verified"
    assert verdict(eff(quantity="params", value=53, unit="M"), m) == "verified"
    assert verdict(ade, measured(params={"total": 52_607_923, "scope": "s"})) == "mismatch"
