"""The catalog's shape: pydantic v2 models for papers, models, results and efficiency claims.

One paper is one entry of `data/papers.yaml`. Rules that need more than one field or more than
one entry (ids unique across papers, results naming a declared model) live in `checks.py`.
The JSON Schema in `schema/papers.schema.json` is generated from these models.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    field_validator,
    model_validator,
)

from catalog.datasets import DATASETS
from catalog.sources import SOURCES, grade_of
from catalog.vocab import (
    ENGINES,
    EXTRA_DATA,
    IMPLEMENTATIONS,
    METRICS,
    PLAUSIBLE,
    PRECISIONS,
    PRETRAINING,
    RELATIVE_RANGE,
    RELATIVE_UNIT,
    SERVERS,
    SPLITS,
    TAGS,
    TRAIN_SPLITS,
    UNITS,
)

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s<>\"']+$", max_length=500)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]

# Paper ids become page names next to pages the site generates itself.
RESERVED_IDS = frozenset({"index", "search", "404", "assets", "all", "tags", "sitemap"})

# Characters that have no place in catalog text: C0/C1 controls (tab and newline allowed),
# bidi overrides and isolates (they reorder what a reader sees), zero-width characters and
# Unicode non-characters.
_BAD_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufdd0-\ufdef\ufffe\uffff]")


# Validation context flag: every string was checked for _BAD_CHARS before validation (the loader
# does it once per scalar, far cheaper than a Python validator call per field).
TEXT_CHECKED = "text_checked"


def bad_char_message(value: str) -> str | None:
    """Why `value` is not catalog text (None when it is)."""
    m = _BAD_CHARS.search(value)
    if m is None:
        return None
    return f"contains the invisible or control character U+{ord(m.group()):04X} at position {m.start()}"



TagName = Literal[tuple(TAGS)]  # type: ignore[valid-type]
Pretraining = Literal[tuple(PRETRAINING)]  # type: ignore[valid-type]
ServerName = Literal[tuple(SERVERS)]  # type: ignore[valid-type]
TrainSplit = Literal[tuple(TRAIN_SPLITS)]  # type: ignore[valid-type]
Implementation = Literal[tuple(IMPLEMENTATIONS)]  # type: ignore[valid-type]
MetricName = Literal[tuple(METRICS)]  # type: ignore[valid-type]
SplitName = Literal[tuple(SPLITS)]  # type: ignore[valid-type]
DatasetKey = Literal[tuple(DATASETS)]  # type: ignore[valid-type]
SourceId = Literal[tuple(SOURCES)]  # type: ignore[valid-type]
ExtraData = Literal[tuple(EXTRA_DATA)]  # type: ignore[valid-type]
Quantity = Literal[tuple(UNITS)]  # type: ignore[valid-type]
Precision = Literal[PRECISIONS]  # type: ignore[valid-type]
Engine = Literal[tuple(ENGINES)]  # type: ignore[valid-type]

_EXPERIMENT = ("An id, unique within the paper, shared by the scores and the cost claims that come from "
               "one experiment (one trained model evaluated at one resolution, e.g. a table row): a speed "
               "or FLOPs claim is paired with a score only through it. Absent = the source does not tie "
               "this number to another.")

ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")
INPUT_SIZE_RE = re.compile(r"^\d+x\d+$")


class Strict(BaseModel):
    # strict: a number must be a YAML number (no "42", no booleans), never NaN or infinite.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True,
                              allow_inf_nan=False)


def _text_problem(value: Any, where: str = "") -> str | None:
    """The first string inside `value` (a model, list or text) that is not catalog text."""
    if isinstance(value, str):
        msg = bad_char_message(value)
        return f"{where}: {msg}" if msg and where else msg
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            found = _text_problem(getattr(value, name), f"{where}.{name}" if where else name)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for i, x in enumerate(value):
            found = _text_problem(x, f"{where}[{i}]")
            if found:
                return found
    return None


class SourceRef(Strict):
    """Where a number (or a fact) comes from."""

    ref: SourceId
    where: str | None = Field(None, description="Table, figure or section, e.g. 'Table 3'")
    url: HttpUrl | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _needs(self) -> SourceRef:
        for field in SOURCES[self.ref].needs:
            if not getattr(self, field):
                raise ValueError(f"a reference to source '{self.ref}' needs '{field}'")
        return self


Sources = Annotated[list[SourceRef], Field(min_length=1)]


class Link(Strict):
    label: Text
    url: HttpUrl


class CodeLink(Strict):
    url: HttpUrl
    official: bool = False
    framework: str | None = Field(None, description="caffe, pytorch, tensorflow, keras, ...")
    sources: list[SourceRef] = []
    note: str | None = None


class Checkpoint(Strict):
    """Published weights for a model; `bench run --weights` checks a file against `sha256`."""

    url: HttpUrl
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{8,64}$",
                               description="Full digest or a prefix of at least 8 hex digits")
    sources: Sources


class ModelVariant(Strict):
    """A model the paper reports; `id` is unique across the whole catalog."""

    id: Slug
    name: Text
    short_name: str | None = Field(
        None, max_length=64, description="How tables name the model when `name` is not a name readers use "
                                         "(a survey's row label, a sentence): e.g. 'ShuffleNet V2 + atrous'")
    backbone: str | None = None
    unnamed_variant: bool = Field(
        False, description="The source names the method but not which variant (depth, width, backbone): "
                           "its numbers are not filed under a guessed variant, and the bench shows each "
                           "variant it builds beside them")
    implementation: Implementation | None = Field(
        None, description="Set for a re-implementation (torchvision, mmsegmentation, ...): its numbers are "
                          "its own, never the paper's model's. Absent = the paper's own model.")
    reproduces: Slug | None = Field(
        None, description="For a re-implementation: the catalog id of the paper's own model it reproduces "
                          "(same variant and backbone); absent = not tied to one")
    weights: list[Checkpoint] = []
    note: str | None = None


class Setting(Strict):
    """The conditions a score was obtained under. Every field: absent = the source does not say.

    Two scores only conflict when equal here; see `catalog.checks.find_conflicts`.
    """

    pretraining: list[Pretraining] | None = Field(
        None, description="Backbone pre-training stages, e.g. [imagenet-22k]; absent = not stated")
    extra_data: list[ExtraData] | None = Field(
        None, description="Extra training data beyond the dataset's training split: [] = the source says "
                          "none; absent = the source does not say")
    crop_size: str | None = Field(None, description="Training crop, HxW")
    input_size: str | None = Field(None, description="Test resolution, HxW, e.g. '512x1024'")
    multi_scale: bool | None = Field(None, description="Test-time multi-scale inputs")
    flip: bool | None = Field(None, description="Test-time horizontal flip")
    inference: Literal["whole", "slide"] | None = Field(
        None, description="Whole-image or sliding-window inference")
    output_stride: int | None = Field(None, ge=1, le=64)
    crf: bool | None = None
    backbone: str | None = None
    train_iters: int | None = Field(None, ge=1, le=10**8, description="Training schedule in iterations "
                                    "(mmseg's '160k' = 160000); absent = not stated")
    train_epochs: int | None = Field(None, ge=1, le=100_000, description="Training schedule in epochs")
    train_batch: int | None = Field(None, ge=1, le=100_000, description="Total training batch size "
                                    "(mmseg's '4x8' = 32 images); absent = not stated")

    @field_validator("input_size", "crop_size")
    @classmethod
    def _size(cls, v: str | None, info: ValidationInfo | None = None) -> str | None:
        if v is not None and not INPUT_SIZE_RE.match(v):
            what = "crop size" if info is not None and info.field_name == "crop_size" else "input size"
            raise ValueError(f"{what} '{v}' is not HxW (e.g. '512x1024')")
        return v

    @property
    def tta(self) -> bool | None:
        """Test-time augmentation: True if multi-scale or flip, None if either is unstated and
        neither is stated as used."""
        if self.multi_scale or self.flip:
            return True
        if self.multi_scale is None or self.flip is None:
            return None
        return False

    # The fields that decide whether two scores may be compared, in a fixed order.
    COMPARED: ClassVar[tuple[str, ...]] = (
        "pretraining", "extra_data", "crop_size", "input_size", "multi_scale", "flip",
        "inference", "output_stride", "crf", "backbone", "train_iters", "train_epochs", "train_batch")

    def key(self) -> tuple:
        def norm(v):
            return tuple(sorted(v)) if isinstance(v, list) else v
        return tuple(norm(getattr(self, f)) for f in self.COMPARED)


class Result(Strict):
    """An accuracy claim."""

    model: Slug
    dataset: DatasetKey
    split: SplitName = Field(description="Where it was evaluated; 'unspecified' when the source "
                                         "does not say (never assumed)")
    server: ServerName | None = Field(None, description="For split 'test': the official evaluation "
                                                        "server or a local test set; absent = not stated")
    train_split: TrainSplit | None = Field(None, description="What it was trained on; absent = not stated")
    metric: MetricName = "miou"
    value: float
    setting: Setting = Field(default_factory=Setting)
    experiment: Slug | None = Field(None, description=_EXPERIMENT)
    sources: Sources
    note: str | None = None

    @field_validator("value")
    @classmethod
    def _percent(cls, v: float) -> float:
        if not 0 <= v <= 100:
            raise ValueError(f"{v} is not a percentage (0-100)")
        return v

    @model_validator(mode="after")
    def _server(self) -> Result:
        if self.server is not None and self.split != "test":
            raise ValueError(f"'server' only applies to split 'test' (split is '{self.split}')")
        return self

    @property
    def grade(self) -> str:
        return grade_of(self.sources)

    @property
    def protocol(self) -> str:
        """Where the number was scored, in words: 'val', 'test (official server)', ..."""
        if self.split == "test" and self.server:
            return f"test ({'official server' if self.server == 'official' else 'local test set'})"
        return self.split


class Efficiency(Strict):
    """A params / FLOPs / MACs / latency / FPS / memory claim, with its conditions."""

    model: Slug
    quantity: Quantity
    value: float = Field(gt=0)
    unit: str
    bound: Literal["=", "~", "<", "<=", ">", ">="] = "="
    relative_to: Slug | None = Field(
        None, description="A relative claim: this many times fewer (params, FLOPs, MACs, latency, "
                          "memory) or more (fps) than the named catalog model; unit 'x'")
    includes_aux: bool | None = Field(
        None, description="Whether the count includes training-only auxiliary heads; absent = not stated")
    dataset: DatasetKey | None = Field(
        None, description="The dataset whose classifier the count is for (a FLOPs or params count "
                          "depends on the number of classes); absent = not stated")
    input_size: str | None = Field(None, description="HxW the claim was measured at")
    hardware: str | None = None
    precision: Precision | None = None
    batch_size: int | None = Field(None, gt=0)
    engine: Engine | None = Field(None, description="The engine a speed was measured with; absent = not stated")
    during: Literal["training", "inference"] | None = Field(
        None, description="For memory: measured while training or at inference; absent = not stated")
    framework: str | None = Field(None, description="The source's own words for the software stack")
    experiment: Slug | None = Field(None, description=_EXPERIMENT)
    sources: Sources
    note: str | None = None

    @field_validator("input_size")
    @classmethod
    def _size(cls, v: str | None) -> str | None:
        return Setting._size(v)

    @model_validator(mode="after")
    def _unit(self) -> Efficiency:
        if self.relative_to is not None or self.unit == RELATIVE_UNIT:
            if self.relative_to is None or self.unit != RELATIVE_UNIT:
                raise ValueError(f"a relative claim needs both 'relative_to' and unit '{RELATIVE_UNIT}'")
            if self.relative_to == self.model:
                raise ValueError("a relative claim compares two different models")
            lo, hi = RELATIVE_RANGE
            if not lo <= self.value <= hi:
                raise ValueError(f"{self.value}x is outside the plausible range {lo:g}x-{hi:g}x")
            return self
        allowed = UNITS[self.quantity]
        if self.unit not in allowed:
            raise ValueError(f"unit '{self.unit}' is not one of {sorted(allowed)} for {self.quantity}")
        lo, hi = PLAUSIBLE[self.quantity]
        if not lo <= self.base_value() <= hi:
            raise ValueError(f"{self.value:g} {self.unit} is not a plausible {self.quantity} value "
                             f"(expected {lo:g}-{hi:g} in base units)")
        return self

    @property
    def grade(self) -> str:
        return grade_of(self.sources)

    def base_value(self) -> float:
        """The value in the quantity's base unit (count, ms, fps, MB); a ratio for relative claims."""
        if self.relative_to is not None:
            return self.value
        return self.value * UNITS[self.quantity][self.unit]


