"""The model zoo's registry: bench keys -> how to build a reference model and what it reproduces.

Each family module (`bench/models/<family>.py`) registers its builders with `@register(...)`.
A builder takes `num_classes` and returns an `nn.Module` whose forward, in eval mode, maps a
(N, 3, H, W) float tensor to (N, num_classes, H, W) logits (auxiliary heads off).

Knowing the zoo without importing it: importing every family costs seconds (torch,
torchvision, timm, transformers), and `bench list` or `bench run --help` need only the
metadata. `bench/models/index.json` holds every spec's metadata and the sha256 of each family
file it came from; `all_specs()` takes a family from the index while its file is unchanged and
imports the family (the slow, always-right path) when its file is new or changed. A spec from
the index builds lazily: the first `spec.build(...)` imports its family and calls the
registered builder. The index is regenerated with `python -m bench.models.registry index`;
a test checks that it equals the registry the families build.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch.nn as nn

Builder = Callable[..., "nn.Module"]
PACKAGE_DIR = Path(__file__).resolve().parent
INDEX_PATH = PACKAGE_DIR / "index.json"
INDEX_FORMAT = 1
_NOT_FAMILIES = {"registry"}


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


class LazyBuilder:
    """A builder known from the index: imports its family on the first call."""

    def __init__(self, key: str, family: str):
        self.key, self.family = key, family

    def __call__(self, *args: Any, **kwargs: Any) -> nn.Module:
        importlib.import_module(f"bench.models.{self.family}")
        return _REGISTRY[self.key].build(*args, **kwargs)

    def __repr__(self) -> str:
        return f"LazyBuilder({self.key!r}, family {self.family!r})"


def family_names() -> list[str]:
    import bench.models as pkg

    return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__)
                  if info.name not in _NOT_FAMILIES and not info.name.startswith("_"))


def family_sha256(family: str) -> str:
    return hashlib.sha256((PACKAGE_DIR / f"{family}.py").read_bytes()).hexdigest()


def _load_families(families: list[str] | None = None) -> None:
    """Import family modules (all by default) once; importing one must not hide the others."""
    global _loaded
    if families is None:
        if _loaded:
            return
        _loaded = True
        families = family_names()
    for name in families:
        importlib.import_module(f"bench.models.{name}")


def _spec_from_index(key: str, meta: dict) -> ModelSpec:
    return ModelSpec(key=key, paper=meta["paper"], build=LazyBuilder(key, meta["family"]),
                     num_classes=meta["num_classes"], input_size=tuple(meta["input_size"]),
                     official_code=meta["official_code"], family=meta["family"],
                     notes=meta["notes"], catalog_model=meta.get("catalog_model"))


def _read_index() -> dict | None:
    try:
        doc = json.loads(INDEX_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if doc.get("format") == INDEX_FORMAT else None


def all_specs() -> dict[str, ModelSpec]:
    """Every registered model: from the index for unchanged families, imported otherwise."""
    if _loaded:
        return dict(sorted(_REGISTRY.items()))
    index = _read_index()
    if index is None:
        _load_families()
        return dict(sorted(_REGISTRY.items()))
    fresh = {f for f, digest in index["families"].items()
             if (PACKAGE_DIR / f"{f}.py").is_file() and family_sha256(f) == digest}
    stale = [f for f in family_names() if f not in fresh]
    _load_families(stale)
    specs = {k: _spec_from_index(k, m) for k, m in index["models"].items() if m["family"] in fresh}
    specs.update({k: s for k, s in _REGISTRY.items() if s.family in stale or k not in specs})
    return dict(sorted(specs.items()))


def build_index() -> dict:
    """The index of the registry as the families build it (imports every family)."""
    _load_families()
    models = {}
    for key, s in sorted(_REGISTRY.items()):
        models[key] = {"paper": s.paper, "family": s.family, "num_classes": s.num_classes,
                       "input_size": list(s.input_size), "official_code": s.official_code,
                       "notes": s.notes, **({"catalog_model": s.catalog_model} if s.catalog_model else {})}
    families = sorted({m["family"] for m in models.values()} | set(family_names()))
    return {"format": INDEX_FORMAT,
            "about": "Generated by `python -m bench.models.registry index` from the family modules; "
                     "do not edit (bench/models/registry.py).",
            "families": {f: family_sha256(f) for f in families if (PACKAGE_DIR / f"{f}.py").is_file()},
            "models": models}


def index_text() -> str:
    return json.dumps(build_index(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


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


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.models.registry index [-o PATH]`: regenerate the registry index."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["index"]:
        print(main.__doc__, file=sys.stderr)
        return 2
    from catalog.export import write_atomic

    out = Path(args[args.index("-o") + 1]) if "-o" in args else INDEX_PATH
    write_atomic(out, index_text())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":  # run as the package's module, whose registry the families fill
    from bench.models import registry as _registry

    raise SystemExit(_registry.main())
