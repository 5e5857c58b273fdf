"""Reference implementations, one module per family; see `registry.py`."""

from bench.models.registry import ModelSpec, UnknownModel, all_specs, build, get_spec, register

__all__ = ["ModelSpec", "UnknownModel", "all_specs", "build", "get_spec", "register"]
