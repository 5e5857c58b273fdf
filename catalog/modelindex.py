"""Model-index metafiles (OpenMMLab's model zoo format) -> a catalog import file.

`catalog import model-index PATH... --source mmsegmentation --commit SHA` reads metafiles
(`configs/*/metafile.yaml`, or a top-level `model-index.yml` whose `Import:` lists them) and
writes `data/imports/<source>.yaml` (see `catalog.imports`): one re-implementation model per
config, with

- its results, each with the settings the metafile or the config states: the training crop and
  schedule (`crop_size`, `max_iters` of the config, read through its `_base_` chain at that
  commit), the total batch (the metafile's `Batch Size`), single-scale (`mIoU`) or multi-scale
  with flip (`mIoU(ms+flip)`); flip of the single-scale number is stated only when the config's
  `test_pipeline` can be read (a `RandomFlip` in it or not), else left unknown;
- the checkpoint (`Weights`) with the hash prefix its file name carries;
- training memory (`Memory (GB)`) and inference-time claims (`inference time (ms/im)`: hardware,
  backend as engine, precision, batch, resolution), tied to the result by an experiment id.

Every number cites the metafile at the commit, with its line. Metafiles are untrusted input:
they are read with the catalog's own YAML loader (bounded, no tags, no aliases bombs) and a
schema, and every problem is reported as `PATH:LINE:COLUMN: location: message`.

Never written: a number on a paper's own model id (every imported model has `implementation:`),
a config the hand-curated catalog already holds (its rows are kept, the config is skipped), and
a paper's metadata when the catalog has the paper. The output is deterministic, so importing
the same commit again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from catalog.load import CatalogIssue, SourceMap, _read, parse_yaml, resolve_plain, validation_issues
from catalog.schema import _BAD_CHARS, Catalog, Paper

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
REPOS = {"mmsegmentation": "https://github.com/open-mmlab/mmsegmentation"}

# --------------------------------------------------------------------------- metafile schema

_Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+\-]{0,199}$")]
_REL_RE = re.compile(r"^[A-Za-z0-9_.+\-/]{1,300}$")


def _relative(v: str) -> str:
    if not _REL_RE.match(v) or v.startswith("/") or ".." in v.split("/"):
        raise ValueError(f"{v[:80]!r} is not a path inside the repository (letters, digits, _.+-/; "
                         "no '..', not absolute)")
    return v


_RelPath = Annotated[str, AfterValidator(_relative)]
_Url = Annotated[str, Field(pattern=r"^https?://[^\s<>\"']{1,500}$")]


class _MI(BaseModel):
    # The format has many fields this importer does not read; those are ignored, not refused.
    model_config = ConfigDict(extra="ignore", strict=True, allow_inf_nan=False, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, v):
        if isinstance(v, str) and _BAD_CHARS.search(v):
            raise ValueError("contains an invisible or control character")
        return v


class MIPaper(_MI):
    Title: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    URL: _Url | None = None


class MIInference(_MI):
    value: float = Field(gt=0, le=1e7)
    hardware: Annotated[str, Field(max_length=100)] | None = None
    backend: Annotated[str, Field(max_length=100)] | None = None
    batch_size: int | None = Field(None, alias="batch size", ge=1, le=100_000)
    mode: Annotated[str, Field(max_length=20)] | None = None
    resolution: Annotated[str, Field(max_length=30)] | list[int] | None = None

    @field_validator("resolution")
    @classmethod
    def _res(cls, v):
        if v is None:
            return v
        sizes = [int(x) for x in re.findall(r"\d+", v)] if isinstance(v, str) else v
        if isinstance(v, str) and not re.fullmatch(r"\(\d{1,6}, ?\d{1,6}\)", v):
            sizes = []
        if len(sizes) != 2 or not all(1 <= x <= 100_000 for x in sizes):
            raise ValueError("resolution is two sizes in pixels, '(512,1024)' or [512, 1024]")
        return sizes


class MIMetadata(_MI):
    training_data: Any = Field(None, alias="Training Data")
    batch_size: int | None = Field(None, alias="Batch Size", ge=1, le=100_000)
    architecture: list[Annotated[str, Field(max_length=100)]] = Field([], alias="Architecture")
    training_resources: Annotated[str, Field(max_length=200)] | None = Field(None, alias="Training Resources")
    memory_gb: float | None = Field(None, alias="Memory (GB)", gt=0, le=10_000)
    inference_time: list[MIInference] | None = Field(None, alias="inference time (ms/im)")
    # mmsegmentation 0.x metafiles (and this catalog's export) state these in the metadata.
    crop_size: Annotated[str, Field(pattern=r"^\(\d{1,5}, ?\d{1,5}\)$")] | None = Field(None, alias="crop size")
    lr_schd: int | None = Field(None, alias="lr schd", ge=1, le=10**8)
    training_memory_gb: float | None = Field(None, alias="Training Memory (GB)", gt=0, le=10_000)


class MIResult(_MI):
    Task: Annotated[str, Field(max_length=100)] | None = None
    Dataset: Annotated[str, Field(min_length=1, max_length=100)]
    Metrics: dict[Annotated[str, Field(max_length=60)], float]

    @field_validator("Metrics")
    @classmethod
    def _percent(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if k.lower().startswith(("miou", "mdice", "dice", "macc", "aacc")) and not 0 <= x <= 100:
                raise ValueError(f"{k} {x} is not a percentage (0-100)")
        return v


class MIModel(_MI):
    Name: _Name
    In_Collection: _Name | None = Field(None, alias="In Collection")
    Results: MIResult | list[MIResult]
    Config: _RelPath | None = None
    Metadata: MIMetadata = Field(default_factory=MIMetadata)
    Weights: _Url | None = None
    Paper: MIPaper | None = None

    @property
    def results(self) -> list[MIResult]:
        return self.Results if isinstance(self.Results, list) else [self.Results]


class MICollection(_MI):
    Name: _Name
    Paper: MIPaper | None = None


class Metafile(_MI):
    Collections: list[MICollection] = []
    Models: list[MIModel] = []


class ModelIndex(_MI):
    Import: list[_RelPath]


# --------------------------------------------------------------------------- reading


class ImportError_(Exception):
    """Metafiles that could not be read; `issues` lists every problem with its place."""

    def __init__(self, issues: list[CatalogIssue]):
        self.issues = issues
        super().__init__("\n".join(map(str, issues)))


@dataclass
class ReadMetafile:
    path: Path          # on disk
    rel: str            # inside the repository, e.g. configs/ann/metafile.yaml
    root: Path          # the repository's root on disk (configs are read from it)
    data: Metafile
    where: SourceMap
    raw: dict


def _load_yaml(path: Path, shown: str) -> tuple[Any, SourceMap]:
    text, issues = _read(path)
    if text is None:
        raise ImportError_([CatalogIssue(shown, i.line, i.location, i.message, i.column) for i in issues])
    data, where, issues = parse_yaml(text, shown)
    if issues:
        raise ImportError_(issues)
    return data, where


def _validate(model: type[BaseModel], data: Any, where: SourceMap, what: str):
    if not isinstance(data, dict):
        line, col = where.position(())
        raise ImportError_([CatalogIssue(where.file, line, "<root>", f"a {what} is a YAML mapping", col)])
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ImportError_(_issues(e, data, where)) from None


def _issues(exc: ValidationError, data: Any, where: SourceMap) -> list[CatalogIssue]:
    """Located issues; for `Results` (one mapping or a list of them) only the errors of the
    form the file uses, with the union's branch names left out of the path."""
    keep = []
    for err in exc.errors():
        loc = list(err["loc"])
        for n, part in enumerate(loc):
            if part in ("MIResult", "list[MIResult]"):
                node: Any = data
                for q in loc[:n]:
                    node = node[q] if isinstance(node, (dict, list)) and (
                        isinstance(node, dict) and q in node or isinstance(node, list) and isinstance(q, int)
                        and q < len(node)) else None
                wanted = "list[MIResult]" if isinstance(node, list) else "MIResult"
                if part != wanted:
                    break
                del loc[n]
                err = {**err, "loc": tuple(loc)}
                keep.append(err)
                break
        else:
            keep.append(err)
    return validation_issues(_Errors(keep), where)


