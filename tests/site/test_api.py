"""The static API (api/v1/), the badges and the downloads of the built fixture site."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

API = "api/v1"


def load(site: Path, path: str):
    return json.loads((site / API / path).read_text(encoding="utf-8"))


def schema_for(path: str) -> str:
    if path in ("index.json", "claims.json"):
        return path.replace(".json", "")
    return "paper" if path.startswith("papers/") else "ranking"


def test_every_api_file_is_valid_against_its_schema(built_site):
    root = built_site / API
    schemas = {p.name.split(".")[0]: json.loads(p.read_text()) for p in (root / "schema").glob("*.schema.json")}
    assert sorted(schemas) == ["claims", "index", "paper", "ranking"]
    files = [p for p in root.rglob("*.json") if "schema" not in p.parts]
    for f in files:
        path = f.relative_to(root).as_posix()
        jsonschema.validate(json.loads(f.read_text()), schemas[schema_for(path)],
                            cls=jsonschema.Draft202012Validator)
    index = load(built_site, "index.json")
    # every file the index names exists, and every paper and ranking file is in the index
    named = {p["url"] for p in index["papers"]} | {r["url"] for r in index["rankings"]} | {"claims.json", "index.json"}
    assert named == {f.relative_to(root).as_posix() for f in files}
    fixture_papers = T.FIXTURES.joinpath("papers.yaml").read_text().count("\n- id: ") + 1
    assert len(index["papers"]) >= fixture_papers  # the fixture plus the hostile probe


def test_a_bad_document_is_rejected_by_its_schema(built_site):
    schema = json.loads((built_site / API / "schema" / "ranking.schema.json").read_text())
    doc = load(built_site, "rankings/cityscapes/miou-unspecified.json")
    doc["rows"][0]["rank"] = "first"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def _board_json(dataset: str, catalog: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "catalog", "board", dataset, "--json", "--catalog", str(catalog)],
                          cwd=T.ROOT, capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": str(T.ROOT)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("dataset", ["cityscapes", "voc2012"])
def test_rankings_agree_with_catalog_board_json(built_site, tmp_path, dataset):
    """Same rows, ranks, values, states and sources as `catalog board --json`; the API's costs
    add the bench's measurements, so only claimed costs are compared."""
    catalog = tmp_path / "papers.yaml"  # the catalog the site was built from
    catalog.write_text((T.FIXTURES / "papers.yaml").read_text() + "\n" + (T.FIXTURES / "hostile.yaml").read_text())
    cli = _board_json(dataset, catalog)
    assert cli["rankings"]
    for rk in cli["rankings"]:
        doc = load(built_site, f"rankings/{dataset}/{rk['id']}.json")
        assert (doc["metric"], doc["protocol"], doc["default_view"]) == (rk["metric"], rk["protocol"], cli["default_view"])
        assert [r["id"] for r in doc["rows"]] == [r["id"] for r in rk["rows"]]
        for ours, theirs in zip(doc["rows"], rk["rows"]):
            assert {k: v for k, v in ours.items() if k != "costs"} == {k: v for k, v in theirs.items() if k != "costs"}
            for key, cost in theirs["costs"].items():
                if isinstance(cost, dict) and ours["costs"][key]["how"] == "claimed":
                    assert ours["costs"][key] == cost


def test_claims_carry_kind_verdict_and_reason(built_site):
    claims = load(built_site, "claims.json")
    kinds = {c["kind"] for c in claims["claims"]}
    assert kinds == {"efficiency", "accuracy"}
    acc = [c for c in claims["claims"] if c["kind"] == "accuracy"]
    assert all(c["verdict"] == "no independent reproduction yet" and c["environment"] is None
               and c["dataset"] and c["split"] for c in acc)
    # ERFNet's params claim (2.1 M) against its measured 2.06 M: the reason names both and the tolerance
    erf = next(c for c in claims["claims"] if c["model"] == "erfnet" and c["quantity"] == "params")
    assert erf["verdict"] == "verified" and "measured 2.06 M vs claimed 2.1 M" in erf["reason"]
    assert "±" in erf["reason"] and erf["environment"]
    assert claims["counts"]["accuracy"] == {"no independent reproduction yet": len(acc)}


def test_paper_document_links_its_rankings(built_site):
    doc = load(built_site, "papers/erfnet.json")
    assert doc["short_name"] == "ERFNet"
    ranked = [r for r in doc["results"] if r["ranking"]]
    assert ranked
    for r in ranked:
        rows = {row["id"]: row for row in load(built_site, r["ranking"])["rows"]}
        assert rows[r["row"]]["value"] == r["value"] and rows[r["row"]]["rank"] == r["rank"]
    assert [m["benchmarked"] for m in doc["models"]] == [True]
    assert (built_site / "papers" / doc["models"][0]["badge"].replace("../../", "../")).resolve().is_file()


def test_badges_for_every_benchmarked_model_and_paper(built_site):
    runs = {json.loads(f.read_text())["runs"][-1]["catalog_model"] for f in (T.FIXTURES / "results").glob("*.json")}
    models = {p.stem for p in (built_site / "badges" / "models").glob("*.svg")}
    assert models == runs
    erf = (built_site / "badges" / "models" / "erfnet.svg").read_text()
    assert "params verified" in erf and erf.startswith("<svg")
    index = load(built_site, "index.json")
    assert {p.stem for p in (built_site / "badges" / "papers").glob("*.svg")} == {p["id"] for p in index["papers"]}
    for svg in (built_site / "badges").rglob("*.svg"):  # catalog text is escaped in the SVG too
        assert "<script" not in svg.read_text()
    page = (built_site / "papers" / "erfnet.html").read_text()
    assert "[![SegAtlas: ERFNet](../badges/models/erfnet.svg)](erfnet.html)" in page


def test_downloads_offer_runs_verdicts_and_sources(built_site):
    page = (built_site / "downloads.html").read_text()
    for name in ("runs", "verdicts", "sources"):
        assert f'href="downloads/{name}.csv"' in page
    runs = list(csv.DictReader(io.StringIO((built_site / "downloads" / "runs.csv").read_text())))
    erf = next(r for r in runs if r["model"] == "erfnet")
    measured = json.loads((T.FIXTURES / "results" / "erfnet.json").read_text())["runs"][-1]["params"]["total"]
    assert int(erf["params"]) == measured
    sources = list(csv.DictReader(io.StringIO((built_site / "downloads" / "sources.csv").read_text())))
    ids = {s["id"] for s in sources}
    verdicts = list(csv.DictReader(io.StringIO((built_site / "downloads" / "verdicts.csv").read_text())))
    assert {v["kind"] for v in verdicts} == {"efficiency", "accuracy"}
    for v in verdicts:  # every cited id is in the sources table
        for ref in filter(None, v["sources"].split(";")):
            assert ref in ids, ref
