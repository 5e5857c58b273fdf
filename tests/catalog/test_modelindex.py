"""The model-index importer on committed metafile excerpts: what it imports, idempotency, a
newer commit as a reviewable change set, hostile metafiles refused with file:line, the import
rules, and the model-index export read back by the importer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from catalog import DEFAULT_CATALOG
from catalog.cli import app
from catalog.load import collect_issues, load_catalog
from catalog.modelindex import model_slug, run_import

FIX = Path(__file__).parent / "fixtures" / "modelindex"
SHA = "b040e147adfa027bbc071b624bedf0ae84dfc922"
SHA2 = "0" * 39 + "1"
runner = CliRunner()


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A copy of the hand-curated catalog, without import files."""
    path = tmp_path / "data" / "papers.yaml"
    path.parent.mkdir()
    shutil.copyfile(DEFAULT_CATALOG, path)
    return path


@pytest.fixture
def zoo(tmp_path: Path) -> Path:
    root = tmp_path / "zoo"
    shutil.copytree(FIX, root)
    return root


def _import(catalog: Path, *paths: Path, commit: str = SHA, extra: tuple[str, ...] = ()):
    return runner.invoke(app, ["import", "model-index", *map(str, paths), "--source", "mmsegmentation",
                               "--commit", commit, "--catalog", str(catalog), *extra])


def _imported(catalog: Path) -> list[dict]:
    return yaml.safe_load((catalog.parent / "imports" / "mmsegmentation.yaml").read_text())


def test_imports_models_results_and_settings(catalog, zoo):
    r = _import(catalog, zoo / "model-index.yml")
    assert r.exit_code == 0, r.output
    entries = {e["id"]: e for e in _imported(catalog)}
    assert sorted(entries) == ["pidnet", "pspnet"]
    (m,) = entries["pidnet"]["models"]
    assert m["id"] == "pidnet-s-2xb6-120k-1024x1024-cityscapes-mmseg"
    assert m["implementation"] == "mmsegmentation" and m["reproduces"] == "pidnet-s"
    assert m["weights"][0]["sha256"] == "bb8e3bcc"
    assert f"blob/{SHA}/configs/pidnet/pidnet-s_2xb6-120k_1024x1024-cityscapes.py" in m["note"]
    ss, ms = entries["pidnet"]["results"]
    assert (ss["dataset"], ss["split"], ss["value"], ms["value"]) == ("cityscapes", "val", 78.74, 80.87)
    # crop from the config, schedule from the name (the config's max_iters is an expression),
    # batch from the metafile, flip from the base config's test_pipeline (no RandomFlip).
    assert ss["setting"] == {"crop_size": "1024x1024", "multi_scale": False, "flip": False,
                             "train_iters": 120000, "train_batch": 12}
    assert ms["setting"]["multi_scale"] is True and ms["setting"]["flip"] is True
    assert ss["sources"][0]["url"].endswith(f"/blob/{SHA}/configs/pidnet/metafile.yaml")
    assert ss["sources"][0]["where"].startswith("line 20, ")  # 'mIoU: 78.74' in the excerpt
    (mem,) = entries["pidnet"]["efficiency"]
    assert (mem["quantity"], mem["value"], mem["unit"], mem["during"]) == ("memory", 3.38, "GB", "training")
    psp = entries["pspnet"]["results"][0]
    assert psp["setting"]["train_iters"] == 40000 and psp["setting"]["crop_size"] == "512x1024"
    assert "reproduces" not in entries["pspnet"]["models"][0]  # the catalog names no PSPNet variant
    # Loaded with the catalog: the imported rows are there, on re-implementation models only.
    cat = load_catalog(catalog)
    assert any(x.model == ss["model"] for x in cat.paper("pidnet").results)
    own = {m.id for p in cat.papers for m in p.models if not m.implementation}
    assert not any(x["model"] in own for e in entries.values() for x in e["results"])


