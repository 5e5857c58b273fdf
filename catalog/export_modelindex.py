"""`catalog export --format model-index`: the catalog in OpenMMLab's model-index format.

One collection per paper (its title and arXiv page), one model per catalog model, its accuracy
claims as `Results` (one per benchmark and split), with the settings the format can carry in
`Metadata` (mmsegmentation's keys: `crop size`, `lr schd`, `Batch Size`, `Memory (GB)`,
`inference time (ms/im)`), its checkpoint as `Weights` and, for a zoo re-implementation, its
`Config`. Metric names follow the zoo: `mIoU` single-scale, `mIoU(ms+flip)` multi-scale with
flip; a score whose test-time augmentation is not stated is written as `mIoU(tta not stated)`,
which a zoo reader does not mistake for a single-scale number.

Benchmarks carry the zoo's dataset names where the importer knows them (`catalog.modelindex.
DATASET_WORDS`), else the registry's name; a split other than the zoo's usual one is written
into the name ("Cityscapes (test)"), so reading the export back never moves a number to
another split. `catalog import model-index` reads the export back (tested round trip).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import yaml

from catalog.datasets import DATASETS
from catalog.modelindex import DATASET_WORDS, _Dumper
from catalog.schema import Catalog, Efficiency, ModelVariant, Paper, Result

_ZOO_NAME = {(w.key, w.split): name for name, w in DATASET_WORDS.items()}
_CONFIG_RE = re.compile(r"Config https://github\.com/[^/\s]+/[^/\s]+/blob/[0-9a-f]{40}/(\S+?\.py)")


def dataset_name(r: Result) -> str:
    zoo = _ZOO_NAME.get((r.dataset, r.split))
    if zoo:
        return zoo
    name = next((n for (k, _), n in _ZOO_NAME.items() if k == r.dataset), DATASETS[r.dataset].name)
    return f"{name} ({r.split})"


def metric_name(r: Result) -> str:
    names = {"miou": "mIoU", "pixel-acc": "aAcc", "mean-acc": "mAcc", "fwiou": "fwIoU", "dice": "mDice"}
    base = names.get(r.metric, r.metric)
    s = r.setting
    if s.multi_scale is False:
        return base
    if s.multi_scale and s.flip:
        return f"{base}(ms+flip)"
    if s.multi_scale:
        return f"{base}(ms)"
    return f"{base}(tta not stated)"


def _paper_block(p: Paper) -> dict:
    out: dict[str, Any] = {"Title": p.title}
    if p.arxiv:
        out["URL"] = f"https://arxiv.org/abs/{p.arxiv}"
    return out


def _model(p: Paper, m: ModelVariant, results: list[Result], eff: list[Efficiency]) -> dict | None:
    groups: dict[tuple, dict[str, float]] = defaultdict(dict)
    meta_keys: dict[tuple, tuple] = {}
    for r in results:
        s = r.setting
        key = (dataset_name(r), s.crop_size, s.train_iters, s.train_batch)
        groups[key].setdefault(metric_name(r), r.value)
        meta_keys[key] = key
    if not groups:
        return None
    # model-index gives one Metadata per model: settings that differ between results split it.
    settings = {k[1:] for k in groups}
    out_models = []
    for n, (crop, iters, batch) in enumerate(sorted(settings, key=str)):
        name = m.id if len(settings) == 1 else f"{m.id}-{n + 1}"
        entry: dict[str, Any] = {"Name": name, "In Collection": p.id}
        res = [{"Task": "Semantic Segmentation", "Dataset": k[0], "Metrics": dict(sorted(v.items()))}
               for k, v in sorted(groups.items(), key=lambda kv: str(kv[0])) if k[1:] == (crop, iters, batch)]
        entry["Results"] = res[0] if len(res) == 1 else res
        if m.note and (c := _CONFIG_RE.search(m.note)):
            entry["Config"] = c.group(1)
        meta: dict[str, Any] = {}
        if m.backbone:
            meta["Architecture"] = [m.backbone]
        if batch:
            meta["Batch Size"] = batch
        if crop:
            h, w = crop.split("x")
            meta["crop size"] = f"({h},{w})"
        if iters:
            meta["lr schd"] = iters
        memory = [e for e in eff if e.quantity == "memory" and e.during == "training"]
        if memory:
            meta["Memory (GB)"] = round(memory[0].base_value() / 1024, 6)
        times = [e for e in eff if e.quantity == "latency" and e.relative_to is None]
        if times:
            meta["inference time (ms/im)"] = [_time(e) for e in times]
        if meta:
            entry["Metadata"] = meta
        if m.weights:
            entry["Weights"] = m.weights[0].url
        entry["Paper"] = _paper_block(p)
        out_models.append(entry)
    return out_models  # type: ignore[return-value]


def _time(e: Efficiency) -> dict:
    t: dict[str, Any] = {"value": e.base_value()}
    if e.hardware:
        t["hardware"] = e.hardware
    if e.framework or e.engine:
        t["backend"] = e.framework or e.engine
    if e.batch_size:
        t["batch size"] = e.batch_size
    if e.precision:
        t["mode"] = e.precision.upper() if e.precision != "mixed" else "mixed"
    if e.input_size:
        h, w = e.input_size.split("x")
        t["resolution"] = f"({h},{w})"
    return t


def to_model_index(cat: Catalog, implementation: str | None = None) -> str:
    """The catalog (or only one library's re-implementations) as one model-index YAML
    document: `Collections` and `Models`."""
    collections, models = [], []
    for p in cat.papers:
        mine = []
        for m in p.models:
            if implementation is not None and m.implementation != implementation:
                continue
            res = [r for r in p.results if r.model == m.id]
            eff = [e for e in p.efficiency if e.model == m.id]
            got = _model(p, m, res, eff)
            if got:
                mine += got
        if mine:
            collections.append({"Name": p.id, "Paper": _paper_block(p)})
            models += mine
    doc = {"Collections": collections, "Models": models}
    return yaml.dump(doc, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=120)


class _BlockDumper(_Dumper):
    pass


_BlockDumper.add_representer(dict, yaml.SafeDumper.represent_dict)
