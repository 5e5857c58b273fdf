"""Seeds 000 and 001 coverage: every number in their markdown score tables is in the catalog.

The tables are parsed from the seed files themselves (/work/shared/seeds/), not from a copy, so
a cell added to or changed in a seed shows up here. Each non-empty numeric cell must be in the
catalog as a result (accuracy cells) or an efficiency claim (params / latency / FLOPs cells) of
the model the row names, on the right dataset, citing that seed:

- seed 001 (Deep-Learning-Semantic-Segmentation): one table, columns VOC12 / VOC12 with COCO /
  Pascal Context / CamVid / Cityscapes / ADE20K; 'VOC12 with COCO' must carry extra_data coco,
  'VOC12' must not; '81.2(81.7)' is two numbers, both checked.
- seed 000 (Segmentation-Series-Chaos): two tables with para / infer time / FLOPs / accuracy
  columns; the accuracy cell is 'VOC2012/COCO/Cityscapes' plus named extras ('CamVid: 64.7');
  rows named '-JFT' must carry extra_data jft.

The catalog is data/papers.yaml (catalog.DEFAULT_CATALOG); set SEGATLAS_CATALOG to check another
file, e.g. SEGATLAS_CATALOG=data/fragments/b1.yaml before the fragments are merged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalog import DEFAULT_CATALOG, REPO_ROOT
from catalog.load import load_catalog
from catalog.schema import Catalog

SEEDS_DIR = Path(__file__).parents[2].parent / "shared" / "seeds"
SEED_000 = "000_120f5c55618baebb"
SEED_001 = "001_48835b735b05f6a6"

pytestmark = pytest.mark.skipif(
    not (SEEDS_DIR / f"{SEED_000}.txt").exists() or not (SEEDS_DIR / f"{SEED_001}.txt").exists(),
    reason=f"seed surveys 000/001 not found under {SEEDS_DIR}",
)

# Row name as printed in the seed -> catalog model id.
MODEL_OF_ROW_001 = {
    "FCN-8s": "fcn8s", "DeepLab": "deeplab-v1", "CRF-RNN": "crf-rnn",
    "DeconvNet": "deconvnet", "DPN": "dpn", "SegNet": "segnet", "Dilation8": "dilation8",
    "Deeplab v2": "deeplabv2", "FRRN B": "frrn-b", "G-FRNet": "g-frnet", "GCN": "gcn",
    "SegModel": "segmodel", "RefineNet": "refinenet", "PSPNet": "pspnet", "DIS": "dis",
    "SAC-multiple": "sac-multiple", "DeepLabv3": "deeplabv3", "DUC-HDC": "duc-hdc",
    "DDSC": "ddsc", "EncNet": "encnet", "DFN": "dfn", "DenseASPP": "denseaspp",
    "UperNet": "upernet", "PSANet": "psanet", "DeepLabv3+": "deeplabv3plus-xception",
    "ExFuse": "exfuse", "OCNet": "ocnet", "DAN": "danet", "DPC": "dpc", "CCNet": "ccnet",
    "GloRe": "glore", "TKCN": "tkcn", "GCU": "gcu", "DUpsampling": "dupsampling",
    "FastFCN": "fastfcn", "GFF": "gff", "HRNetV2": "hrnetv2",
}
MODEL_OF_ROW_000 = {
    "FCN-8s/2015": "fcn8s", "PSPNet／2017": "pspnet", "DeepLab V3-JFT／2017": "deeplabv3",
    "DeepLab V3/2017": "deeplabv3", "DeepLab V3+Xception/2018": "deeplabv3plus-xception",
    "DeepLab V3+Xception-JFT/2018": "deeplabv3plus-xception", "ESPNet/2018": "espnet",
    "FC-DRN-P-D + ST/2018": "fc-drn-p-d-st", "ERFNet/2018": "erfnet",
    "RefineNet/2017": "refinenet", "FastFCN/2019": "fastfcn",
    "Fast-SCNN/2019": "fast-scnn", "efficient": "shufflenetv2-atrous", "DFANet": "dfanet",
    "Auto-DeepLab": "auto-deeplab", "ESPnetV2": "espnetv2", "Improving": "vplr",
}

# Seed 001 column header -> (dataset key, needs extra_data coco).
COLUMNS_001 = {
    "VOC12": ("voc2012", False), "VOC12 with COCO": ("voc2012", True),
    "Pascal Context": ("pascal-context", None), "CamVid": ("camvid", None),
    "Cityscapes": ("cityscapes", None), "ADE20K": ("ade20k", None),
}
# Seed 000: slots of 'VOC2012 /COCO /Cityscapes', and the named extras of its accuracy cells.
SLOTS_000 = ("voc2012", "coco", "cityscapes")
NAMED_000 = {"camvid": "camvid", "pascal context": "pascal-context", "ade20k": "ade20k"}

NUMBER = re.compile(r"\d+(?:\.\d+)?")


# ------------------------------------------------------------------------------ table parsing
def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every pipe table in `text`: a list of rows (header first), each a list of stripped cells.

    The separator line (| --- | :-: |) is dropped; rows keep their own length, so a truncated
    row (seed 001's SegNet) simply has fewer cells.
    """
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if current:
                tables.append(current)
            current = []
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            continue
        current.append(cells)
    if current:
        tables.append(current)
    return tables


