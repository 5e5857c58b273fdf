"""Models the registry does not know, measured under the same protocol: the user's own module
(`bench run --module path/file.py:factory`) or a transformers segmentation config
(`bench run --hf-config config.json`), and claims from the user's own file (`--claims`).

Each becomes a `ModelSpec` like a registered model's, so the harness, the record and the
verdicts are exactly those of `bench run MODEL`; the record's `source` names the file and its
sha256, so a saved run (`--save`) says which code it measured.

`--module` imports and runs the file's code in this process: it is the user's code, with the
user's rights, as `python file.py` would be. A factory is called as `factory(num_classes=N)`
when it takes `num_classes`, else `factory()`; it must return an `nn.Module` whose forward maps
(N, 3, H, W) to (N, classes, H, W). The class count is `--num-classes`, else the factory's
`num_classes` default, else the channels of one forward pass at the input size.

`--hf-config` builds the model from the config with random weights (`from_config`, never
`from_pretrained`: nothing is downloaded): per-pixel models through
AutoModelForSemanticSegmentation, MaskFormer / Mask2Former / EoMT through
AutoModelForUniversalSegmentation, with the adapters of bench/models/_hf.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path

from bench.harness import UsageError
from bench.models.registry import ModelSpec

DEFAULT_INPUT = (512, 512)
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9+-]*$")
MAX_CONFIG_BYTES = 1024 * 1024
QUERY_MODELS = ("maskformer", "mask2former", "eomt", "eomt_dinov3")
UNSUPPORTED = {"oneformer": "OneFormer needs task inputs: use the registered oneformer-swin-l",
               "detr": "DETR is a detector, not a segmentation model",
               "videomt": "a video model: the bench measures images"}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9+]+", "-", text.lower()).strip("-")
    return s[:100] or "model"


def check_key(name: str, what: str = "--name") -> str:
    if not KEY_RE.match(name) or len(name) > 100:
        raise UsageError(f"{what} '{name[:60]}' is not an id (lowercase letters, digits, '-' and '+')")
    return name


class _OnceBuilder:
    """Calls `make(num_classes)`; the model built to learn the class count is handed out once
    instead of building it twice."""

    def __init__(self, make, first=None, first_classes: int | None = None):
        self.make, self.first, self.first_classes = make, first, first_classes

    def __call__(self, num_classes: int):  # the registry's builder signature
        if self.first is not None and num_classes == self.first_classes:
            model, self.first = self.first, None
            return model
        return self.make(num_classes)


def _classes_of(model, input_size: tuple[int, int]) -> int:
    import torch

    with torch.inference_mode():
        out = model.eval()(torch.randn(1, 3, *input_size))
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        raise UsageError("the model's forward must return (N, classes, H, W) logits; got "
                         f"{type(out).__name__}{tuple(out.shape) if hasattr(out, 'shape') else ''}")
    return int(out.shape[1])


def _check_module(obj, what: str):
    from torch import nn

    if not isinstance(obj, nn.Module):
        raise UsageError(f"{what} returned {type(obj).__name__}, not a torch.nn.Module")
    return obj.eval()


def module_spec(target: str, *, name: str | None, num_classes: int | None,
                input_size: tuple[int, int] | None) -> tuple[ModelSpec, dict]:
    """(spec, record source) for `path/file.py:factory`. Runs the file's code."""
    path_text, sep, factory_name = target.rpartition(":")
    if not sep or not path_text or not factory_name.isidentifier():
        raise UsageError(f"--module '{target[:100]}' is not path/file.py:factory")
    path = Path(path_text).expanduser()
    if path.suffix != ".py" or not path.is_file():
        raise UsageError(f"--module: {path} is not a Python file")
    digest = sha256_of(path)
    mod_name = f"segatlas_user_{digest[:16]}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[mod_name] = module
    sys.path.insert(0, str(path.resolve().parent))  # its sibling modules import as they would
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as e:  # noqa: BLE001 - the user's code: report, do not crash
        raise UsageError(f"--module: importing {path} raised {type(e).__name__}: {e}"[:500]) from None
    finally:
        sys.path.pop(0)
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise UsageError(f"--module: {path} has no function '{factory_name}'")
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    takes_classes = "num_classes" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    if num_classes is not None and not takes_classes:
        raise UsageError(f"--num-classes: {factory_name}() takes no num_classes argument")

    def make(n: int | None):
        try:
            return _check_module(factory(num_classes=n) if takes_classes and n is not None
                                 else factory(), f"{factory_name}()")
        except UsageError:
            raise
        except Exception as e:  # noqa: BLE001
            raise UsageError(f"--module: {factory_name}() raised {type(e).__name__}: {e}"[:500]) from None

    size = input_size or DEFAULT_INPUT
    default = params.get("num_classes")
    nc = num_classes
    if nc is None and default is not None and isinstance(default.default, int):
        nc = default.default
    first = None
    if nc is None:  # learn the class count from one forward pass, and keep that model
        import torch

        torch.manual_seed(0)
        first = make(None)
        nc = _classes_of(first, size)
    builder = _OnceBuilder(lambda n: make(n if takes_classes else None), first, nc)
    key = check_key(name or slug(factory_name if factory_name not in ("build", "model", "main")
                                 else path.stem))
    model_spec = ModelSpec(key=key, paper="unregistered", build=builder, num_classes=nc,
                           input_size=tuple(size), official_code=str(path), family="user",
                           notes=f"user module {path}:{factory_name} (sha256 {digest[:12]})")
    return model_spec, {"kind": "module", "path": str(path), "factory": factory_name,
                        "sha256": digest}


