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
    "test": "Test split (usually a server / leaderboard evaluation)",
    "unspecified": "The source does not say which split",
}

EXTRA_DATA: dict[str, str] = {
    "coco": "Pre-trained on MS COCO before fine-tuning",
    "jft": "Pre-trained on Google's JFT-300M",
    "imagenet-22k": "Backbone pre-trained on ImageNet-22k",
    "coarse": "Cityscapes coarse annotations",
    "mapillary": "Pre-trained on Mapillary Vistas",
    "sbd": "Semantic Boundaries Dataset augmentation (VOC)",
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

PRECISIONS = ("fp32", "fp16", "bf16", "int8", "mixed")

# Metrics whose values are percentages and must lie in [0, 100].
PERCENT_METRICS = frozenset(METRICS)
