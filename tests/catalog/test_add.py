"""`catalog add`: scaffolded entries are exact, validated, appended in place, never duplicated."""

from __future__ import annotations

import pytest

from catalog.add import AddError, NewPaper, duplicates, result_entry, yaml_text
from catalog.cli import app
from catalog.fmt import format_text
from catalog.load import load_catalog, parse_yaml

ENTRY = [
    "--id", "bisenet", "--title", "BiSeNet: Bilateral Segmentation Network for Real-time "
    "Semantic Segmentation", "--year", "2018", "--venue", "ECCV 2018", "--arxiv", "1808.00897",
    "--tag", "real-time", "--model", "id=bisenet-xception39 name='BiSeNet (Xception39)'",
    "--result", "model=bisenet-xception39 dataset=cityscapes split=test server=official "
    "value=68.40 extra_data=none where='Table 6'",
    "--efficiency", "model=bisenet-xception39 quantity=fps value=105.8 unit=fps "
    "input_size=768x1536 hardware='GTX 1080 Ti' where='Table 6'",
]


@pytest.fixture
def catalog_file(valid_text, second_text, write):
    return write("# a comment at the top\n\n" + format_text(valid_text + "\n" + second_text))


def test_add_appends_a_canonical_entry_and_keeps_the_rest(catalog_file, runner):
    before = catalog_file.read_text()
    result = runner.invoke(app, ["add", "--catalog", str(catalog_file), *ENTRY])
    assert result.exit_code == 0, result.output
    after = catalog_file.read_text()
    assert after.startswith(before.rstrip("\n") + "\n\n")
    assert after[len(before) + 1:] == (
        "- id: bisenet\n"
        "  title: 'BiSeNet: Bilateral Segmentation Network for Real-time Semantic Segmentation'\n"
        "  year: 2018\n"
        "  venue: ECCV 2018\n"
        "  arxiv: '1808.00897'\n"
        "  tags: [real-time]\n"
        "  models:\n"
        "  - {id: bisenet-xception39, name: BiSeNet (Xception39)}\n"
        "  results:\n"
        "  - {model: bisenet-xception39, dataset: cityscapes, split: test, server: official, "
        "value: 68.40, setting: {extra_data: []}, sources: [{ref: paper, where: Table 6}]}\n"
        "  efficiency:\n"
        "  - {model: bisenet-xception39, quantity: fps, value: 105.8, unit: fps, "
        "input_size: 768x1536, hardware: GTX 1080 Ti, sources: [{ref: paper, where: Table 6}]}\n")
    assert format_text(after) == after  # what add writes, fmt leaves alone
    cat = load_catalog(catalog_file)
    r = cat.paper("bisenet").results[0]
    assert (r.value, r.server, r.setting.extra_data) == (68.4, "official", [])


def test_duplicates_are_refused(catalog_file, runner):
    result = runner.invoke(app, ["add", "--catalog", str(catalog_file), "--id", "fcn-again",
                                 "--title", "Fully  convolutional networks for semantic "
                                 "segmentation.", "--year", "2015", "--arxiv", "1411.4038"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "not added: arXiv 1411.4038 is already in the catalog as 'fcn'",
        "not added: the title is already in the catalog as 'fcn'"]


def test_errors_name_the_field_and_nothing_is_written(catalog_file, runner):
    before = catalog_file.read_text()
    bad = [x.replace("split=test", "split=tset") for x in ENTRY]
    result = runner.invoke(app, ["add", "--catalog", str(catalog_file), *bad])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        "  bisenet.results[0].split: unknown split 'tset' (did you mean 'test'?) (add it to "
        "catalog/vocab.py SPLITS first) (entry line 10, column 61)")
    assert catalog_file.read_text() == before


def test_prompts_for_id_title_and_year(catalog_file, runner):
    result = runner.invoke(app, ["add", "--catalog", str(catalog_file), "--dry-run"],
                           input="unet\nU-Net: Convolutional Networks for Biomedical Image "
                                 "Segmentation\n2015\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-3:] == [
        "- id: unet",
        "  title: 'U-Net: Convolutional Networks for Biomedical Image Segmentation'",
        "  year: 2015"]
    assert "unet" not in catalog_file.read_text()  # dry run


@pytest.mark.parametrize("spec,message", [
    ("model=m dataset=camvid split=test value=60,1 where=T1", "value='60,1' is not a number"),
    ("model=m dataset=camvid split=test value=60 flip=yes where=T1", "flip='yes' must be true or false"),
    ("model=m dataset=camvid split=test value=60 multiscale=true where=T1",
     "unknown key 'multiscale' (did you mean 'multi_scale'?)"),
    ("model=m dataset=camvid split=test value=60", "say where the number is"),
    ("model=m dataset=camvid value=60 where=T1", "'split=' is required"),
    ("model=m dataset=camvid split=test value=60 where='T1", "cannot read"),
])
def test_bad_specs(spec, message):
    with pytest.raises(AddError) as e:
        result_entry(spec)
    assert message in str(e.value)


@pytest.mark.parametrize("text", ["yes", "No", "on", "null", "~", "017", "1:20", "2015-01-01",
                                  "a: b", "#x", "x #y", "'q'", "[x]", "{x}", "a, b", "-x", "@x",
                                  "  padded ", "Café", "62.2", "true", "1e3", "x\ty", ""])
def test_yaml_text_reads_back_as_the_same_text(text):
    data, _, issues = parse_yaml(f"k: {yaml_text(text)}\n")
    assert issues == [] and data == {"k": text}


def test_duplicates_normalise_titles():
    paper = NewPaper(id="x", title="U-NET: convolutional networks!", year=2015)
    assert duplicates([{"id": "unet", "title": "U-Net: Convolutional Networks"}], paper) == [
        "the title is already in the catalog as 'unet'"]
