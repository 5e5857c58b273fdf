"""Adapters for torchvision's six semantic segmentation models.

Followed: pytorch/vision, torchvision/models/segmentation/{fcn,deeplabv3,lraspp}.py (0.29).
Built with ``weights=None, weights_backbone=None`` (no downloads), 21 classes (the COCO subset
with the 20 Pascal VOC categories that the published weights were trained on), evaluated at
520x520 (the ``SemanticSegmentation(resize_size=520)`` eval transform of the weights).

Deviation from the zoo rule "aux heads excluded at inference", on purpose: the published
FCN/DeepLabV3 weights include the auxiliary FCN head (``aux_loss=True``), torchvision's
``meta["num_params"]`` counts it, and torchvision's forward runs it even in eval mode, so its
``meta["_ops"]`` includes it too. To reproduce torchvision's own figures exactly we keep it;
the adapter returns only ``out["out"]``. LR-ASPP has no auxiliary head.

The adapters are the torchvision classes with ``forward`` returning a tensor, so their
``state_dict`` keys are exactly torchvision's and published checkpoints load unchanged.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torchvision.models import segmentation as tvseg
from torchvision.models.segmentation.deeplabv3 import DeepLabV3
from torchvision.models.segmentation.fcn import FCN
from torchvision.models.segmentation.lraspp import LRASPP

from bench.models.registry import register

_CODE = "https://github.com/pytorch/vision/tree/main/torchvision/models/segmentation"
_SIZE = (520, 520)  # eval resize of the published weights; also where meta["_ops"] is measured
_AUX_NOTE = ("aux FCN head kept (aux_loss=True) and run in eval as torchvision does, because the "
             "published weights, meta['num_params'] and meta['_ops'] include it; returns out['out']")


class _OutFCN(FCN):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x)["out"]


class _OutDeepLabV3(DeepLabV3):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x)["out"]


class _OutLRASPP(LRASPP):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x)["out"]


_ADAPTER = {FCN: _OutFCN, DeepLabV3: _OutDeepLabV3, LRASPP: _OutLRASPP}

# bench key -> (torchvision builder name, weights enum name, keyword args)
TORCHVISION_MODELS: dict[str, tuple[str, str, dict]] = {
    "tv-fcn-resnet50": ("fcn_resnet50", "FCN_ResNet50_Weights", {"aux_loss": True}),
    "tv-fcn-resnet101": ("fcn_resnet101", "FCN_ResNet101_Weights", {"aux_loss": True}),
    "tv-deeplabv3-resnet50": ("deeplabv3_resnet50", "DeepLabV3_ResNet50_Weights",
                              {"aux_loss": True}),
    "tv-deeplabv3-resnet101": ("deeplabv3_resnet101", "DeepLabV3_ResNet101_Weights",
                               {"aux_loss": True}),
    "tv-deeplabv3-mobilenet-v3-large": ("deeplabv3_mobilenet_v3_large",
                                        "DeepLabV3_MobileNet_V3_Large_Weights",
                                        {"aux_loss": True}),
    "tv-lraspp-mobilenet-v3-large": ("lraspp_mobilenet_v3_large",
                                     "LRASPP_MobileNet_V3_Large_Weights", {}),
}


def published_weights(key: str):
    """The torchvision weights enum entry (``.DEFAULT``) whose meta a bench key reproduces."""
    _, weights_name, _ = TORCHVISION_MODELS[key]
    return getattr(tvseg, weights_name).DEFAULT


def build_torchvision(key: str, num_classes: int = 21) -> nn.Module:
    """Build the torchvision model for `key`, random init, forward returning out['out']."""
    fn_name, _, kwargs = TORCHVISION_MODELS[key]
    model = getattr(tvseg, fn_name)(weights=None, weights_backbone=None,
                                    num_classes=num_classes, **kwargs)
    # Swap in the subclass whose forward returns the tensor; modules and keys stay the same.
    model.__class__ = _ADAPTER[type(model)]
    return model


def _register_all() -> None:
    papers = {"tv-fcn-resnet50": "fcn", "tv-fcn-resnet101": "fcn",
              "tv-deeplabv3-resnet50": "deeplabv3", "tv-deeplabv3-resnet101": "deeplabv3",
              "tv-deeplabv3-mobilenet-v3-large": "deeplabv3",
              "tv-lraspp-mobilenet-v3-large": "mobilenetv3"}
    for key, (fn_name, _, kwargs) in TORCHVISION_MODELS.items():
        notes = (f"torchvision.models.segmentation.{fn_name}(weights=None, weights_backbone=None"
                 f"{', aux_loss=True' if kwargs else ''}); "
                 + (_AUX_NOTE if kwargs else "LR-ASPP has no aux head; returns out['out']"))

        def builder(num_classes: int = 21, _key: str = key) -> nn.Module:
            return build_torchvision(_key, num_classes)

        builder.__module__ = __name__
        builder.__doc__ = notes
        register(key, paper=papers[key], num_classes=21, input_size=_SIZE,
                 official_code=_CODE, notes=notes)(builder)


_register_all()
