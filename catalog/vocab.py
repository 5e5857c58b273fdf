"""Controlled vocabularies of the catalog: tags, metrics, splits, extra data, units.

Kept in one place so the schema, the JSON Schema, the site and contributors all see the
same lists. Adding a word here is a deliberate, reviewed change.
"""

from __future__ import annotations

TAGS: dict[str, str] = {
    # architecture families
    "fcn-based": "Fully convolutional network, or a direct descendant of FCN",
    "encoder-decoder": "Encoder that downsamples, decoder that recovers resolution",
    "skip-connections": "Fuses shallow, fine features with deep, coarse ones",
    "dilated-convolution": "Dilated / atrous convolution to keep resolution or enlarge context",
    "pyramid-pooling": "Spatial pyramid pooling or ASPP-style multi-rate context",
    "multi-scale": "Multi-scale inputs, features or cascades",
    "context-module": "An explicit module that aggregates global or long-range context",
    "attention": "Spatial or channel attention, self-attention, non-local blocks",
    "crf": "Conditional random fields (post-processing or end-to-end)",
    "rnn": "Recurrent networks over the image or the features",
    "refinement": "Coarse-to-fine refinement of the prediction",
    "boundary": "Explicit boundary or edge modelling",
    "upsampling": "Learned upsampling (deconvolution, data-dependent upsampling)",
    "densenet": "Densely connected blocks",
    "transformer": "Transformer / vision-transformer based",
    "graph": "Graph reasoning over features",
    "nas": "Neural architecture search",
    "mask-classification": "Predicts a set of masks with a class each (MaskFormer-style), not per-pixel classes",
    "foundation-model": "Built on a large pre-trained foundation backbone (DINOv2, EVA, BEiT-3, ...)",
    "state-space": "State-space sequence models (Mamba-style selective scans) as the backbone or head",
    "large-kernel": "Large convolution kernels (31x31 and beyond) or dynamic large receptive fields",
    "self-supervised": "Self-supervised pre-training (masked image modelling, self-distillation)",
    "vision-language": "Vision-language pre-training on image-text pairs (CLIP-style)",
    "open-vocabulary": "Open-vocabulary segmentation: classes given as text at test time",
    "depth-estimation": "Also estimates depth (a depth foundation model fine-tuned for segmentation)",
    # efficiency
    "real-time": "Designed for real-time inference",
    "lightweight": "Small parameter count or FLOPs budget, mobile-oriented",
    # supervision and training
    "weakly-supervised": "Trained from image-level labels, boxes or scribbles",
    "semi-supervised": "Uses unlabelled or partially labelled data",
    "gan": "Adversarial training",
    "loss-function": "Proposes or studies a loss function",
    "knowledge-distillation": "Distils a large model into a small one",
    "domain-adaptation": "Transfers across domains (e.g. synthetic to real)",
    # tasks and domains beyond plain semantic segmentation
    "instance-segmentation": "Instance-level segmentation",
    "panoptic": "Panoptic segmentation",
    "video": "Video segmentation",
    "rgbd": "Uses depth (RGB-D)",
    "3d": "3D data: point clouds, volumes",
    "medical": "Medical or biomedical images",
    "remote-sensing": "Aerial or satellite images",
    "human-parsing": "Human parsing or human segmentation",
    "matting": "Image matting",
    # kinds of paper or resource
    "survey": "A review or survey",
    "dataset": "Introduces a dataset or benchmark",
    "backbone": "A backbone network reused by segmentation models",
    "toolbox": "A code library or toolbox",
}

METRICS: dict[str, str] = {
    "miou": "Mean intersection over union over classes (percent)",
    "iiou": "Cityscapes instance-weighted IoU (percent)",
    "miou-category": "Cityscapes category-level mIoU (percent)",
    "pixel-acc": "Pixel accuracy (percent)",
    "mean-acc": "Mean class accuracy (percent)",
    "fwiou": "Frequency-weighted IoU (percent)",
    "dice": "Dice coefficient (percent)",
    "ap": "Average precision (percent)",
    "pq": "Panoptic quality (percent)",
}

