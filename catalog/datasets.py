"""Registry of benchmark datasets that results may reference by key.

A key is one benchmark: COCO-Stuff-10k and -164k, or Pascal-Context with 59 and 60 classes, are
different benchmarks with different keys. A key whose `variants` is set (`coco-stuff`,
`pascal-context`) holds numbers whose source does not say which variant it means: they are
never ranked with either variant, and `catalog conflicts` relates them to both as possible.

Facts the comparison engine (`catalog.compare`) uses, each with its reason:
- `usual_split`: where papers evaluate this benchmark when they do not say (ADE20K: val). A
  number whose split is not stated is shown in that ranking, marked as assumed; never written
  into the data.
- `test_labels`: "withheld" (a test number can only come from the official server) or "public"
  (a test number is scored locally). Derived, never assumed.
- `eval_at_crop`: the benchmark is evaluated at the training crop size (whole images resized to
  the crop's short side), so a row's evaluation size is its crop when no test size is stated.
- `standard_training`: extra data that is this benchmark's usual training set, not extra data
  (VOC 2012 and the SBD augmentation).
"""

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
    # The benchmarks this key may mean when its source does not say which (see the module doc).
    variants: tuple[str, ...] = ()
    variant_of: str | None = None          # the "variant not stated" key this one refines
    usual_split: str | None = None
    usual_split_reason: str | None = None
    test_labels: str | None = None          # "withheld" | "public"; None: not recorded
    eval_at_crop: bool = False
    standard_training: frozenset[str] = frozenset()

    @property
    def family(self) -> str:
        """The key shared by a benchmark and its variants ('coco-stuff' for -10k and -164k)."""
        return self.variant_of or self.key


_VAL = "val"
_ADE_VAL = ("ADE20K's 2,000 validation images are its public evaluation set: the test set's labels were "
            "never released and papers score ADE20K on val")

DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in [
        Dataset("voc2012", "PASCAL VOC 2012", 21, ("train", "val", "test"),
                "20 object classes plus background; 1,464 train / 1,449 val / 1,456 test images, "
                "usually trained on the 10,582-image SBD-augmented set.",
                "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/",
                (512, 512), "mmsegmentation's VOC configs crop and evaluate 512x512 (configs/_base_/datasets/pascal_voc12.py, crop_size=(512, 512))",
                test_labels="withheld", standard_training=frozenset({"sbd"})),
        Dataset("cityscapes", "Cityscapes", 19, ("train", "val", "test"),
                "Urban street scenes from 50 cities at 2048x1024; 19 evaluation classes, "
                "2,975 train / 500 val / 1,525 test finely annotated images.",
                "https://www.cityscapes-dataset.com/",
                (1024, 2048), "the dataset's native image size, 2048x1024 (cityscapes-dataset.com); real-time papers time full-resolution inputs",
                test_labels="withheld"),
        Dataset("ade20k", "ADE20K (SceneParsing150)", 150, ("train", "val", "test"),
                "Scene parsing benchmark of MIT; 150 classes, 20,210 train / 2,000 val images.",
                "https://groups.csail.mit.edu/vision/datasets/ADE20K/",
                (512, 512), "the standard ADE20K crop (mmsegmentation configs/_base_/datasets/ade20k.py, crop_size=(512, 512)); SegFormer's and Swin's GFLOPs are at 512x512",
                usual_split=_VAL, usual_split_reason=_ADE_VAL, test_labels="withheld", eval_at_crop=True),
        Dataset("ade20k-full", "ADE20K-Full (847 classes)", 847, ("train", "val"),
                "ADE20K with all 847 classes that occur in at least one image (MaskFormer's setting); "
                "same images as ADE20K.",
                "https://groups.csail.mit.edu/vision/datasets/ADE20K/",
                (512, 512), "the standard ADE20K crop (mmsegmentation configs/_base_/datasets/ade20k.py, crop_size=(512, 512))",
                usual_split=_VAL, usual_split_reason=_ADE_VAL, eval_at_crop=True),
        Dataset("pascal-context", "PASCAL-Context (classes not stated)", 59, ("train", "val"),
                "Whole-scene labels for PASCAL VOC 2010, 4,998 train / 5,105 val images, where the "
                "source does not say whether 59 classes or 60 (with background) are scored.",
                "https://cs.stanford.edu/~roozbeh/pascal-context/",
                (480, 480), "mmsegmentation's Pascal-Context crop (configs/_base_/datasets/pascal_context.py, crop_size=(480, 480))",
                variants=("pascal-context-59", "pascal-context-60"), usual_split=_VAL,
                usual_split_reason="Pascal-Context has only a train and a val split", eval_at_crop=True),
        Dataset("pascal-context-59", "PASCAL-Context 59", 59, ("train", "val"),
                "Pascal-Context scored on its 59 most frequent classes (background ignored); "
                "4,998 train / 5,105 val images.",
                "https://cs.stanford.edu/~roozbeh/pascal-context/",
                (480, 480), "mmsegmentation's Pascal-Context-59 crop (configs/_base_/datasets/pascal_context_59.py, crop_size=(480, 480))",
                variant_of="pascal-context", usual_split=_VAL,
                usual_split_reason="Pascal-Context has only a train and a val split", eval_at_crop=True),
        Dataset("pascal-context-60", "PASCAL-Context 60", 60, ("train", "val"),
                "Pascal-Context scored on 59 classes plus background; 4,998 train / 5,105 val images.",
                "https://cs.stanford.edu/~roozbeh/pascal-context/",
                (480, 480), "mmsegmentation's Pascal-Context crop (configs/_base_/datasets/pascal_context.py, crop_size=(480, 480))",
                variant_of="pascal-context", usual_split=_VAL,
                usual_split_reason="Pascal-Context has only a train and a val split", eval_at_crop=True),
        Dataset("camvid", "CamVid", 11, ("train", "val", "test"),
                "Cambridge driving video frames at 960x720; 11 classes, "
                "367 train / 101 val / 233 test images.",
                "http://mi.eng.cam.ac.uk/research/projects/VideoRec/CamVid/",
                (720, 960), "the dataset's native frame size, 960x720", test_labels="public"),
        Dataset("coco-stuff", "COCO-Stuff (variant not stated)", 171, ("train", "val", "test"),
                "COCO images with 80 thing and 91 stuff classes, where the source does not say "
                "whether the 164k benchmark or the 10k subset is meant.",
                "https://github.com/nightrome/cocostuff",
                (512, 512), "mmsegmentation's COCO-Stuff crop (configs/_base_/datasets/coco-stuff164k.py, crop_size=(512, 512))",
                variants=("coco-stuff-164k", "coco-stuff-10k"), eval_at_crop=True),
        Dataset("coco-stuff-164k", "COCO-Stuff-164k", 171, ("train", "val", "test"),
                "All 164k COCO 2017 images with 171 thing and stuff classes: 118k train / 5k val.",
                "https://github.com/nightrome/cocostuff",
                (512, 512), "mmsegmentation's COCO-Stuff-164k crop (configs/_base_/datasets/coco-stuff164k.py, crop_size=(512, 512))",
                variant_of="coco-stuff", usual_split=_VAL,
                usual_split_reason="COCO-Stuff-164k is scored on the 5,000 val2017 images; its test "
                                   "labels are withheld", test_labels="withheld", eval_at_crop=True),
        Dataset("coco-stuff-10k", "COCO-Stuff-10k", 171, ("train", "test"),
                "The first COCO-Stuff release: 10,000 images, 9,000 train / 1,000 test, 171 classes scored.",
                "https://github.com/nightrome/cocostuff10k",
                (512, 512), "mmsegmentation's COCO-Stuff-10k crop (configs/_base_/datasets/coco-stuff10k.py, crop_size=(512, 512))",
                variant_of="coco-stuff", usual_split="test",
                usual_split_reason="COCO-Stuff-10k has only a train and a test split (test labels "
                                   "public)", test_labels="public", eval_at_crop=True),
        Dataset("coco", "MS COCO", 80, ("train", "val", "test"),
                "Common Objects in Context; instance and panoptic segmentation benchmark.",
                "https://cocodataset.org/"),
        Dataset("nyudv2", "NYU Depth v2", 40, ("train", "test"),
                "Indoor RGB-D scenes; 795 train / 654 test images, 40-class setting common.",
                "https://cs.nyu.edu/~silberman/datasets/nyu_depth_v2.html", test_labels="public"),
        Dataset("sift-flow", "SIFT Flow", 33, ("train", "test"),
                "2,688 outdoor images with 33 semantic classes.",
                "https://people.csail.mit.edu/celiu/SIFTflow/", test_labels="public"),
        Dataset("sun-rgbd", "SUN RGB-D", 37, ("train", "test"),
                "10,335 indoor RGB-D images with 37 classes.",
                "https://rgbd.cs.princeton.edu/", test_labels="public"),
        Dataset("mapillary", "Mapillary Vistas", 65, ("train", "val", "test"),
                "25,000 street-level images with 66 object categories (65 evaluated).",
                "https://www.mapillary.com/dataset/vistas", test_labels="withheld"),
        Dataset("kitti", "KITTI semantic", 19, ("train", "test"),
                "KITTI driving images with Cityscapes-style labels.",
                "https://www.cvlibs.net/datasets/kitti/eval_semseg.php", test_labels="withheld"),
        Dataset("lip", "Look Into Person (LIP)", 20, ("train", "val", "test"),
                "Human parsing benchmark with 19 part classes plus background.",
                "https://sysu-hcp.net/lip/"),
        Dataset("coco-voc-subset", "COCO val2017, VOC classes", 21, ("val",),
                "torchvision's evaluation set: COCO val2017 restricted to the 20 VOC categories.",
                "https://pytorch.org/vision/stable/models.html#semantic-segmentation",
                (520, 520), "torchvision's evaluation resize (520) for its segmentation weights"),
    ]
}


def family_of(key: str) -> str:
    """The benchmark family of a key: 'coco-stuff' for coco-stuff, -10k and -164k."""
    return DATASETS[key].family


def get(key: str) -> Dataset:
    return DATASETS[key]