@dataclass(frozen=True)
class Cell:
    """One number a seed table states, and what the catalog must hold for it."""

    seed: str
    row: str
    column: str
    kind: str  # "result" or an efficiency quantity: params / latency / flops
    dataset: str | None
    value: float
    coco: bool | None = None  # for results: extra_data must (True) / must not (False) hold coco
    jft: bool | None = None
    bound: str = "="
    unit: str | None = None
    input_size: str | None = None

    def __str__(self) -> str:
        where = self.dataset or self.kind
        return f"{self.seed[:3]}:{self.row}:{self.column}:{where}={self.value:g}"


def cells_001(text: str) -> list[Cell]:
    table = markdown_tables(text)[0]
    header = table[0]
    out = []
    for row in table[1:]:
        name = row[0]
        for col, raw in zip(header[1:], row[1:]):
            if col not in COLUMNS_001:  # 'Published In'
                continue
            dataset, coco = COLUMNS_001[col]
            for number in NUMBER.findall(raw):
                out.append(Cell(SEED_001, name, col, "result", dataset, float(number), coco=coco))
    return out


def _accuracy_000(name: str, raw: str) -> list[Cell]:
    out = []
    jft = "JFT" in name
    # Named extras first ('CamVid:69.4', 'Pascal Context: 53.1, ADE20K: 44.34'), then the
    # 'VOC2012/COCO/Cityscapes' slots of what is left.
    for label, number in re.findall(r"([A-Za-z][A-Za-z0-9 ]*?)\s*:\s*(\d+(?:\.\d+)?)", raw):
        out.append(Cell(SEED_000, name, "accuracy", "result", NAMED_000[label.strip().lower()],
                        float(number), jft=jft))
    rest = re.sub(r"[A-Za-z][A-Za-z0-9 ]*?\s*:\s*\d+(?:\.\d+)?,?", "", raw).strip()
    if rest:
        for dataset, slot in zip(SLOTS_000, rest.split("/"), strict=True):
            if NUMBER.fullmatch(slot.strip()):
                out.append(Cell(SEED_000, name, "accuracy", "result", dataset, float(slot), jft=jft))
    return out


def _efficiency_000(name: str, kind: str, raw: str) -> list[Cell]:
    numbers = NUMBER.findall(raw)
    if not numbers:
        return []
    bound = "~" if ("~" in raw or "～" in raw) else "="
    if kind == "params":
        return [Cell(SEED_000, name, kind, kind, None, float(numbers[0]), bound=bound, unit="M")]
    if kind == "latency":
        return [Cell(SEED_000, name, kind, kind, None, float(numbers[0]), bound=bound, unit="ms")]
    # FLOPs: '3.05G 640 × 360 × 3' (width x height x channels), '3.4G (input 1024x 1024)'.
    width, height = numbers[1], numbers[2]
    return [Cell(SEED_000, name, kind, kind, None, float(numbers[0]), bound=bound, unit="G",
                 input_size=f"{height}x{width}")]


def cells_000(text: str) -> list[Cell]:
    out = []
    for table in markdown_tables(text):
        header = [h.lower() for h in table[0]]
        kinds = {}
        for i, h in enumerate(header):
            if h.startswith("para"):
                kinds[i] = "params"
            elif h.startswith("infer time"):
                kinds[i] = "latency"
            elif "flops" in h:
                kinds[i] = "flops"
            elif h.startswith("accuracy"):
                kinds[i] = "accuracy"
        for row in table[1:]:
            name = row[0]
            if not name:  # the empty trailing row of the CVPR2019 table
                continue
            for i, kind in kinds.items():
                raw = row[i] if i < len(row) else ""
                if kind == "accuracy":
                    out.extend(_accuracy_000(name, raw))
                else:
                    out.extend(_efficiency_000(name, kind, raw))
    return out


def _read(seed: str) -> str:
    return (SEEDS_DIR / f"{seed}.txt").read_text(encoding="utf-8")


def all_cells() -> list[Cell]:
    if not (SEEDS_DIR / f"{SEED_000}.txt").exists() or not (SEEDS_DIR / f"{SEED_001}.txt").exists():
        return []
    return cells_000(_read(SEED_000)) + cells_001(_read(SEED_001))


CELLS = all_cells()


# ------------------------------------------------------------------------------ catalog lookup
@pytest.fixture(scope="module")
def catalog() -> Catalog:
    path = Path(os.environ.get("SEGATLAS_CATALOG", DEFAULT_CATALOG))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.exists():
        pytest.skip(f"catalog {path} does not exist (set SEGATLAS_CATALOG to a fragment)")
    return load_catalog(path)