class _Errors:
    """A stand-in for a ValidationError holding chosen errors (for `validation_issues`)."""

    def __init__(self, errors: list[dict]):
        self._errors = errors

    def errors(self) -> list[dict]:
        return self._errors

    def error_count(self) -> int:
        return len(self._errors)


def read_paths(paths: list[Path]) -> list[ReadMetafile]:
    """Every metafile named, directly or through a model-index file's `Import:` list.

    Raises `ImportError_` with every problem (file:line) found."""
    out: list[ReadMetafile] = []
    problems: list[CatalogIssue] = []
    for path in paths:
        try:
            data, where = _load_yaml(path, str(path))
            if isinstance(data, dict) and "Import" in data:
                index = _validate(ModelIndex, data, where, "model-index file")
                root = path.resolve().parent
                for k, rel in enumerate(index.Import):
                    target = (root / rel).resolve()
                    if root not in target.parents:
                        line, col = where.position(("Import", k))
                        problems.append(CatalogIssue(str(path), line, f"Import[{k}]",
                                                     f"{rel!r} leads outside the model index's folder", col))
                        continue
                    try:
                        out.append(_read_metafile(target, rel, root))
                    except ImportError_ as e:
                        problems += e.issues
            else:
                out.append(_read_metafile(path, None, None, data, where))
        except ImportError_ as e:
            problems += e.issues
    if problems:
        raise ImportError_(problems)
    return out


def _read_metafile(path: Path, rel: str | None, root: Path | None, data: Any = None,
                   where: SourceMap | None = None) -> ReadMetafile:
    if data is None or where is None:
        data, where = _load_yaml(path, str(path))
    meta = _validate(Metafile, data, where, "metafile")
    if root is None:
        root = _repository_root(path.resolve(), meta)
        rel = path.resolve().relative_to(root).as_posix()
    return ReadMetafile(path, str(rel), root, meta, where, data)


def _repository_root(path: Path, meta: Metafile) -> Path:
    """The folder the metafile's `Config` paths are relative to: the nearest one above it that
    holds its first config, else two folders up for `configs/<algo>/metafile.yaml`."""
    config = next((m.Config for m in meta.Models if m.Config), None)
    if config:
        for folder in path.parents:
            if (folder / config).is_file():
                return folder
    if path.parent.parent.name == "configs":
        return path.parents[2]
    return path.parent


# --------------------------------------------------------------------------- configs


_BASE_RE = re.compile(r"^_base_\s*=\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\")", re.M)
_STR_RE = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_CROP_RE = re.compile(r"^crop_size\s*=\s*\((\d+),\s*(\d+)\)", re.M)
_ITERS_RE = re.compile(r"max_iters\s*=\s*([^\s,)]+)")
_MAX_CONFIG_FILES = 20
_CKPT_RE = re.compile(r"^(?:checkpoint_file|checkpoint|pretrained)\s*=\s*'([^']+)'", re.M)