def test_reimport_same_commit_changes_nothing(catalog, zoo):
    assert _import(catalog, zoo / "model-index.yml").exit_code == 0
    first = (catalog.parent / "imports" / "mmsegmentation.yaml").read_bytes()
    r = _import(catalog, zoo / "configs/pidnet/metafile.yaml", zoo / "configs/pspnet/metafile.yaml")
    assert r.exit_code == 0 and "unchanged" in r.output
    assert (catalog.parent / "imports" / "mmsegmentation.yaml").read_bytes() == first
    assert _import(catalog, zoo / "model-index.yml", extra=("--check",)).exit_code == 0


def test_newer_commit_is_a_change_set_for_catalog_diff(catalog, zoo, tmp_path):
    assert _import(catalog, zoo / "model-index.yml").exit_code == 0
    out = catalog.parent / "imports" / "mmsegmentation.yaml"
    old = tmp_path / "old.yaml"
    shutil.copyfile(out, old)
    meta = zoo / "configs/pidnet/metafile.yaml"
    meta.write_text(meta.read_text().replace("mIoU: 78.74", "mIoU: 78.9"))
    assert _import(catalog, zoo / "model-index.yml", commit=SHA2, extra=("--check",)).exit_code == 1
    assert _import(catalog, zoo / "model-index.yml", commit=SHA2).exit_code == 0
    r = runner.invoke(app, ["diff", str(old), str(out)])
    assert r.exit_code == 0, r.output
    assert "| 78.74 | 78.9 |" in r.output
    # Only the number changed: the other rows, re-pinned to the newer commit, are not listed.
    assert "numbers: 0 added, 1 changed, 0 removed" in r.output and "Other changes" not in r.output


def test_hand_curated_rows_are_kept_and_their_config_skipped(catalog, zoo):
    # The catalog's own segformer-b0-mmseg row holds the zoo's ADE20K number (37.41).
    meta = zoo / "configs/pspnet/metafile.yaml"
    text = meta.read_text().replace("Pyramid Scene Parsing Network", "'SegFormer: Simple and Efficient "
                                    "Design for Semantic Segmentation with Transformers'")
    text = text.replace("https://arxiv.org/abs/1612.01105", "https://arxiv.org/abs/2105.15203")
    text = text.replace("Dataset: Cityscapes", "Dataset: ADE20K").replace("mIoU: 77.85", "mIoU: 37.41")
    meta.write_text(text)
    r = _import(catalog, meta, extra=("--verbose",))
    assert r.exit_code == 0, r.output
    assert "already in the catalog as hand-curated model 'segformer-b0-mmseg' (kept)" in r.output