SPLITS: dict[str, str] = {
    "train": "Training split",
    "val": "Validation split",
    "test": "Test split (an official evaluation server or a local test set: see `server`)",
    "unspecified": "The source does not say which split",
}

# Where a `test` number was scored. Absent = the source does not say.
SERVERS: dict[str, str] = {
    "official": "The benchmark's official evaluation server (hidden test labels)",
    "local": "A local test set with public labels (e.g. CamVid test)",
}

# What the model was trained on. Absent = the source does not say.
TRAIN_SPLITS: dict[str, str] = {
    "train": "The training split only",
    "trainval": "Training and validation splits together (train+val)",
}

# Extra *training* data beyond the dataset's own training split (not backbone pre-training).
# Absent = the source does not say; [] = the source says none.
EXTRA_DATA: dict[str, str] = {
    "coco": "MS COCO (pre-training or joint training on its segmentation labels)",
    "coco-stuff": "COCO-Stuff labels",
    "sbd": "Semantic Boundaries Dataset augmentation (VOC 'train_aug')",
    "coarse": "Cityscapes coarse annotations",
    "mapillary": "Mapillary Vistas",
    "ade20k": "ADE20K (as intermediate fine-tuning data)",
    "objects365": "Objects365",
    "pseudo-labels": "Unlabelled images with pseudo-labels (self-training)",
    "synthetic": "Synthetic images (e.g. GTA5, SYNTHIA)",
    "other": "Other extra training data (named in the note)",
}

# Backbone pre-training, stage by stage. Absent = the source does not say.
PRETRAINING: dict[str, str] = {
    "imagenet-1k": "Supervised ImageNet-1k classification",
    "imagenet-22k": "Supervised ImageNet-22k (ImageNet-21k) classification",
    "imagenet-1k-ssl": "Self-supervised on ImageNet-1k images (labels unused), e.g. masked image modelling",
    "imagenet-22k-ssl": "Self-supervised on ImageNet-22k images (labels unused)",
    "jft-300m": "Google's JFT-300M",
    "lvd-142m": "DINOv2's curated LVD-142M images (self-supervised)",
    "lvd-1689m": "DINOv3's LVD-1689M images (self-supervised)",
    "merged-38m": "EVA-02's Merged-38M images (MIM with an EVA-CLIP teacher)",
    "laion-2b": "LAION-2B image-text pairs",
    "clip-400m": "OpenAI CLIP's 400M image-text pairs",
    "coco": "MS COCO (detection / segmentation pre-training of the whole network)",
    "objects365": "Objects365 detection pre-training",
    "webli": "Google's WebLI image-text data (SigLIP, PaLI)",
    "datacomp-1b": "DataComp-1B image-text pairs",
    "laion-400m": "LAION-400M image-text pairs",
    "metaclip": "MetaCLIP's curated image-text data",
    "sa-1b": "SAM's SA-1B images and masks",
    "ig-3b": "Instagram-3.5B hashtag images",
    "internimage-m3i": "InternImage's joint 427M public image-text / image data (M3I pre-training)",
    "beit3-multimodal": "BEiT-3's multimodal corpus (image-text pairs, images and text)",
    "other-large": "Another large or private corpus (named in the note)",
    "scratch": "No pre-training: trained from scratch",
}