def _pretraining_word(name: str) -> str | None:
    """ImageNet pre-training as a config or checkpoint name states it ('in22k-pre',
    'convnext-base_3rdparty_in21k_...'); None when the name does not say."""
    if re.search(r"(?:^|[-_])in2[12]k(?:[-_.]|$)", name):
        return "imagenet-22k"
    if re.search(r"(?:^|[-_])in1k(?:[-_.]|$)", name):
        return "imagenet-1k"
    return None


@dataclass
class ConfigFacts:
    """What a config states (through its `_base_` chain), with the file that states it."""

    crop_size: tuple[str, str] | None = None     # ('512x1024', 'configs/...py')
    train_iters: tuple[int, str] | None = None
    test_flip: tuple[bool, str] | None = None    # a RandomFlip in the test pipeline
    pretraining: tuple[str, str] | None = None   # ('imagenet-22k', where it is stated)
    dataset: tuple[str, str] | None = None       # (the zoo's dataset name, its dataset config)
    files: list[str] = field(default_factory=list)


def _block(text: str, name: str) -> str | None:
    """The text of `name = [...]` (bracket-balanced), the last one in the file."""
    found = list(re.finditer(rf"^{name}\s*=\s*\[", text, re.M))
    if not found:
        return None
    m = found[-1]
    depth, i = 0, m.end() - 1
    while i < len(text):
        depth += {"[": 1, "]": -1}.get(text[i], 0)
        if depth == 0:
            return text[m.start():i + 1]
        i += 1
    return None


def _normalise(rel: str) -> str:
    """'configs/a/../_base_/x.py' -> 'configs/_base_/x.py' (never above the root)."""
    parts: list[str] = []
    for p in rel.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


def read_config(root: Path, rel: str) -> ConfigFacts:
    """Facts of one config through its `_base_` chain: the child first, then its bases, last
    base first (a child's assignment overrides its bases', a later base an earlier one's)."""
    facts = ConfigFacts()
    top = root.resolve()
    iters_seen: list[str] = []

    def visit(r: str) -> None:
        r = _normalise(r)
        if len(facts.files) >= _MAX_CONFIG_FILES or r in facts.files:
            return
        path = (top / r).resolve()
        if top not in path.parents or not path.is_file():
            return
        facts.files.append(r)
        if facts.dataset is None and "/_base_/datasets/" in f"/{r}":
            stem = re.sub(r"_\d+x\d+$", "", PurePosixPath(r).stem)
            if stem in DATASET_FILES:
                facts.dataset = (DATASET_FILES[stem], r)
        text, _ = _read(path)
        if text is None or len(text) > 200_000:
            return
        if facts.crop_size is None and (m := _CROP_RE.search(text)):
            facts.crop_size = (f"{m.group(1)}x{m.group(2)}", r)
        if not iters_seen and (m := _ITERS_RE.search(text)):
            iters_seen.append(r)  # an expression (max_iters=iters) hides the bases' numbers too
            if m.group(1).isdigit():
                facts.train_iters = (int(m.group(1)), r)
        if facts.test_flip is None and (b := _block(text, "test_pipeline")) is not None:
            facts.test_flip = ("RandomFlip" in b, r)
        if facts.pretraining is None and (m := _CKPT_RE.search(text)):
            word = _pretraining_word(PurePosixPath(m.group(1)).name)
            if word:
                facts.pretraining = (word, f"the backbone checkpoint named in {r}")
        m = _BASE_RE.search(text)
        if m:
            for s in reversed([a or b for a, b in _STR_RE.findall(m.group(1))]):
                visit(f"{PurePosixPath(r).parent}/{s}")

    visit(rel)
    return facts


# --------------------------------------------------------------------------- the zoo's words

@dataclass(frozen=True)
class DatasetWords:
    key: str
    split: str
    why: str
    extra_data: tuple[str, ...] | None = None
    server: str | None = None


# The metafile's dataset names, the catalog's benchmark keys, and where the split is stated.
DATASET_WORDS: dict[str, DatasetWords] = {
    "Cityscapes": DatasetWords("cityscapes", "val", "configs/_base_/datasets/cityscapes.py: val_dataloader "
                               "(= test_dataloader) reads leftImg8bit/val"),
    "ADE20K": DatasetWords("ade20k", "val", "configs/_base_/datasets/ade20k.py: val_dataloader reads "
                           "images/validation"),
    "Pascal VOC 2012 + Aug": DatasetWords("voc2012", "val", "configs/_base_/datasets/pascal_voc12_aug.py: "
                                          "val_dataloader reads ImageSets/Segmentation/val.txt; trained on "
                                          "the SBD augmentation ('+ Aug', aug.txt)", ("sbd",)),
    "Pascal Context": DatasetWords("pascal-context-60", "val", "configs/_base_/datasets/pascal_context.py: "
                                   "60 classes (59 plus background), val_dataloader reads "
                                   "ImageSets/SegmentationContext/val.txt"),
    "Pascal Context 59": DatasetWords("pascal-context-59", "val", "configs/_base_/datasets/"
                                      "pascal_context_59.py: val_dataloader reads "
                                      "ImageSets/SegmentationContext/val.txt"),
    "COCO-Stuff 164k": DatasetWords("coco-stuff-164k", "val", "configs/_base_/datasets/coco-stuff164k.py: "
                                    "val_dataloader reads images/val2017"),
    "COCO-Stuff 10k": DatasetWords("coco-stuff-10k", "test", "configs/_base_/datasets/coco-stuff10k.py: "
                                   "val_dataloader reads images/test2014", server="local"),
}
# The zoo's dataset configs (configs/_base_/datasets/<stem>[_HxW].py) and the benchmark each is.
DATASET_FILES = {"cityscapes": "Cityscapes", "ade20k": "ADE20K", "pascal_voc12_aug": "Pascal VOC 2012 + Aug",
                 "pascal_context": "Pascal Context", "pascal_context_59": "Pascal Context 59",
                 "coco-stuff164k": "COCO-Stuff 164k", "coco-stuff10k": "COCO-Stuff 10k"}
