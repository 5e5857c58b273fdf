"""Registry of benchmark datasets that results may reference by key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    key: str
    name: str
    num_classes: int
    splits: tuple[str, ...]
    description: str
    url: str
    # The size at which the site compares compute (FLOPs, latency) across models, HxW, and why.
    canonical_size: tuple[int, int] | None = None
    canonical_size_source: str | None = None


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in [
        Dataset("voc2012", "PASCAL VOC 2012", 21, ("train", "val", "test"),
                "20 object classes plus background; 1,464 train / 1,449 val / 1,456 test images, "
                "usually trained on the 10,582-image SBD-augmented set.",
                "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/",
                (512, 512), "mmsegmentation's VOC configs crop and evaluate 512x512 (configs/_base_/datasets/pascal_voc12.py, crop_size=(512, 512))"),
        Dataset("cityscapes", "Cityscapes", 19, ("train", "val", "test"),
                "Urban street scenes from 50 cities at 2048x1024; 19 evaluation classes, "
                "2,975 train / 500 val / 1,525 test finely annotated images.",
                "https://www.cityscapes-dataset.com/",
                (1024, 2048), "the dataset's native image size, 2048x1024 (cityscapes-dataset.com); real-time papers time full-resolution inputs"),
        Dataset("ade20k", "ADE20K (SceneParsing150)", 150, ("train", "val", "test"),
                "Scene parsing benchmark of MIT; 150 classes, 20,210 train / 2,000 val images.",
                "https://groups.csail.mit.edu/vision/datasets/ADE20K/",
                (512, 512), "the standard ADE20K crop (mmsegmentation configs/_base_/datasets/ade20k.py, crop_size=(512, 512)); SegFormer's and Swin's GFLOPs are at 512x512"),
        Dataset("pascal-context", "PASCAL-Context", 59, ("train", "val"),
                "Whole-scene labels for PASCAL VOC 2010; the common 59-class setting "
                "(60 with background), 4,998 train / 5,105 val images.",
                "https://cs.stanford.edu/~roozbeh/pascal-context/",
                (480, 480), "mmsegmentation's Pascal-Context crop (configs/_base_/datasets/pascal_context.py, crop_size=(480, 480))"),
        Dataset("camvid", "CamVid", 11, ("train", "val", "test"),
                "Cambridge driving video frames at 960x720; 11 classes, "
                "367 train / 101 val / 233 test images.",
                "http://mi.eng.cam.ac.uk/research/projects/VideoRec/CamVid/",
                (720, 960), "the dataset's native frame size, 960x720"),
        Dataset("coco-stuff", "COCO-Stuff", 171, ("train", "val", "test"),
                "COCO images with 80 thing and 91 stuff classes (164k; 10k subset also used).",
                "https://github.com/nightrome/cocostuff",
                (512, 512), "mmsegmentation's COCO-Stuff crop (configs/_base_/datasets/coco-stuff164k.py, crop_size=(512, 512))"),
        Dataset("coco", "MS COCO", 80, ("train", "val", "test"),
                "Common Objects in Context; instance and panoptic segmentation benchmark.",
                "https://cocodataset.org/"),
        Dataset("nyudv2", "NYU Depth v2", 40, ("train", "test"),
                "Indoor RGB-D scenes; 795 train / 654 test images, 40-class setting common.",
                "https://cs.nyu.edu/~silberman/datasets/nyu_depth_v2.html"),
        Dataset("sift-flow", "SIFT Flow", 33, ("train", "test"),
                "2,688 outdoor images with 33 semantic classes.",
                "https://people.csail.mit.edu/celiu/SIFTflow/"),
        Dataset("sun-rgbd", "SUN RGB-D", 37, ("train", "test"),
                "10,335 indoor RGB-D images with 37 classes.",
                "https://rgbd.cs.princeton.edu/"),
        Dataset("mapillary", "Mapillary Vistas", 65, ("train", "val", "test"),
                "25,000 street-level images with 66 object categories (65 evaluated).",
                "https://www.mapillary.com/dataset/vistas"),
        Dataset("kitti", "KITTI semantic", 19, ("train", "test"),
                "KITTI driving images with Cityscapes-style labels.",
                "https://www.cvlibs.net/datasets/kitti/eval_semseg.php"),
        Dataset("lip", "Look Into Person (LIP)", 20, ("train", "val", "test"),
                "Human parsing benchmark with 19 part classes plus background.",
                "https://sysu-hcp.net/lip/"),
        Dataset("coco-voc-subset", "COCO val2017, VOC classes", 21, ("val",),
                "torchvision's evaluation set: COCO val2017 restricted to the 20 VOC categories.",
                "https://pytorch.org/vision/stable/models.html#semantic-segmentation",
                (520, 520), "torchvision's evaluation resize (520) for its segmentation weights"),
    ]
}


def get(key: str) -> Dataset:
    return DATASETS[key]
