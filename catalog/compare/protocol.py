"""Where a number was scored: split and, for a test split, the server.

A test number on a benchmark whose test labels are withheld can only come from the official
server, and one on a benchmark with public test labels is scored locally: that is derived
from the dataset registry, not assumed. A number whose split is not stated goes to the
dataset's usual split (`Dataset.usual_split`, with its reason) marked as assumed, or, where
the registry states no usual split, to a ranking of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.datasets import DATASETS

ORDER = ("val", "test-official", "test-local", "test", "unspecified", "train")
WORDS = {"val": "validation set", "test-official": "test set, official server",
         "test-local": "local test set", "test": "test set (server not stated)",
         "unspecified": "split not stated", "train": "training set"}


@dataclass(frozen=True)
class Placement:
    """The ranking a number belongs to and how it was decided."""

    protocol: str                  # a key of ORDER
    assumed: bool = False          # the split is the dataset's usual one, not stated
    derived: str | None = None     # why the server is known although the source does not say

    @property
    def words(self) -> str:
        return WORDS.get(self.protocol, self.protocol)


def place(dataset: str, split: str, server: str | None) -> Placement:
    ds = DATASETS[dataset]
    if split == "test":
        if server:
            return Placement(f"test-{server}")
        if ds.test_labels == "withheld":
            return Placement("test-official", derived=f"{ds.name}'s test labels are withheld: "
                                                      "a test number comes from its official server")
        if ds.test_labels == "public":
            return Placement("test-local", derived=f"{ds.name}'s test labels are public: a test "
                                                   "number is scored locally")
        return Placement("test")
    if split == "unspecified" and ds.usual_split:
        base = place(dataset, ds.usual_split, None)
        return Placement(base.protocol, assumed=True, derived=base.derived)
    return Placement(split)


def assumption_words(dataset: str) -> str | None:
    ds = DATASETS[dataset]
    if not ds.usual_split:
        return None
    return (f"split not stated; shown with the {WORDS.get(place(dataset, ds.usual_split, None).protocol)} "
            f"numbers because {ds.usual_split_reason}")