METRIC_WORDS = {"mIoU": (False, None), "mIoU(ms+flip)": (True, True)}  # -> (multi_scale, flip)

# Which catalog paper a zoo paper is, where its URL's arXiv id is not the catalog's.
PAPER_ALIASES = {"1908.07919": "hrnetv2"}
# Papers the zoo reproduces that the catalog lacks: (id, short name), by the arXiv id or URL
# the metafile gives. Title and year are read from the metafile (and the arXiv id).
NEW_PAPER_IDS: dict[str, tuple[str, str]] = {
    "1908.07678": ("ann", "ANN"), "He_Adaptive_Pyramid_Context": ("apcnet", "APCNet"),
    "He_Dynamic_Multi-Scale_Filters": ("dmnet", "DMNet"), "2006.06668": ("dnlnet", "DNLNet"),
    "1907.13426": ("emanet", "EMANet"), "1904.11492": ("gcnet", "GCNet"),
    "1907.12273": ("isanet", "ISANet"), "2106.14855": ("k-net", "K-Net"),
    "1711.07971": ("nonlocal-net", "Non-local"), "1912.08193": ("pointrend", "PointRend"),
    "2004.08955": ("resnest", "ResNeSt"), "2105.05633": ("segmenter", "Segmenter"),
    "1901.02446": ("panoptic-fpn", "Panoptic FPN"), "2104.13840": ("twins", "Twins"),
    "2010.11929": ("vit", "ViT"), "1801.04381": ("mobilenetv2", "MobileNetV2"),
    "2111.11418": ("poolformer", "PoolFormer"), "2111.06377": ("mae", "MAE"),
    "2302.12242": ("san", "SAN"),
}
# The paper's own model a zoo config re-trains, by the metafile's architecture words. Only where
# the catalog names the variant and the zoo's backbone is that variant.
REPRODUCES: dict[str, dict[str, str]] = {
    "segformer": {f"MIT-B{i}": f"segformer-b{i}" for i in range(6)},
    "segnext": {f"MSCAN-{v}": f"segnext-{v.lower()}" for v in "TSBL"},
    "swin": {f"Swin-{v}": f"upernet-swin-{v.lower()}" for v in "TSB"},
    "convnext": {f"ConvNeXt-{v}": f"upernet-convnext-{v.lower()}" for v in ("T", "S", "B", "L", "XL")},
    "beit": {"BEiT-B": "upernet-beit-b", "BEiT-L": "upernet-beit-l"},
    "mask2former": {"R-50-D32": "mask2former-r50", "R-101-D32": "mask2former-r101",
                    **{f"Swin-{v}": f"mask2former-swin-{v.lower()}" for v in "TSBL"}},
    "maskformer": {"R-50-D32": "maskformer-r50", "R-101-D32": "maskformer-r101",
                   "Swin-T": "maskformer-swin-t", "Swin-S": "maskformer-swin-s"},
    "stdc": {"STDC1": "stdc1", "STDC2": "stdc2"},
    "pidnet": {"PIDNet-S": "pidnet-s", "PIDNet-M": "pidnet-m", "PIDNet-L": "pidnet-l"},
    "ddrnet": {"DDRNet23-slim": "ddrnet-23-slim", "DDRNet23": "ddrnet-23"},
    "bisenet": {"R-18-D32": "bisenet-resnet18"},
    "bisenetv2": {"BiSeNetV2": "bisenetv2"},
    "setr": {"ViT-L/Naive": "setr-naive", "ViT-L/PUP": "setr-pup", "ViT-L/MLA": "setr-mla"},
    "ocrnet": {"HRNetV2p-W48": "ocrnet-hrnetv2-w48", "R-101-D8": "ocrnet-resnet101"},
    "deeplabv3plus": {"R-101-D8": "deeplabv3plus-resnet101", "R-101-D16-MG124": "deeplabv3plus-resnet101"},
    "deeplabv3": {"R-101-D8": "deeplabv3", "R-101-D16-MG124": "deeplabv3"},
    "fast-scnn": {"FastSCNN": "fast-scnn"}, "cgnet": {"M3N21": "cgnet"}, "erfnet": {"ERFNet": "erfnet"},
    "icnet": {"R-50-D8": "icnet"},
    # Keyed by backbone and head: the zoo trains these backbones under more than one head.
    "twins": {f"{bb}/UPerNet": f"upernet-twins-{own}" for bb, own in (
        ("Twins-PCPVT-S", "pcpvt-s"), ("Twins-PCPVT-B", "pcpvt-b"), ("Twins-PCPVT-L", "pcpvt-l"),
        ("SVT-S", "svt-s"), ("Twins-SVT-S", "svt-s"), ("Twins-SVT-B", "svt-b"), ("Twins-SVT-L", "svt-l"))},
    "segmenter": {f"ViT-{v}_16/Mask": f"segmenter-{v.lower()}-mask-16" for v in "TSBL"},
    # HRNetV2's segmentation head is mmseg's one-conv FCN head on the concatenated branches.
    "hrnetv2": {"HRNetV2p-W48/FCN": "hrnetv2-w48"},
    "k-net": {"R-50-D8/FCN": "knet-r50-fcn", "R-50-D8/PSPNet": "knet-r50-pspnet",
              "R-50-D8/DeepLabV3": "knet-r50-deeplabv3", "R-50-D8/UperNet": "knet-r50-upernet",
              "Swin-T/UperNet": "knet-swin-t-upernet", "Swin-L/UperNet": "knet-swin-l-upernet"},
}
# Architecture words that mark another training recipe than the config family's usual one.
_RECIPE_MARKS = ("(FP16)",)
_ITERS_NAME_RE = re.compile(r"[-_](\d+)k[-_]")
_HASH_RE = re.compile(r"-([0-9a-f]{8,64})\.pth$")
_ENGINES = {"pytorch": "pytorch", "tensorrt": "tensorrt", "onnxruntime": "onnxruntime"}
_PRECISIONS = {"fp32": "fp32", "fp16": "fp16", "int8": "int8", "bf16": "bf16"}