def hf_config_spec(path_text: str, *, name: str | None, num_classes: int | None,
                   input_size: tuple[int, int] | None) -> tuple[ModelSpec, dict]:
    """(spec, record source) for a transformers config JSON, built with random weights."""
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise UsageError(f"--hf-config: file not found: {path}")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise UsageError(f"--hf-config: {path} is larger than a config ({MAX_CONFIG_BYTES:,} bytes)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UsageError(f"--hf-config: {path} is not JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("model_type"), str):
        raise UsageError(f"--hf-config: {path} has no \"model_type\" (a transformers config.json)")
    model_type = doc["model_type"]
    if model_type in UNSUPPORTED:
        raise UsageError(f"--hf-config: model_type '{model_type}': {UNSUPPORTED[model_type]}")
    from transformers.models.auto import modeling_auto as auto

    queries = model_type in QUERY_MODELS
    table = (auto.MODEL_FOR_UNIVERSAL_SEGMENTATION_MAPPING_NAMES if queries
             else auto.MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES)
    if model_type not in table:
        known = sorted(set(auto.MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES) | set(QUERY_MODELS))
        raise UsageError(f"--hf-config: model_type '{model_type[:40]}' is not a transformers "
                         f"semantic segmentation model ({', '.join(known)})")
    from transformers import AutoConfig

    fields = {k: v for k, v in doc.items() if k not in ("model_type", "transformers_version",
                                                        "architectures", "_name_or_path")}
    try:
        base = AutoConfig.for_model(model_type, **fields)
    except Exception as e:  # noqa: BLE001
        raise UsageError(f"--hf-config: {path}: {type(e).__name__}: {e}"[:500]) from None
    nc = num_classes or base.num_labels

    def make(num_classes: int):
        from transformers import AutoModelForSemanticSegmentation, AutoModelForUniversalSegmentation

        from bench.models._hf import adapt

        cfg = AutoConfig.for_model(model_type, **{**fields, "num_labels": num_classes})
        cfg.id2label = {i: str(i) for i in range(num_classes)}
        cfg.label2id = {str(i): i for i in range(num_classes)}
        cls = AutoModelForUniversalSegmentation if queries else AutoModelForSemanticSegmentation
        model = adapt(cls.from_config(cfg), "queries" if queries else "pixel")
        if model_type.startswith("eomt"):  # learned position embeddings at the config's size
            model._bench_fixed_size = (cfg.image_size, cfg.image_size)
        return model

    size = input_size
    if size is None and model_type.startswith("eomt"):
        size = (base.image_size, base.image_size)
    key = check_key(name or slug(path.stem if path.stem != "config" else path.parent.name or model_type))
    spec = ModelSpec(key=key, paper="unregistered", build=make, num_classes=nc,
                     input_size=tuple(size or DEFAULT_INPUT), official_code=str(path),
                     family="user", notes=f"transformers {model_type} from {path}, random init")
    return spec, {"kind": "hf-config", "path": str(path), "sha256": sha256_of(path)}


def load_claims_file(path_text: str):
    """The --claims file, a catalog in the catalog's own format (data/papers.yaml's), checked
    by the catalog's loader: errors name the line; a file that does not load is a usage error."""
    from catalog.load import load_catalog

    path = Path(path_text).expanduser()
    if not path.is_file():
        raise UsageError(f"--claims: file not found: {path}")
    try:
        cat = load_catalog(path)
    except Exception as e:  # noqa: BLE001 - the loader's message names file, line and field
        raise UsageError(f"--claims: {str(e).strip()[:2000]}") from None
    return cat, {"claims": str(path), "claims_sha256": sha256_of(path)}


def claims_model(cat, name: str | None) -> str | None:
    """The catalog model a user's run is judged as: --name, else the claims file's only model."""
    if name:
        return name
    ids = [m.id for p in cat.papers for m in p.models]
    return ids[0] if len(ids) == 1 else None


def bind_claims(spec: ModelSpec, cat, name: str | None) -> ModelSpec:
    """`spec` judged as the claims file's model (see `claims_model`), with that model's paper."""
    from dataclasses import replace

    model_id = claims_model(cat, name) if cat is not None else None
    if model_id is None:
        return spec
    try:
        paper = cat.model_owner(model_id).id
    except KeyError:
        raise UsageError(f"--claims: no model '{model_id}' in the claims file (--name names it)") from None
    key = spec.key if name or spec.family != "user" else check_key(model_id)
    return replace(spec, key=key, paper=paper if spec.family == "user" else spec.paper,
                   catalog_model=None if model_id == key else model_id)
