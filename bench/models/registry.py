"""The model zoo's registry: bench keys -> how to build a reference model and what it reproduces.

Each family module (`bench/models/<family>.py`) registers its builders with `@register(...)`.
A builder takes `num_classes` and returns an `nn.Module` whose forward, in eval mode, maps a
(N, 3, H, W) float tensor to (N, num_classes, H, W) logits (auxiliary heads off).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

import torch.nn as nn

Builder = Callable[..., nn.Module]


@dataclass(frozen=True)
class ModelSpec:
    key: str                      # bench key, equal to the catalog model id it reproduces
    paper: str                    # catalog paper id
    build: Builder = field(repr=False)
    num_classes: int              # of the claim it reproduces
    input_size: tuple[int, int]   # (H, W) of the claim it reproduces
    official_code: str            # URL of the implementation followed
    family: str = ""              # module name, e.g. "fcn"
    notes: str = ""               # deviations from the paper / official code
    catalog_model: str | None = None  # catalog model id when it differs from `key`

    @property
    def model_id(self) -> str:
        return self.catalog_model or self.key


class UnknownModel(KeyError):
    def __init__(self, key: str, choices: list[str]):
        self.key = key
        self.close = difflib.get_close_matches(key, choices, n=5, cutoff=0.5)
        hint = f"; did you mean: {', '.join(self.close)}?" if self.close else ""
        super().__init__(f"unknown model '{key}'{hint} (`bench list` shows all)")

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]


_REGISTRY: dict[str, ModelSpec] = {}
_loaded = False


def register(key: str, *, paper: str, num_classes: int, input_size: tuple[int, int],
             official_code: str, notes: str = "", catalog_model: str | None = None
             ) -> Callable[[Builder], Builder]:
    """Decorator: register `builder(num_classes=...) -> nn.Module` under `key`."""

    def deco(builder: Builder) -> Builder:
        if key in _REGISTRY:
            raise ValueError(f"model key '{key}' registered twice")
        family = builder.__module__.rsplit(".", 1)[-1]
        _REGISTRY[key] = ModelSpec(key=key, paper=paper, build=builder, num_classes=num_classes,
                                   input_size=tuple(input_size), official_code=official_code,
                                   family=family, notes=notes or (builder.__doc__ or "").strip(),
                                   catalog_model=catalog_model)
        return builder

    return deco


def _load_families() -> None:
    """Import every family module once (importing one family must not hide the others)."""
    global _loaded
    if _loaded:
        return
    import bench.models as pkg

    _loaded = True
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in {"registry"} and not info.name.startswith("_"):
            importlib.import_module(f"bench.models.{info.name}")


def all_specs() -> dict[str, ModelSpec]:
    _load_families()
    return dict(sorted(_REGISTRY.items()))


def get_spec(key: str) -> ModelSpec:
    specs = all_specs()
    if key not in specs:
        raise UnknownModel(key, list(specs))
    return specs[key]


def build(key: str, num_classes: int | None = None) -> nn.Module:
    """Build the model for `key` in eval mode, weights randomly initialised."""
    spec = get_spec(key)
    model = spec.build(num_classes=num_classes or spec.num_classes)
    return model.eval()