def reproduced_by(pid: str, arch: list[str], pretraining: str | None, own_models: set[str]) -> str | None:
    """The paper's own model a zoo config re-trains, by its metafile architecture (REPRODUCES),
    when the hand-curated catalog has that model; None otherwise (never guessed from a backbone)."""
    if not arch or any(x in arch for x in _RECIPE_MARKS) or any("(" in x for x in arch):
        return None
    table = REPRODUCES.get(pid, {})
    key = arch[0] if arch[0] in table else f"{arch[0]}/{arch[-1]}"
    target = table.get(key)
    if target and pretraining == "imagenet-22k" and f"{target}-in22k" in own_models:
        target = f"{target}-in22k"  # the catalog keeps the ImageNet-22k variant apart
    return target if target in own_models else None


_ARCH_NOTE_RE = re.compile(r"(?:^|; )architecture (.+?)(?=; |\.$)")


def arch_words(arch: list[str]) -> str:
    """How a model's note states its metafile architecture (read back by `arch_from_note`)."""
    return f"architecture {' / '.join(arch)}"


def arch_from_note(note: str | None) -> list[str]:
    """The architecture an imported model's note states (`arch_words`), [] when it states none."""
    m = _ARCH_NOTE_RE.search(note or "")
    return m.group(1).split(" / ") if m else []


def model_slug(config_name: str, source: str) -> str:
    """A catalog model id for a zoo config: its name in the catalog's alphabet, the library's
    short name appended; names over 64 characters keep their start and a hash of the whole."""
    suffix = {"mmsegmentation": "mmseg"}.get(source, source)
    base = re.sub(r"[^a-z0-9]+", "-", config_name.lower()).strip("-")
    slug = base if base.endswith(f"-{suffix}") else f"{base}-{suffix}"
    if len(slug) <= 64:
        return slug
    digest = hashlib.sha1(config_name.encode()).hexdigest()[:8]
    return f"{slug[:64 - 10 - len(suffix)].rstrip('-')}-{digest}-{suffix}"


def _arxiv_id(url: str | None) -> str | None:
    m = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url or "")
    return m.group(1) if m else None


# --------------------------------------------------------------------------- building


@dataclass
class Skipped:
    file: str
    line: int
    model: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.model}: {self.reason}"


@dataclass
class ImportPlan:
    source: str
    commit: str
    entries: list[dict]
    skipped: list[Skipped]

    @property
    def n_results(self) -> int:
        return sum(len(e.get("results", [])) for e in self.entries)

    @property
    def n_models(self) -> int:
        return sum(len(e.get("models", [])) for e in self.entries)

    @property
    def papers(self) -> list[str]:
        return [e["id"] for e in self.entries if e.get("models")]


