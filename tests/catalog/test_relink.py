"""`catalog import relink`: after a paper's own models are curated, the zoo's re-trainings are
linked to them from the import file alone, and the file equals what re-importing the same
commit writes (on the committed metafile excerpts); no link is ever guessed from a backbone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from catalog import DEFAULT_CATALOG
from catalog.cli import app
from catalog.load import load_catalog
from catalog.modelindex import REPRODUCES, arch_from_note, arch_words
from catalog.relink import RelinkError, relink
from catalog.reproductions import reproduced_model, reproduction_verdicts

FIX = Path(__file__).parent / "fixtures" / "modelindex"
SHA = "b040e147adfa027bbc071b624bedf0ae84dfc922"
runner = CliRunner()


def _catalog(root: Path) -> Path:
    path = root / "data" / "papers.yaml"
    path.parent.mkdir(parents=True)
    shutil.copyfile(DEFAULT_CATALOG, path)
    return path


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return _catalog(tmp_path / "a")


def _import(catalog: Path) -> None:
    r = runner.invoke(app, ["import", "model-index", str(FIX / "model-index.yml"), "--source",
                            "mmsegmentation", "--commit", SHA, "--catalog", str(catalog)])
    assert r.exit_code == 0, r.output


def _relink(catalog: Path, *extra: str):
    return runner.invoke(app, ["import", "relink", "--catalog", str(catalog), *extra])


def _file(catalog: Path) -> Path:
    return catalog.parent / "imports" / "mmsegmentation.yaml"


def test_arch_words_round_trip():
    for arch in (["R-50-D8", "PSPNet"], ["ViT-S_16", "Segmenter", "Linear"], ["MIT-B0"]):
        note = f"Config https://example.org/c.py; {arch_words(arch)}; trained on 8x V100 GPUS."
        assert arch_from_note(note) == arch
        assert arch_from_note(f"No config named; {arch_words(arch)}.") == arch
    assert arch_from_note("Config https://example.org/c.py.") == []
    assert arch_from_note(None) == []


def test_relink_of_a_fresh_import_changes_nothing(catalog):
    _import(catalog)
    before = _file(catalog).read_bytes()
    r = _relink(catalog)
    assert r.exit_code == 0, r.output
    assert "unchanged (0 linked, 0 unlinked)" in r.output
    assert _file(catalog).read_bytes() == before
    assert _relink(catalog, "--check").exit_code == 0


def test_relink_equals_a_fresh_import_once_the_link_is_known(catalog, tmp_path, monkeypatch):
    _import(catalog)
    (psp,) = [e for e in yaml.safe_load(_file(catalog).read_text()) if e["id"] == "pspnet"]
    assert all("reproduces" not in m for m in psp["models"])
    # The curator states which model the zoo's R-50-D8 / PSPNet config re-trains.
    monkeypatch.setitem(REPRODUCES, "pspnet", {"R-50-D8/PSPNet": "pspnet"})
    before = _file(catalog).read_bytes()
    r = _relink(catalog, "--check")
    assert r.exit_code == 1 and "would change (1 linked, 0 unlinked)" in r.output
    assert _file(catalog).read_bytes() == before  # --check writes nothing
    r = _relink(catalog)
    assert r.exit_code == 0, r.output
    assert "linked pspnet-r50-d8-4xb2-40k-cityscapes-512x1024-mmseg -> pspnet" in r.output
    fresh = _catalog(tmp_path / "b")
    _import(fresh)
    assert _file(catalog).read_text() == _file(fresh).read_text()
    cat = load_catalog(catalog)
    (m,) = [m for m in cat.paper("pspnet").models if m.id == "pspnet-r50-d8-4xb2-40k-cityscapes-512x1024-mmseg"]
    assert m.reproduces == "pspnet"


def test_relink_drops_the_zoo_metadata_of_a_paper_now_curated(catalog):
    _import(catalog)
    path = _file(catalog)
    clean = path.read_text()
    path.write_text(clean.replace("\n- id: pidnet\n", "\n- id: pidnet\n  title: PIDNet as the zoo gives it\n  year: 2022\n"))
    done = relink(catalog, "mmsegmentation")
    assert done.curated == ["pidnet"]
    assert done.text == clean


def test_a_number_now_hand_curated_needs_a_reimport(catalog):
    _import(catalog)
    text = catalog.read_text()
    # A hand-curated mmsegmentation model of PIDNet holding the zoo's 78.74 (single-scale).
    anchor = "  - {id: pidnet-s, "
    assert anchor in text
    text = text.replace(anchor, "  - {id: pidnet-s-mmseg-curated, name: PIDNet-S (mmsegmentation), "
                                "implementation: mmsegmentation}\n" + anchor, 1)
    row = ("  - {model: pidnet-s-mmseg-curated, dataset: cityscapes, split: val, value: 78.74, "
           "setting: {multi_scale: false}, sources: [{ref: mmsegmentation, url: "
           f"'https://github.com/open-mmlab/mmsegmentation/blob/{SHA}/configs/pidnet/README.md', "
           "where: 'table Cityscapes, row PIDNet-S, column mIoU'}]}\n")
    i = text.index("\n  results:\n", text.index("\n- id: pidnet\n")) + len("\n  results:\n")
    catalog.write_text(text[:i] + row + text[i:])
    before = _file(catalog).read_bytes()
    r = _relink(catalog)
    assert r.exit_code == 1
    assert "hand-curated model 'pidnet-s-mmseg-curated' now holds this number" in r.output
    assert "re-run `catalog import model-index`" in r.output
    assert _file(catalog).read_bytes() == before


def test_relink_refuses_a_file_it_did_not_write(catalog):
    _import(catalog)
    _file(catalog).write_text("- id: pidnet\n")
    r = _relink(catalog)
    assert r.exit_code == 1 and "not a file written by `catalog import model-index --source mmsegmentation`" in r.output
    with pytest.raises(RelinkError):
        relink(catalog, "mmsegmentation")
    assert _relink(catalog, "--source", "nosuchlib").exit_code == 2


def test_no_link_is_guessed_from_a_backbone():
    """mmsegmentation trains Segmenter's ViT-S/16 with a linear and a mask decoder; only the mask
    one is Seg-S-Mask/16. A backbone match would judge the claim against the linear one too."""
    cat = load_catalog(DEFAULT_CATALOG)
    models = {m.id: (p.id, m) for p in cat.papers for m in p.models}
    pid, linear = models["segmenter-vit-s-fcn-8xb1-160k-ade20k-512x512-mmseg"]
    assert linear.backbone == "ViT-S_16" and reproduced_model(linear) is None
    _, mask = models["segmenter-vit-s-mask-8xb1-160k-ade20k-512x512-mmseg"]
    assert reproduced_model(mask) == "segmenter-s-mask-16"
    # Twins-PCPVT-S is trained under FPN (80k) and UPerNet (160k): only UPerNet is the README's.
    _, fpn = models["twins-pcpvt-s-fpn-fpnhead-8xb4-80k-ade20k-512x512-mmseg"]
    assert reproduced_model(fpn) is None


def test_real_catalog_verdicts_for_the_relinked_papers():
    v = {(x.model, x.claimed): x for x in reproduction_verdicts(load_catalog(DEFAULT_CATALOG))}
    pcpvt_s_ms = v[("upernet-twins-pcpvt-s", 47.5)]
    assert (pcpvt_s_ms.verdict, pcpvt_s_ms.reproduced) == ("lower", 46.92)
    assert v[("upernet-twins-pcpvt-s", 46.2)].verdict == "reproduced"
    seg_s = v[("segmenter-s-mask-16", 45.3)]
    assert (seg_s.verdict, seg_s.reproduced, seg_s.by.model) == (
        "higher", 46.19, "segmenter-vit-s-mask-8xb1-160k-ade20k-512x512-mmseg")
    # K-Net Swin-L: the 512 and the 640 crop each judged against the zoo's config of that crop.
    assert v[("knet-swin-l-upernet", 52.0)].reproduced == 52.05
    assert v[("knet-swin-l-upernet", 52.7)].reproduced == 52.21
    assert sum(x.judged for x in v.values()) >= 100