def model_of(cell: Cell) -> str:
    table = MODEL_OF_ROW_000 if cell.seed == SEED_000 else MODEL_OF_ROW_001
    assert cell.row in table, f"seed {cell.seed} row {cell.row!r} has no model id in the test's mapping"
    return table[cell.row]


def _cites(sources, seed: str) -> bool:
    return any(s.ref == seed for s in sources)


def _matches(cell: Cell, r) -> bool:
    if r.dataset != cell.dataset or r.value != cell.value or r.metric != "miou":
        return False
    extra = set(r.setting.extra_data or [])
    if cell.coco is not None and ("coco" in extra) != cell.coco:
        return False
    if cell.jft is not None and ("jft-300m" in (r.setting.pretraining or [])) != cell.jft:
        return False
    # The seed tables name no split: a row that only these seeds support keeps it unspecified
    # (unknown stays unknown), whatever the dataset.
    if all(s.ref in (SEED_000, SEED_001) for s in r.sources):
        return r.split == "unspecified"
    return True


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_cell_in_catalog(catalog: Catalog, cell: Cell) -> None:
    model = model_of(cell)
    results, efficiency = catalog.claims_for(model)
    if cell.kind == "result":
        found = [r for r in results if _matches(cell, r)]
        have = sorted((r.dataset, r.split, r.value, tuple(r.setting.extra_data or ())) for r in results)
        assert found, f"{cell}: no {cell.dataset} result {cell.value} for model {model}; catalog has {have}"
    else:
        found = [e for e in efficiency if e.quantity == cell.kind and e.value == cell.value
                 and e.unit == cell.unit and e.bound == cell.bound
                 and (cell.input_size is None or e.input_size == cell.input_size)]
        have = sorted((e.quantity, e.value, e.unit, e.bound, e.input_size) for e in efficiency)
        assert found, f"{cell}: no {cell.kind} claim {cell.value}{cell.unit} for {model}; catalog has {have}"
    assert any(_cites(x.sources, cell.seed) for x in found), f"{cell}: found but not citing seed {cell.seed}"


def test_every_row_is_mapped_to_a_declared_model(catalog: Catalog) -> None:
    declared = {m.id for p in catalog.papers for m in p.models}
    rows = {(c.seed, c.row) for c in CELLS}
    missing = sorted(f"{s[:3]}:{r} -> {model_of_row}" for s, r in rows
                     if (model_of_row := (MODEL_OF_ROW_000 if s == SEED_000 else MODEL_OF_ROW_001).get(r))
                     not in declared)
    assert not missing, f"rows whose model is not declared in the catalog: {missing}"


# ------------------------------------------------------------------------------ the parser itself
def test_parser_reads_the_seed_tables() -> None:
    """Counts of numeric cells, so a parser that silently reads nothing fails here."""
    c001 = cells_001(_read(SEED_001))
    c000 = cells_000(_read(SEED_000))
    assert len(c001) == 76
    assert len({c.row for c in c001}) == 37
    assert sum(c.kind == "result" for c in c000) == 28
    assert sorted((c.kind, c.value) for c in c000 if c.kind != "result") == [
        ("flops", 3.05), ("flops", 3.4), ("latency", 10.0), ("latency", 24.0), ("latency", 175.0),
        ("params", 0.364), ("params", 1.11), ("params", 2.1), ("params", 3.9), ("params", 6.0),
        ("params", 7.8), ("params", 44.42), ("params", 65.7), ("params", 134.0),
    ]


def test_parser_edge_cases() -> None:
    text = (
        "|network|VOC12|VOC12 with COCO|Pascal Context|CamVid|Cityscapes|ADE20K|Published In |\n"
        "|:-----:|:--------:|:---:|:---:|:---:|:---:|:---:|:---:|\n"
        "|SegNet |          |                    |                   |50.2       |\n"
        "|OCNet|            |                    |                   |           |81.2(81.7)     |45.08(45.45)|arxiv 1809.00916|\n"
    )
    cells = cells_001(text)
    assert [(c.row, c.dataset, c.value) for c in cells] == [
        ("SegNet", "camvid", 50.2), ("OCNet", "cityscapes", 81.2), ("OCNet", "cityscapes", 81.7),
        ("OCNet", "ade20k", 45.08), ("OCNet", "ade20k", 45.45),
    ]
    acc = _accuracy_000("DFANet", "-/-/71.3 CamVid: 64.7")
    assert sorted((c.dataset, c.value) for c in acc) == [("camvid", 64.7), ("cityscapes", 71.3)]
    acc = _accuracy_000("FastFCN/2019", "Pascal Context: 53.1, ADE20K: 44.34")
    assert sorted((c.dataset, c.value) for c in acc) == [("ade20k", 44.34), ("pascal-context", 53.1)]
    (flops,) = _efficiency_000("efficient", "flops", "3.05G 640 × 360 × 3")
    assert (flops.value, flops.unit, flops.input_size) == (3.05, "G", "360x640")
    (params,) = _efficiency_000("FCN-8s/2015", "params", "～134M")
    assert (params.value, params.bound) == (134.0, "~")