class _Builder:
    def __init__(self, catalog: Catalog, source: str, commit: str):
        self.cat, self.source, self.commit = catalog, source, commit
        self.repo = REPOS.get(source)
        self.by_arxiv = {p.arxiv: p.id for p in catalog.papers if p.arxiv}
        self.by_title = {p.title.lower(): p.id for p in catalog.papers}
        self.own_models = {m.id for p in catalog.papers for m in p.models}
        # Hand-curated reproductions by this library: the numbers they hold, to skip their configs.
        self.curated: dict[tuple, str] = {}
        impl = {m.id: m.implementation for p in catalog.papers for m in p.models}
        for p in catalog.papers:
            for r in p.results:
                if impl.get(r.model) == source:
                    self.curated[(p.id, r.dataset, r.metric, r.value, r.setting.multi_scale)] = r.model
        self.entries: dict[str, dict] = {}
        self.new_papers: dict[str, dict] = {}
        self.skipped: list[Skipped] = []
        self.seen_ids: dict[str, str] = {}

    def url(self, rel: str) -> str:
        return f"{self.repo}/blob/{self.commit}/{rel}"

    def src(self, rel: str, where: str) -> dict:
        return {"ref": self.source, "url": self.url(rel), "where": where}

    # -- papers

    def paper_for(self, mf: ReadMetafile, m: MIModel, k: int) -> str | None:
        paper = m.Paper
        if paper is None:
            coll = next((c for c in mf.data.Collections if c.Name == m.In_Collection), None)
            paper = coll.Paper if coll else None
        if paper is None:
            return None
        aid = _arxiv_id(paper.URL)
        if aid and aid in PAPER_ALIASES:
            return PAPER_ALIASES[aid]
        if aid and aid in self.by_arxiv:
            return self.by_arxiv[aid]
        if paper.Title and paper.Title.lower() in self.by_title:
            return self.by_title[paper.Title.lower()]
        key = aid or next((x for x in NEW_PAPER_IDS if x in (paper.URL or "")), None)
        if key is None or key not in NEW_PAPER_IDS or not paper.Title:
            return None
        pid, short = NEW_PAPER_IDS[key]
        if pid not in self.new_papers:
            self.new_papers[pid] = self.new_paper(pid, short, paper, aid, mf, k)
        return pid

    def new_paper(self, pid: str, short: str, paper: MIPaper, aid: str | None, mf: ReadMetafile,
                  k: int) -> dict:
        line = mf.where.line(("Models", k, "Paper"))
        entry: dict[str, Any] = {"id": pid, "title": paper.Title, "short_name": short}
        if aid:
            yy = int(aid[:2])
            entry["year"] = 2000 + yy
            entry["arxiv"] = aid
        else:
            m = re.search(r"content_(CVPR|ICCV|ECCV)_(\d{4})", paper.URL or "")
            if not m:
                raise ValueError(f"no year for {pid}")
            entry["year"] = int(m.group(2))
            entry["venue"] = f"{m.group(1)} {m.group(2)}"
        entry["metadata_sources"] = [{**self.src(mf.rel, f"line {line}, Paper (Title, URL)"),
                                      "note": "Title as the zoo's metafile gives it; "
                                              + ("year from the arXiv id (month of the first version); "
                                                 "venue and authors not recorded" if aid else
                                                 "year and venue from the paper's CVF URL")}]
        if paper.URL:
            entry["links"] = [{"label": "paper", "url": paper.URL}]
        return entry

    # -- models

    def add(self, mf: ReadMetafile, m: MIModel, k: int) -> None:
        line = mf.where.line(("Models", k))
        pid = self.paper_for(mf, m, k)
        if pid is None:
            self.skipped.append(Skipped(mf.rel, line, m.Name, "the metafile names no paper the catalog "
                                        "has or this importer knows"))
            return
        facts = read_config(mf.root, m.Config) if m.Config else ConfigFacts()
        usable = []
        for j, r in enumerate(m.results):
            if r.Dataset in DATASET_WORDS:
                usable.append((j, r, r.Dataset, ""))
            elif r.Dataset.startswith("#") and facts.dataset:
                # A garbled Dataset field (a README heading, '# HRNet backbone'): the config's
                # dataset file says which benchmark the model was trained and tested on.
                usable.append((j, r, facts.dataset[0], f"; dataset from {facts.dataset[1]} (the metafile's "
                                                       f"Dataset field reads {r.Dataset!r})"))
        if not usable:
            self.skipped.append(Skipped(mf.rel, line, m.Name, "dataset(s) not in the catalog's registry: "
                                        + ", ".join(sorted({r.Dataset for r in m.results}))))
            return
        for _j, r, name, _ in usable:
            dw = DATASET_WORDS[name]
            for metric, value in r.Metrics.items():
                if metric in METRIC_WORDS:
                    hit = self.curated.get((pid, dw.key, "miou", value, METRIC_WORDS[metric][0]))
                    if hit:
                        self.skipped.append(Skipped(mf.rel, line, m.Name, f"already in the catalog as "
                                                    f"hand-curated model '{hit}' (kept)"))
                        return
        mid = model_slug(m.Name, self.source)
        if mid in self.seen_ids:
            first = self.seen_ids[mid]
            why = ("the zoo lists this config twice (the first entry is imported)" if first == m.Name
                   else f"its model id '{mid}' is also that of config {first}")
            self.skipped.append(Skipped(mf.rel, line, m.Name, why))
            return
        if mid in self.own_models:
            self.skipped.append(Skipped(mf.rel, line, m.Name, f"model id '{mid}' is a catalog model's"))
            return
        self.seen_ids[mid] = m.Name
        arch = m.Metadata.architecture
        model: dict[str, Any] = {"id": mid, "name": f"{m.Name} ({self.source})"}
        if arch:
            model["backbone"] = arch[0]
        model["implementation"] = self.source
        target = self.reproduces(pid, arch, _pretraining_word(m.Name) or (
            facts.pretraining[0] if facts.pretraining else None))
        if target:
            model["reproduces"] = target
        if m.Weights:
            ckpt: dict[str, Any] = {"url": m.Weights}
            h = _HASH_RE.search(m.Weights)
            if h:
                ckpt["sha256"] = h.group(1)
            ckpt["sources"] = [self.src(mf.rel, f"line {mf.where.line(('Models', k, 'Weights'))}, "
                                                f"model {m.Name}, Weights")]
            model["weights"] = [ckpt]
        words = [f"Config {self.url(m.Config)}" if m.Config else "No config named",
                 arch_words(arch) if arch else None,
                 f"trained on {m.Metadata.training_resources}" if m.Metadata.training_resources else None]
        if any(x in arch for x in _RECIPE_MARKS):
            words.append("trained in mixed precision (FP16), a recipe of its own")
        model["note"] = "; ".join(w for w in words if w) + "."
        entry = self.entry(pid)
        entry["models"].append(model)

        meta = m.Metadata
        pre = _pretraining_word(m.Name)
        pre_words = "pre-training from the config name" if pre else None
        if pre is None and facts.pretraining:
            pre, pre_words = facts.pretraining[0], f"pre-training from {facts.pretraining[1]}"
        crop = facts.crop_size[0] if facts.crop_size else None
        iters = facts.train_iters[0] if facts.train_iters else None
        how = []
        if facts.crop_size:
            how.append(f"crop_size from {facts.crop_size[1]}")
        elif meta.crop_size:
            h, w = re.findall(r"\d+", meta.crop_size)
            crop = f"{h}x{w}"
            how.append("crop size from the metafile")
        if facts.train_iters:
            how.append(f"max_iters from {facts.train_iters[1]}")
        elif meta.lr_schd:
            iters = meta.lr_schd
            how.append("schedule from the metafile's lr schd")
        elif (mi := _ITERS_NAME_RE.search(m.Name)):
            iters = int(mi.group(1)) * 1000
            how.append("schedule from the config name")
        if pre_words:
            how.append(pre_words)
        # tables print a name readers can read (the config name is one long word): the method,
        # the backbone, the schedule and crop, and who trained it
        label = " ".join(x for x in (m.In_Collection or pid, arch[0] if arch else None) if x)
        recipe = ", ".join(x for x in (f"{iters // 1000}k" if isinstance(iters, int) and iters >= 1000 else None,
                                       crop) if x)
        who = {"mmsegmentation": "mmseg"}.get(self.source, self.source)
        model["short_name"] = (f"{label} ({who}{', ' + recipe if recipe else ''})")[:64]
        memory = meta.memory_gb or meta.training_memory_gb
        memory_key = "Memory (GB)" if meta.memory_gb else "Training Memory (GB)"
        for j, r, name, ds_words in usable:
            dw = DATASET_WORDS[name]
            rpath = ("Models", k, "Results", j) if isinstance(m.Results, list) else ("Models", k, "Results")
            exp = mid if len(usable) == 1 else None
            for metric, value in r.Metrics.items():
                if metric not in METRIC_WORDS:
                    continue
                ms, flip = METRIC_WORDS[metric]
                s: dict[str, Any] = {}
                if pre:
                    s["pretraining"] = [pre]
                if dw.extra_data is not None:
                    s["extra_data"] = list(dw.extra_data)
                if crop:
                    s["crop_size"] = crop
                s["multi_scale"] = ms
                flip_words = ""
                if flip is None and facts.test_flip is not None:
                    flip = facts.test_flip[0]
                    flip_words = f"; flip from test_pipeline in {facts.test_flip[1]}"
                if flip is not None:
                    s["flip"] = flip
                if iters:
                    s["train_iters"] = iters
                if m.Metadata.batch_size:
                    s["train_batch"] = m.Metadata.batch_size
                res: dict[str, Any] = {"model": mid, "dataset": dw.key, "split": dw.split}
                if dw.server:
                    res["server"] = dw.server
                res.update({"metric": "miou", "value": value, "setting": s})
                if exp:
                    res["experiment"] = exp
                line_m = mf.where.line((*rpath, "Metrics", metric))
                res["sources"] = [self.src(mf.rel, f"line {line_m}, model {m.Name}, Results "
                                                   f"{r.Dataset}, {metric}")]
                res["note"] = (f"Re-trained by {self.source} (secondary). Split: {dw.why}{ds_words}"
                               + (f"; {', '.join(how)}" if how else "") + flip_words
                               + ("; multi-scale with flip per the metric's name" if ms else "") + ".")
                entry["results"].append(res)
        ds_key = DATASET_WORDS[usable[0][2]].key if len(usable) == 1 else None
        if memory:
            eff: dict[str, Any] = {"model": mid, "quantity": "memory", "value": memory,
                                   "unit": "GB"}
            if ds_key:
                eff["dataset"] = ds_key
            if m.Metadata.training_resources:
                eff["hardware"] = m.Metadata.training_resources
            eff["during"] = "training"
            if len(usable) == 1:
                eff["experiment"] = mid
            eff["sources"] = [self.src(mf.rel, f"line {mf.where.line(('Models', k, 'Metadata', memory_key))}, "
                                               f"model {m.Name}, Metadata {memory_key}")]
            eff["note"] = f"Training memory as the zoo's metafile gives it ('{memory_key}')."
            entry["efficiency"].append(eff)
        for t, inf in enumerate(m.Metadata.inference_time or []):
            e2: dict[str, Any] = {"model": mid, "quantity": "latency", "value": inf.value, "unit": "ms"}
            if ds_key:
                e2["dataset"] = ds_key
            if inf.resolution:
                e2["input_size"] = f"{inf.resolution[0]}x{inf.resolution[1]}"
            if inf.hardware:
                e2["hardware"] = inf.hardware
            if inf.mode and inf.mode.lower() in _PRECISIONS:
                e2["precision"] = _PRECISIONS[inf.mode.lower()]
            if inf.batch_size:
                e2["batch_size"] = inf.batch_size
            if inf.backend and inf.backend.lower() in _ENGINES:
                e2["engine"] = _ENGINES[inf.backend.lower()]
            if inf.backend:
                e2["framework"] = inf.backend
            e2["during"] = "inference"
            e2["sources"] = [self.src(mf.rel, f"line {mf.where.line(('Models', k, 'Metadata', 'inference time (ms/im)', t))}, "
                                              f"model {m.Name}, inference time (ms/im)")]
            entry["efficiency"].append(e2)

    def reproduces(self, pid: str, arch: list[str], pretraining: str | None) -> str | None:
        return reproduced_by(pid, arch, pretraining, self.own_models)

    def entry(self, pid: str) -> dict:
        if pid not in self.entries:
            base = self.new_papers.get(pid) if pid not in {p.id for p in self.cat.papers} else None
            self.entries[pid] = {**(base or {"id": pid}), "models": [], "results": [], "efficiency": []}
        return self.entries[pid]


