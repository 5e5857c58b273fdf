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


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in [
        Dataset("voc2012", "PASCAL VOC 2012", 21, ("train", "val", "test"),
                "20 object classes plus background; 1,464 train / 1,449 val / 1,456 test images, "
                "usually trained on the 10,582-image SBD-augmented set.",
                "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/"),
        Dataset("cityscapes", "Cityscapes", 19, ("train", "val", "test"),
                "Urban street scenes from 50 cities at 2048x1024; 19 evaluation classes, "
                "2,975 train / 500 val / 1,525 test finely annotated images.",
                "https://www.cityscapes-dataset.com/"),
        Dataset("ade20k", "ADE20K (SceneParsing150)", 150, ("train", "val", "test"),
                "Scene parsing benchmark of MIT; 150 classes, 20,210 train / 2,000 val images.",
                "https://groups.csail.mit.edu/vision/datasets/ADE20K/"),
        Dataset("pascal-context", "PASCAL-Context", 59, ("train", "val"),
                "Whole-scene labels for PASCAL VOC 2010; the common 59-class setting "
                "(60 with background), 4,998 train / 5,105 val images.",
                "https://cs.stanford.edu/~roozbeh/pascal-context/"),
        Dataset("camvid", "CamVid", 11, ("train", "val", "test"),
                "Cambridge driving video frames at 960x720; 11 classes, "
                "367 train / 101 val / 233 test images.",
                "http://mi.eng.cam.ac.uk/research/projects/VideoRec/CamVid/"),
        Dataset("coco-stuff", "COCO-Stuff", 171, ("train", "val", "test"),
                "COCO images with 80 thing and 91 stuff classes (164k; 10k subset also used).",
                "https://github.com/nightrome/cocostuff"),
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
                "https://pytorch.org/vision/stable/models.html#semantic-segmentation"),
    ]
}


def get(key: str) -> Dataset:
    return DATASETS[key]