class Erratum(Strict):
    """A source that states something wrong or garbled (a typo in a title, a wrong code link).

    Kept visible rather than silently fixed; `catalog conflicts` lists these.
    """

    field: Text = Field(description="What is wrong: title, code, year, ...")
    stated: Text = Field(description="What the source states")
    correct: str | None = Field(None, description="The correct fact, only when sourced")
    sources: Sources
    note: str | None = None


class Paper(Strict):
    id: Slug
    title: Text
    short_name: str | None = Field(None, max_length=40,
                                   description="How readers name the method (FCN, DeepLab v3+), for tables")
    authors: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
    year: int = Field(ge=1990, le=2100)
    month: int | None = Field(None, ge=1, le=12,
                              description="Month of the first public version, where a source gives it "
                                          "(the arXiv id gives it already)")
    metadata_sources: list[SourceRef] = Field(
        [], description="Where the title, authors, venue and month were read")
    venue: str | None = None
    arxiv: str | None = None
    links: list[Link] = []
    code: list[CodeLink] = []
    tags: list[TagName] = []
    summary: str | None = Field(None, max_length=2000, description="1-3 sentences, our own words")
    sources: list[SourceRef] = Field([], description="Where the paper itself is mentioned")
    models: list[ModelVariant] = []
    results: list[Result] = []
    efficiency: list[Efficiency] = []
    errata: list[Erratum] = []

    @field_validator("arxiv")
    @classmethod
    def _arxiv(cls, v: str | None) -> str | None:
        if v is not None and not ARXIV_RE.match(v):
            raise ValueError(f"'{v}' is not an arXiv id (e.g. '1411.4038')")
        return v

    @property
    def first_public(self) -> tuple[int, int | None]:
        """(year, month) of the first public version, for timelines: an arXiv id encodes it
        (YYMM.NNNNN); else the venue year and the stated month. `year` stays the venue's."""
        m = re.match(r"^(?:[a-z\-]+(?:\.[A-Z]{2})?/)?(\d{2})(\d{2})", self.arxiv or "")
        if m:
            yy, mm = int(m.group(1)), int(m.group(2))
            return (2000 + yy if yy < 90 else 1900 + yy), mm
        return self.year, self.month

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED_IDS:
            raise ValueError(f"'{v}' is reserved for a page the site generates; choose another id")
        return v

    @model_validator(mode="after")
    def _clean_text(self, info: ValidationInfo) -> Paper:
        # Once per paper, not per field: the loader checks every string of the document
        # itself (catalog.load, with its line), and says so with TEXT_CHECKED.
        if not (info.context and info.context.get(TEXT_CHECKED)):
            found = _text_problem(self)
            if found:
                raise ValueError(found)
        return self

    @model_validator(mode="after")
    def _authors_sourced(self) -> Paper:
        if self.authors and not (self.metadata_sources or self.sources):
            raise ValueError("authors need a source: add 'metadata_sources'")
        return self


class Catalog(RootModel[list[Paper]]):
    """The whole catalog: a list of papers."""

    @property
    def papers(self) -> list[Paper]:
        return self.root

    def paper(self, paper_id: str) -> Paper:
        for p in self.root:
            if p.id == paper_id:
                return p
        raise KeyError(paper_id)

    def model_owner(self, model_id: str) -> Paper:
        """The paper that declares `model_id`."""
        for p in self.root:
            if any(m.id == model_id for m in p.models):
                return p
        raise KeyError(model_id)

    def claims_for(self, model_id: str) -> tuple[list[Result], list[Efficiency]]:
        """All accuracy and efficiency claims about one model, across papers."""
        results = [r for p in self.root for r in p.results if r.model == model_id]
        eff = [e for p in self.root for e in p.efficiency if e.model == model_id]
        return results, eff