def _canon_results(m: MIModel) -> str:
    return repr(sorted((r.Dataset, sorted(r.Metrics.items())) for r in m.results)) + repr(m.Weights)


def _check_options(source: str, commit: str) -> None:
    if not SHA_RE.match(commit):
        raise ValueError(f"--commit must be a full 40-hex commit id, not {commit[:60]!r}")
    if source not in REPOS:
        raise ValueError(f"unknown source {source[:60]!r}; known: {', '.join(REPOS)}")


def build_import(metafiles: list[ReadMetafile], catalog: Catalog, source: str, commit: str) -> ImportPlan:
    """The import file's entries for these metafiles, against the hand-curated catalog."""
    _check_options(source, commit)
    b = _Builder(catalog, source, commit)
    listed: dict[str, list[tuple[ReadMetafile, int, MIModel]]] = {}
    for mf in sorted(metafiles, key=lambda x: x.rel):
        for k, m in enumerate(mf.data.Models):
            listed.setdefault(m.Name, []).append((mf, k, m))
    for mf in sorted(metafiles, key=lambda x: x.rel):
        for k, m in enumerate(mf.data.Models):
            same_name = listed[m.Name]
            if len({_canon_results(x[2]) for x in same_name}) > 1:
                lines = ", ".join(f"{x[0].rel}:{x[0].where.line(('Models', x[1]))}" for x in same_name)
                b.skipped.append(Skipped(mf.rel, mf.where.line(("Models", k)), m.Name,
                                         f"the zoo gives this config different numbers in {len(same_name)} "
                                         f"entries ({lines}): which config made which is not stated"))
                continue
            b.add(mf, m, k)
    entries = []
    for pid in sorted(b.entries):
        e = b.entries[pid]
        for kind in ("models", "results", "efficiency"):
            if not e[kind]:
                del e[kind]
        entries.append(e)
    return ImportPlan(source, commit, entries, b.skipped)


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    pass


