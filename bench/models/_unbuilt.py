"""Why a catalog claim has no reference model to judge it: the papers (and single models) with
params or FLOPs claims that the zoo does not build, each with the reason. The verification
report prints the reason beside every claim it leaves unjudged, so "no run" is never silent.
"""

from __future__ import annotations

_MAMBA = ("a selective-scan (Mamba) backbone: the official code runs CUDA kernels (mamba_ssm / "
          "selective_scan) and the bench has no pure-PyTorch port of it yet")
_NATTEN = ("neighbourhood attention needs the natten C++/CUDA extension, which the bench does not "
           "install; no pure-PyTorch port yet")
_PORT = "not ported yet: the backbone has no implementation in timm or transformers, and the bench has not built one from the official code"

PAPERS: dict[str, str] = {
    "vit-adapter": "ViT-Adapter's spatial prior and injector/extractor modules use multi-scale deformable attention; not ported yet",
    "cgrseg": ("its segmentation EfficientFormerV2 carries attention biases sized for 512x512 and "
               "interpolated at run time, unlike timm's classifier; not ported yet"),
    "afformer": _PORT,
    "next-vit": ("timm's Next-ViT builds 1.06 M fewer parameters than the README for every variant "
                 "(Semantic FPN and UperNet alike); until the difference is understood no model is registered"),
    "nat": _NATTEN, "dinat": _NATTEN,
    "vmamba": _MAMBA, "mambavision": _MAMBA, "spatial-mamba": _MAMBA, "plainmamba": _MAMBA,
    "mobilemamba": _MAMBA, "damamba": _MAMBA, "defmamba": _MAMBA, "msvmamba": _MAMBA,
    "dynamic-routing": "a soft-conditional gate network searched per input (Detectron2 code); not ported yet",
    "squeezenas": "the searched architectures are given as JSON genotypes in the official code; not ported yet",
    "eva": "EVA's 1B-parameter ViT with Mask2Former: not built (its config needs EVA's own MIM-pretrained blocks)",
    "pem": "PEM's prototype-based mask decoder: not ported yet",
    "franca": "the claims are about the backbone with a linear probe head; not ported yet",
    "cae": "not ported yet (a ViT with CAE's UperNet recipe)",
}
MODELS: dict[str, str] = {
    "upernet-swin-b-in22k": ("the window size of the 22K row's config (7 or 12) is not established from "
                             "a source we opened, and it changes the count"),
    "internimage-h-mask2former": "InternImage-H with a Mask2Former head: the head is not wired to the pure-PyTorch backbone yet",
    "oneformer-dinat-l": _NATTEN,
    "mask2former-swin-l-fapn": "the FaPN pixel decoder (deformable convolutions) is not ported yet",
    "maskformer-r101c": "ResNet-101c (the DeepLab stem of Detectron2) is not built",
}


def reason(paper: str | None, model: str) -> str:
    """Why `model` (of `paper`) has no reference run: its own reason, its paper's, or the
    general one."""
    return MODELS.get(model) or PAPERS.get(paper or "") or _PORT
