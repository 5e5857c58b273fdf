"""The catalog's shape: pydantic v2 models for papers, models, results and efficiency claims.

One paper is one entry of `data/papers.yaml`. Rules that need more than one field or more than
one entry (ids unique across papers, results naming a declared model) live in `checks.py`.
The JSON Schema in `schema/papers.schema.json` is generated from these models.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from catalog.datasets import DATASETS
from catalog.sources import SOURCES
from catalog.vocab import EXTRA_DATA, METRICS, PRECISIONS, SPLITS, TAGS, UNITS

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s<>\"']+$", max_length=500)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]

TagName = Literal[tuple(TAGS)]  # type: ignore[valid-type]
MetricName = Literal[tuple(METRICS)]  # type: ignore[valid-type]
SplitName = Literal[tuple(SPLITS)]  # type: ignore[valid-type]
DatasetKey = Literal[tuple(DATASETS)]  # type: ignore[valid-type]
SourceId = Literal[tuple(SOURCES)]  # type: ignore[valid-type]
ExtraData = Literal[tuple(EXTRA_DATA)]  # type: ignore[valid-type]
Quantity = Literal[tuple(UNITS)]  # type: ignore[valid-type]
Precision = Literal[PRECISIONS]  # type: ignore[valid-type]

ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")
INPUT_SIZE_RE = re.compile(r"^\d+x\d+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
    backbone: str | None = None
    weights: list[Checkpoint] = []
    note: str | None = None


class Setting(Strict):
    """The conditions a score was obtained under. Two scores only conflict when equal here."""

    extra_data: list[ExtraData] = []
    multi_scale: bool | None = None
    flip: bool | None = None
    crf: bool | None = None
    backbone: str | None = None
    input_size: str | None = Field(None, description="HxW, e.g. '512x1024'")

    @field_validator("input_size")
    @classmethod
    def _size(cls, v: str | None) -> str | None:
        if v is not None and not INPUT_SIZE_RE.match(v):
            raise ValueError(f"input size '{v}' is not HxW (e.g. '512x1024')")
        return v

    def key(self) -> tuple:
        return (tuple(sorted(self.extra_data)), self.multi_scale, self.flip, self.crf,
                self.backbone, self.input_size)


class Result(Strict):
    """An accuracy claim."""

    model: Slug
    dataset: DatasetKey
    split: SplitName
    metric: MetricName = "miou"
    value: float
    setting: Setting = Setting()
    sources: Sources
    note: str | None = None

    @field_validator("value")
    @classmethod
    def _percent(cls, v: float) -> float:
        if not 0 <= v <= 100:
            raise ValueError(f"{v} is not a percentage (0-100)")
        return v


class Efficiency(Strict):
    """A params / FLOPs / MACs / latency / FPS / memory claim, with its conditions."""

    model: Slug
    quantity: Quantity
    value: float = Field(gt=0)
    unit: str
    bound: Literal["=", "~", "<", "<=", ">", ">="] = "="
    input_size: str | None = Field(None, description="HxW the claim was measured at")
    hardware: str | None = None
    precision: Precision | None = None
    batch_size: int | None = Field(None, gt=0)
    framework: str | None = None
    sources: Sources
    note: str | None = None

    @field_validator("input_size")
    @classmethod
    def _size(cls, v: str | None) -> str | None:
        return Setting._size(v)

    @model_validator(mode="after")
    def _unit(self) -> Efficiency:
        allowed = UNITS[self.quantity]
        if self.unit not in allowed:
            raise ValueError(f"unit '{self.unit}' is not one of {sorted(allowed)} for {self.quantity}")
        return self

    def base_value(self) -> float:
        """The value in the quantity's base unit (count, ms, fps, MB)."""
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
    authors: list[str] = []
    year: int = Field(ge=1990, le=2100)
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