HOSTILE = {
    "tag": ("  Weights: !!python/object/apply:os.system ['true']\n", "YAML tag"),
    "quoted number": ("      mIoU: '77.85'\n", "must be a number"),
    "not a percentage": ("      mIoU: 177.85\n", "not a percentage"),
    "escaping config": ("  Config: ../../../etc/passwd.py\n", "not a path inside the repository"),
    "javascript url": ("  Weights: javascript:alert(1)\n", "does not match the pattern"),
    "duplicate key": ("    Batch Size: 8\n    Batch Size: 9\n", "duplicate key 'Batch Size' (first given"),
    "bidi text": ("    Training Resources: 4x V100\u202e GPUS\n", "control character"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_metafile_refused_with_file_and_line(case, catalog, zoo):
    meta = zoo / "configs/pspnet/metafile.yaml"
    lines = meta.read_text().splitlines(keepends=True)
    bad, expected = HOSTILE[case]
    key = bad.split(":")[0]
    n = next(i for i, line in enumerate(lines) if i > 24 and line.startswith(key + ":"))
    lines[n:n + 1] = [bad]
    meta.write_text("".join(lines))
    r = _import(catalog, meta)
    assert r.exit_code == 1
    line = n + 2 if case == "duplicate key" else n + 1  # a duplicate is reported where it repeats
    assert f"{meta}:{line}:" in r.output, r.output
    assert expected in r.output
    assert not (catalog.parent / "imports").exists()


def test_model_index_may_not_leave_its_folder(catalog, zoo):
    (zoo / "model-index.yml").write_text("Import:\n- configs/pidnet/metafile.yaml\n- ../outside.yaml\n")
    r = _import(catalog, zoo / "model-index.yml")
    assert r.exit_code == 1 and f"{zoo / 'model-index.yml'}:3:" in r.output


def test_alias_bomb_refused(catalog, zoo):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh"))
    (zoo / "bomb.yaml").write_text(bomb + "Models: []\n")
    r = _import(catalog, zoo / "bomb.yaml")
    assert r.exit_code == 1 and "alias bomb" in r.output


def test_bad_commit_is_a_usage_error(catalog, zoo):
    assert _import(catalog, zoo / "model-index.yml", commit="main").exit_code == 2


def test_import_rules_located_in_the_import_file(catalog, zoo):
    assert _import(catalog, zoo / "model-index.yml").exit_code == 0
    out = catalog.parent / "imports" / "mmsegmentation.yaml"
    text = out.read_text()
    # A number on a paper's own model, and a model that is not a re-implementation.
    text = text.replace("- {model: pidnet-s-2xb6-120k-1024x1024-cityscapes-mmseg, dataset: cityscapes, split: val, "
                        "metric: miou, value: 78.74", "- {model: pidnet-s, dataset: cityscapes, split: val, "
                        "metric: miou, value: 78.74", 1)
    text = text.replace("backbone: R-50-D8, implementation: mmsegmentation, ", "backbone: R-50-D8, ", 1)
    out.write_text(text)
    _, _, issues = collect_issues(catalog)
    lines = text.splitlines()
    msgs = {(i.file, i.line): i.message for i in issues}
    own = next(n for n, line in enumerate(lines, 1) if line.startswith("  - {model: pidnet-s,"))
    impl = next(n for n, line in enumerate(lines, 1) if "backbone: R-50-D8, weights" in line)
    assert "never adds numbers to a paper's own" in msgs[(str(out), own)]
    assert "has no 'implementation'" in msgs[(str(out), impl)]


def test_model_slug_is_short_stable_and_idempotent():
    assert model_slug("ann_r50-d8_4xb2-40k_cityscapes-512x1024", "mmsegmentation") == \
        "ann-r50-d8-4xb2-40k-cityscapes-512x1024-mmseg"
    long = "mask2former_swin-b-in22k-384x384-pre_8xb2-160k_ade20k-640x640"
    slug = model_slug(long, "mmsegmentation")
    assert len(slug) <= 64 and slug.endswith("-mmseg") and slug == model_slug(long, "mmsegmentation")
    assert model_slug(slug, "mmsegmentation") == slug


def test_model_index_export_round_trips_through_the_importer(catalog, zoo):
    assert _import(catalog, zoo / "model-index.yml").exit_code == 0
    before = _imported(catalog)
    exported = zoo / "segatlas-model-index.yml"
    r = runner.invoke(app, ["export", str(catalog), "--format", "model-index", "-o", str(exported)])
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(exported.read_text())
    ids = {m["id"] for e in before for m in e["models"]}
    mine = [m for m in doc["Models"] if m["Name"] in ids]
    assert len(mine) == len(ids) == 2
    # Import only the zoo's rows of the export back, beside the same configs.
    exported.write_text(yaml.safe_dump({"Collections": doc["Collections"], "Models": mine}, sort_keys=False))
    plan, _ = run_import([exported], "mmsegmentation", SHA, catalog)

    def facts(entries):
        return sorted((e["id"], x["model"], x["dataset"], x["split"], x["value"], tuple(sorted(x["setting"].items())))
                      for e in entries for x in e.get("results", []))

    def models(entries):
        return sorted((m["id"], m.get("backbone"), m.get("reproduces"), m["weights"][0]["url"],
                       m["weights"][0].get("sha256")) for e in entries for m in e.get("models", []))

    def memory(entries):
        return sorted((x["model"], x["value"], x["unit"]) for e in entries for x in e.get("efficiency", []))

    assert facts(plan.entries) == facts(before)
    assert models(plan.entries) == models(before)
    assert memory(plan.entries) == memory(before)


OLD_STYLE = """\
Collections:
- Name: pidnet
  Paper:
    Title: 'PIDNet: A Real-time Semantic Segmentation Network Inspired from PID Controller'
    URL: https://arxiv.org/pdf/2206.02066.pdf
Models:
- Name: pidnet-s_cityscapes-old
  In Collection: pidnet
  Metadata:
    backbone: PIDNet-S
    crop size: (1024,1024)
    lr schd: 120000
    inference time (ms/im):
    - value: 10.5
      hardware: V100
      backend: PyTorch
      batch size: 1
      mode: FP32
      resolution: (1024,2048)
    Training Memory (GB): 3.4
  Results:
  - Task: Semantic Segmentation
    Dataset: Cityscapes
    Metrics:
      mIoU: 78.5
  Weights: https://example.org/pidnet-s_20230302-bb8e3bcc.pth
"""


def test_mmseg_0x_metadata_speed_and_memory(catalog, tmp_path):
    """The 0.x metafile keys (as this catalog's export writes them): crop size, lr schd, training
    memory, and inference time with hardware, backend, batch, precision and resolution."""
    meta = tmp_path / "old" / "configs" / "pidnet" / "metafile.yaml"
    meta.parent.mkdir(parents=True)
    meta.write_text(OLD_STYLE)
    plan, _ = run_import([meta], "mmsegmentation", SHA, catalog)
    (entry,) = plan.entries
    (res,) = entry["results"]
    assert res["setting"] == {"crop_size": "1024x1024", "multi_scale": False, "train_iters": 120000}
    memory, latency = entry["efficiency"]
    assert (memory["quantity"], memory["value"], memory["unit"]) == ("memory", 3.4, "GB")
    assert {k: latency[k] for k in ("quantity", "value", "unit", "input_size", "hardware", "precision",
                                    "batch_size", "engine", "framework", "during")} == {
        "quantity": "latency", "value": 10.5, "unit": "ms", "input_size": "1024x2048", "hardware": "V100",
        "precision": "fp32", "batch_size": 1, "engine": "pytorch", "framework": "PyTorch",
        "during": "inference"}
    assert "flip" not in res["setting"]   # no config to read: flip stays unknown


def test_a_config_listed_twice_with_different_numbers_is_not_imported(catalog, zoo):
    meta = zoo / "configs/pspnet/metafile.yaml"
    lines = meta.read_text().splitlines(keepends=True)
    first = lines[24:48]   # the pspnet_r50-d8 cityscapes entry
    meta.write_text("".join(lines + [x.replace("mIoU: 77.85", "mIoU: 78.2") for x in first]))
    r = _import(catalog, meta, extra=("--verbose",))
    assert r.exit_code == 0, r.output
    assert r.output.count("different numbers in 2 entries") == 2
    assert not (catalog.parent / "imports" / "mmsegmentation.yaml").read_text().count("pspnet-r50-d8")


def test_a_garbled_dataset_field_is_read_from_the_config(catalog, zoo):
    """The zoo's OCRNet metafile has 'Dataset: # HRNet backbone' (a README heading): the config's
    dataset file says Cityscapes."""
    meta = zoo / "configs/pidnet/metafile.yaml"
    meta.write_text(meta.read_text().replace("    Dataset: Cityscapes", "    Dataset: '# HRNet backbone'"))
    assert _import(catalog, meta).exit_code == 0
    (entry,) = _imported(catalog)
    ss = entry["results"][0]
    assert (ss["dataset"], ss["split"], ss["value"]) == ("cityscapes", "val", 78.74)
    assert ("dataset from configs/_base_/datasets/cityscapes_1024x1024.py (the metafile's Dataset field "
            "reads '# HRNet backbone')") in ss["note"]