# How broad the backbone's pre-training is, for the fair view (catalog.compare.fair): each
# pre-training word belongs to one class; a score's class is its broadest stage.
PRETRAINING_CLASSES: dict[str, str] = {
    "scratch": "No pre-training",
    "imagenet-1k": "ImageNet-1k (supervised or self-supervised)",
    "imagenet-22k": "ImageNet-22k (supervised or self-supervised)",
    "large": "Large or private corpora (JFT-300M, LVD-142M, LAION, CLIP data, Merged-38M) or "
             "detection/segmentation pre-training on other labelled data (COCO, Objects365)",
    "unknown": "Not stated",
}
PRETRAINING_CLASS: dict[str, str] = {
    "scratch": "scratch", "imagenet-1k": "imagenet-1k", "imagenet-1k-ssl": "imagenet-1k",
    "imagenet-22k": "imagenet-22k", "imagenet-22k-ssl": "imagenet-22k",
    "jft-300m": "large", "lvd-142m": "large", "lvd-1689m": "large", "merged-38m": "large",
    "laion-2b": "large", "clip-400m": "large", "coco": "large", "objects365": "large",
    "webli": "large", "datacomp-1b": "large", "laion-400m": "large", "metaclip": "large",
    "sa-1b": "large", "ig-3b": "large", "internimage-m3i": "large", "beit3-multimodal": "large",
    "other-large": "large",
}

# The engine a speed was measured with (an efficiency claim's `engine`; `framework` keeps the
# source's own words, e.g. "TensorRT 5.1.5.0").
ENGINES: dict[str, str] = {
    "pytorch": "PyTorch eager (or torch.compile, see the claim's framework text)",
    "tensorrt": "NVIDIA TensorRT (directly or via ONNX, mmdeploy, Paddle Inference)",
    "paddle-inference": "Paddle Inference without TensorRT",
    "paddle-lite": "Paddle Lite (mobile)",
    "onnxruntime": "ONNX Runtime",
    "tensorflow": "TensorFlow (or TF Lite)",
    "caffe": "Caffe",
    "keras": "Keras",
    "theano": "Theano",
    "matconvnet": "MatConvNet",
    "mxnet": "MXNet",
    "openvino": "Intel OpenVINO",
    "other": "Another engine (named in the claim's framework text)",
}

IMPLEMENTATIONS: dict[str, str] = {
    "torchvision": "torchvision's model zoo",
    "mmsegmentation": "OpenMMLab's mmsegmentation model zoo",
    "paddleseg": "PaddleSeg's model zoo",
    "transformers": "HuggingFace transformers",
    "third-party": "Another third-party reproduction (named in the note)",
}

# Per quantity, the units a claim may use and their factor to the quantity's base unit.
# Base units: params -> count, flops/macs -> count, latency -> ms, fps -> 1/s, memory -> MB.
UNITS: dict[str, dict[str, float]] = {
    "params": {"count": 1.0, "K": 1e3, "M": 1e6, "B": 1e9},
    "flops": {"count": 1.0, "M": 1e6, "G": 1e9, "T": 1e12},
    "macs": {"count": 1.0, "M": 1e6, "G": 1e9, "T": 1e12},
    "latency": {"ms": 1.0, "s": 1000.0},
    "fps": {"fps": 1.0},
    "memory": {"MB": 1.0, "GB": 1024.0},
}

# Plausible range of a claim in its quantity's base unit: outside it, a value is a typo
# (1e29 M parameters) rather than a claim. Generous on purpose.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "params": (1e2, 1e12),        # 100 parameters .. 1T
    "flops": (1e5, 1e17),         # per image
    "macs": (1e5, 1e17),
    "latency": (1e-3, 1e7),       # ms
    "fps": (1e-3, 1e6),
    "memory": (1e-3, 1e8),        # MB
}

# A relative claim ("79x fewer parameters than SegNet") uses unit "x": reference / this model
# for params, flops, macs, latency and memory; this model / reference for fps.
RELATIVE_UNIT = "x"
RELATIVE_RANGE = (1e-3, 1e4)

PRECISIONS = ("fp32", "fp16", "bf16", "int8", "mixed")

# Metrics whose values are percentages and must lie in [0, 100].
PERCENT_METRICS = frozenset(METRICS)
