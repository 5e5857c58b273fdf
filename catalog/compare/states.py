"""The fair view: three settings a reviewer checks before comparing two scores, each with a
"not stated" state, and what a board's default view admits.

Every state is computed from what the sources state; nothing is filled in. A score that some
other source reports with extra training data counts as using it (PSPNet's 85.4 on VOC).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.datasets import DATASETS
from catalog.schema import Setting
from catalog.vocab import PRETRAINING_CLASS, PRETRAINING_CLASSES

EXTRA_STATES = {"none": "no extra training data (stated)", "unknown": "extra data not stated",
                "extra": "uses extra training data"}
TTA_STATES = {"single": "single-scale, no flip (stated)", "unknown": "test-time augmentation not stated",
              "tta": "multi-scale or flip testing"}
PRETRAINING_STATES = dict(PRETRAINING_CLASSES)
# Short labels for filters and tables (the long words above explain them).
SHORT = {"extra": {"none": "none (stated)", "unknown": "not stated", "extra": "uses extra data"},
         "tta": {"single": "single-scale (stated)", "unknown": "not stated", "tta": "multi-scale or flip"},
         "pretraining": {"scratch": "none (scratch)", "imagenet-1k": "ImageNet-1k", "imagenet-22k": "ImageNet-22k",
                         "large": "large or private corpora", "unknown": "not stated"}}
# Broadest first: a score pre-trained on ImageNet-22k then JFT is a JFT score.
_PRE_ORDER = ("large", "imagenet-22k", "imagenet-1k", "scratch")


def extra_beyond(dataset: str, extra: list[str] | None) -> list[str] | None:
    """The extra training data stated beyond the dataset's usual training set (VOC: SBD)."""
    if extra is None:
        return None
    standard = DATASETS[dataset].standard_training
    return [x for x in extra if x not in standard]


def extra_state(s: Setting, dataset: str) -> str:
    extra = extra_beyond(dataset, s.extra_data)
    if extra is None:
        return "unknown"
    return "extra" if extra else "none"


def tta_state(s: Setting) -> str:
    if s.multi_scale or s.flip:
        return "tta"
    if s.multi_scale is False and s.flip is False:
        return "single"
    return "unknown"


def pretraining_state(s: Setting) -> str:
    if s.pretraining is None:
        return "unknown"
    classes = {PRETRAINING_CLASS[x] for x in s.pretraining}
    return next((c for c in _PRE_ORDER if c in classes), "unknown")


def combine(states: Iterable[str], order: tuple[str, ...]) -> str:
    """The state of several transcriptions of one experiment: the first of `order` any of them
    has (a stated use wins over a statement of none, which wins over silence)."""
    found = set(states)
    return next((s for s in order if s in found), order[-1])


@dataclass(frozen=True)
class View:
    """Which states a view admits. The default view is a comparison a reviewer would accept:
    no extra training data, no test-time augmentation, no pre-training beyond ImageNet, the
    papers' own models; where a source is silent the row is admitted and marked."""

    extra: frozenset[str]
    tta: frozenset[str]
    pretraining: frozenset[str]
    reimplementations: bool
    assumed_split: bool

    def admits(self, extra: str, tta: str, pretraining: str, reimpl: bool, assumed: bool) -> bool:
        return (extra in self.extra and tta in self.tta and pretraining in self.pretraining
                and (self.reimplementations or not reimpl) and (self.assumed_split or not assumed))

    def words(self) -> str:
        """What the view admits, in words, for every board's header."""
        def names(states, table):
            return ", ".join(table[s] for s in table if s in states)
        return (f"Extra training data: {names(self.extra, EXTRA_STATES)}. "
                f"Test-time augmentation: {names(self.tta, TTA_STATES)}. "
                f"Backbone pre-training: {names(self.pretraining, PRETRAINING_STATES)}. "
                + ("Re-implementations included. " if self.reimplementations
                   else "The papers' own models only (re-implementations hidden). ")
                + ("Numbers whose split is not stated are shown in the dataset's usual split, marked."
                   if self.assumed_split else "Numbers whose split is not stated are left out."))


DEFAULT_VIEW = View(extra=frozenset({"none", "unknown"}), tta=frozenset({"single", "unknown"}),
                    pretraining=frozenset({"scratch", "imagenet-1k", "imagenet-22k", "unknown"}),
                    reimplementations=False, assumed_split=True)
ALL_VIEW = View(extra=frozenset(EXTRA_STATES), tta=frozenset(TTA_STATES),
                pretraining=frozenset(PRETRAINING_STATES), reimplementations=True, assumed_split=True)