def _flow_dict(dumper: yaml.SafeDumper, data: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


def _str(dumper: yaml.SafeDumper, data: str):
    # PyYAML quotes by YAML 1.1's rules; the catalog reads YAML 1.2, where '955e6350' is a number.
    try:
        plain_is_text = resolve_plain(data) == data if data else False
    except Exception:
        plain_is_text = False
    style = None if plain_is_text else "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(dict, _flow_dict)
_Dumper.add_representer(str, _str)


def render(plan: ImportPlan) -> str:
    """The import file's text: a header, then one entry per paper; each model, result and claim
    one flow mapping per line (as in data/papers.yaml). Deterministic."""
    head = [f"# Generated by `catalog import model-index --source {plan.source} --commit {plan.commit}`.",
            "# Do not edit: re-run the import. Loaded with data/papers.yaml (see catalog/imports.py).",
            f"# {plan.n_models} re-implementation models, {plan.n_results} results, from "
            f"{REPOS[plan.source]}/tree/{plan.commit}", ""]
    out = []
    for e in plan.entries:
        top = {k: v for k, v in e.items() if k not in ("models", "results", "efficiency")}
        first = True
        for key, v in top.items():
            text = yaml.dump({key: v}, Dumper=_Dumper, default_flow_style=True, width=100_000,
                             allow_unicode=True, sort_keys=False).strip()[1:-1]
            out.append(("- " if first else "  ") + text)
            first = False
        for kind in ("models", "results", "efficiency"):
            if kind not in e:
                continue
            out.append(f"  {kind}:")
            for item in e[kind]:
                text = yaml.dump(item, Dumper=_Dumper, default_flow_style=True, width=100_000,
                                 allow_unicode=True, sort_keys=False).strip()
                out.append(f"  - {text}")
    return "\n".join(head + out) + "\n"


def import_path(catalog_path: Path, source: str) -> Path:
    return catalog_path.parent / "imports" / f"{source}.yaml"


def run_import(paths: list[Path], source: str, commit: str, catalog_path: Path) -> tuple[ImportPlan, str]:
    """Read the metafiles and build the import file's text against the hand-curated catalog
    (data/papers.yaml without its imports). Raises `ImportError_` or `ValueError`."""
    from catalog.load import collect_issues

    _check_options(source, commit)
    cat, _, issues = collect_issues(catalog_path, imports=False)
    if cat is None or issues:
        raise ImportError_(issues)
    plan = build_import(read_paths(paths), cat, source, commit)
    return plan, render(plan)


def check_text(text: str, catalog_path: Path, source: str) -> list[CatalogIssue]:
    """Validate an import file's text merged with the catalog, without writing it anywhere
    the catalog reads: the issues it would raise."""
    import shutil
    import tempfile

    from catalog.load import collect_issues

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        shutil.copyfile(catalog_path, t / catalog_path.name)
        (t / "imports").mkdir()
        for other in sorted((catalog_path.parent / "imports").glob("*.yaml")):
            if other.name != f"{source}.yaml":
                shutil.copyfile(other, t / "imports" / other.name)
        (t / "imports" / f"{source}.yaml").write_text(text, encoding="utf-8")
        _, _, issues = collect_issues(t / catalog_path.name)
    return issues


def new_paper_entry(entry: dict) -> Paper:
    return Paper.model_validate({k: v for k, v in entry.items() if k not in ("models", "results", "efficiency")})


__all__ = ["ImportPlan", "ImportError_", "Skipped", "build_import", "read_paths", "render", "run_import",
           "check_text", "model_slug", "import_path", "DATASET_WORDS", "REPRODUCES", "reproduced_by",
           "arch_words", "arch_from_note"]
