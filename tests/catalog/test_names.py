"""Short names and the names a search must find (catalog.names)."""

from __future__ import annotations

from catalog import REPO_ROOT
from catalog.load import load_catalog
from catalog.names import fold, model_short_name, search_names
from catalog.schema import Paper


def test_every_real_model_has_a_name_readers_use():
    """Tables print model_short_name: never a survey's row label ("efficient (...)")."""
    cat = load_catalog(REPO_ROOT / "data" / "papers.yaml")
    bad = [(m.id, model_short_name(m)) for p in cat.papers for m in p.models
           # a name readers use starts with a capital or a digit, or is camel-cased (kMaX, vHeat)
           if not (model_short_name(m)[0].isupper() or model_short_name(m)[0].isdigit()
                   or any(c.isupper() for c in model_short_name(m).split()[0]))
           or model_short_name(m).split()[0] in ("Improving", "Efficient", "Learning", "Rethinking")]
    assert bad == []
    names = {m.id: model_short_name(m) for p in cat.papers for m in p.models}
    assert names["shufflenetv2-atrous"] == "ShuffleNet V2 + atrous"
    assert names["vplr"] == "Video Propagation + Label Relaxation"


def test_search_names_add_spaceless_versions_and_fold_accents():
    p = Paper(id="deeplabv3plus", title="Encoder-Decoder with Atrous Separable Convolution", year=2018,
              short_name="DeepLab v3+", models=[{"id": "dlv3p", "name": "DeepLab v3+ (Xception-65)"}])
    names = search_names(p)
    assert names[:2] == ["DeepLab v3+", "DeepLabv3+"]
    assert "DeepLabv3+ (Xception-65)" in names
    assert fold("Lovász-Softmax") == "Lovasz-Softmax"
    q = Paper(id="lovasz", title="The Lovász-Softmax loss", year=2018, short_name="Lovász-Softmax")
    assert search_names(q) == ["Lovász-Softmax", "Lovasz-Softmax"]
